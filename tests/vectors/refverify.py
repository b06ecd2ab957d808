"""A small, strict reference model of the stepup verifier (docs/verification-rules.md).

It exists only to check the committed test vectors: every vector in
interop.json and rfc.json is run through it and its verdict must equal the
vector's "expect". It is NOT the product and is not meant to be fast or
complete; it implements the rules the vectors exercise, in this order:

  1. size            token_too_large (> 64 KiB)
  2. structure       jwe_not_supported (5 parts), malformed_token (not 3 parts,
                     empty header or signature part)
  3. base64url       invalid_base64 (padding, whitespace, characters outside the
                     base64url alphabet, impossible length, stray trailing bits)
  4. header JSON     json_too_deep, invalid_json, duplicate_member
  5. alg             alg_none (any casing), unsupported_alg, alg_not_allowed
  6. header params   crit_not_supported, b64_not_supported, nested_jwt,
                     typ_not_allowed, invalid_kid
  7. key             key_not_found (kid not in the JWKS / no compatible key)
  8. signature       invalid_signature (exact forms: RSA = modulus length,
                     ECDSA raw r||s with r,s != 0, Ed25519 canonical S,
                     PSS salt = hash length)
  9. payload JSON    json_too_deep, invalid_json, duplicate_member
 10. claims          iss, sub, aud, azp, exp, iat, nbf, nonce (in that order:
                     the order docs/verification-rules.md lists them, which is also
                     OpenID Connect Core 3.1.3.7 with sub right after iss)
 11. policy         satisfied | step_up with missing
                     ["amr:<v>"..., "acr", "auth_time" | "fresh_login"]

Every interop vector has exactly one defect, so the order only matters for
the few vectors that document a deliberate multi-defect case (see README.md).
"""

from __future__ import annotations

import base64
import json
import math
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography import x509

MAX_TOKEN = 64 * 1024
MAX_DEPTH = 64
DEFAULT_LEEWAY = 60

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
HS = {"HS256": 32, "HS384": 48, "HS512": 64}
RSA_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
EC_ALG = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
EC_SIZE = {"ES256": 32, "ES384": 48, "ES512": 66}
ED_ALGS = ["EdDSA", "Ed25519"]
KNOWN = set(HS) | set(RSA_ALGS) | set(EC_ALG.values()) | set(ED_ALGS)
ED25519_L = 2**252 + 27742317777372353535851937790883648493
B64URL = re.compile(r"[A-Za-z0-9_-]*")


class VerifyError(Exception):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class ConfigError(Exception):
    pass


# ---------------------------------------------------------------- keys


class Key:
    """One configured verification key."""

    def __init__(self, kind: str, obj, kid: str | None = None, jwk: dict | None = None):
        self.kind = kind  # "secret" | "rsa" | "ec" | "ed25519"
        self.obj = obj
        self.kid = kid
        self.jwk = jwk or {}

    def algs(self) -> set[str]:
        if self.kind == "secret":
            return {a for a, n in HS.items() if len(self.obj) >= n}
        if self.kind == "rsa":
            if self.obj.key_size < 2048:
                raise ConfigError("RSA key < 2048 bits")
            return set(RSA_ALGS)
        if self.kind == "ec":
            return {EC_ALG[self.obj.curve.name]}
        return set(ED_ALGS)


def _b64d_loose(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def key_from_public(pub, kid=None, jwk=None) -> Key:
    if isinstance(pub, rsa.RSAPublicKey):
        return Key("rsa", pub, kid, jwk)
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return Key("ec", pub, kid, jwk)
    if isinstance(pub, ed25519.Ed25519PublicKey):
        return Key("ed25519", pub, kid, jwk)
    raise ConfigError(f"unsupported key type {type(pub)}")


def key_from_jwk(j: dict) -> Key | None:
    kty = j.get("kty")
    kid = j.get("kid")
    if kty == "oct":
        return Key("secret", _b64d_loose(j["k"]), kid, j)
    if kty == "RSA":
        n = int.from_bytes(_b64d_loose(j["n"]), "big")
        e = int.from_bytes(_b64d_loose(j["e"]), "big")
        return Key("rsa", rsa.RSAPublicNumbers(e, n).public_key(), kid, j)
    if kty == "EC":
        curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}[j["crv"]]
        x = int.from_bytes(_b64d_loose(j["x"]), "big")
        y = int.from_bytes(_b64d_loose(j["y"]), "big")
        return Key("ec", ec.EllipticCurvePublicNumbers(x, y, curve).public_key(), kid, j)
    if kty == "OKP" and j.get("crv") == "Ed25519":
        return Key("ed25519", ed25519.Ed25519PublicKey.from_public_bytes(_b64d_loose(j["x"])), kid, j)
    return None


def load_keyspec(spec: dict) -> tuple[list[Key], bool]:
    """Returns (keys, is_set). is_set: kid selects among keys."""
    t, v = spec["type"], spec["value"]
    if t == "secret":
        if not v:
            raise ConfigError("empty secret")
        return [Key("secret", v.encode("utf-8"))], False
    if t == "pem":
        data = v.encode()
        if b"CERTIFICATE" in data:
            pub = x509.load_pem_x509_certificate(data).public_key()
        else:
            pub = serialization.load_pem_public_key(data)
        return [key_from_public(pub)], False
    if t == "jwk":
        k = key_from_jwk(v)
        if k is None:
            raise ConfigError("unusable JWK")
        return [k], False
    if t == "jwks":
        keys = []
        for j in v["keys"]:
            if j.get("kty") == "oct":
                continue  # symmetric keys inside a JWK Set are never used
            if "use" in j and j["use"] != "sig":
                continue
            if "key_ops" in j and "verify" not in j["key_ops"]:
                continue
            k = key_from_jwk(j)
            if k is not None:
                keys.append(k)
        if not keys:
            raise ConfigError("key set without a usable key")
        return keys, True
    raise ConfigError(f"unknown key type {t}")


# ---------------------------------------------------------------- parsing


def b64d_strict(part: str) -> bytes:
    if not B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise VerifyError("invalid_base64", repr(part[:20]))
    raw = _b64d_loose(part)
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != part:
        raise VerifyError("invalid_base64", "non-canonical trailing bits")
    return raw


def json_depth(text: str) -> int:
    depth = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


def _no_dupes(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise VerifyError("duplicate_member", k)
        seen[k] = v
    return seen


def _reject_constant(name):
    raise ValueError(name)  # NaN / Infinity are not JSON


def parse_object(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise VerifyError("invalid_json", "not UTF-8")
    if json_depth(text) > MAX_DEPTH:
        raise VerifyError("json_too_deep")
    try:
        obj = json.loads(text, object_pairs_hook=_no_dupes, parse_constant=_reject_constant)
    except VerifyError:
        raise
    except ValueError as e:
        raise VerifyError("invalid_json", str(e))
    if not isinstance(obj, dict):
        raise VerifyError("invalid_json", "not an object")
    return obj


# ---------------------------------------------------------------- signatures


def check_signature(key: Key, alg: str, signing_input: bytes, sig: bytes) -> bool:
    try:
        if alg in HS:
            mac = hmac.HMAC(key.obj, HASHES[alg[2:]]())
            mac.update(signing_input)
            mac.verify(sig)
            return True
        if alg in RSA_ALGS:
            if len(sig) != (key.obj.key_size + 7) // 8:
                return False
            h = HASHES[alg[2:]]()
            pad = (
                padding.PKCS1v15()
                if alg.startswith("RS")
                else padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
            )
            key.obj.verify(sig, signing_input, pad, h)
            return True
        if alg in EC_SIZE:
            n = EC_SIZE[alg]
            if len(sig) != 2 * n:
                return False
            r = int.from_bytes(sig[:n], "big")
            s = int.from_bytes(sig[n:], "big")
            if r == 0 or s == 0:
                return False
            key.obj.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(HASHES[alg[2:]]()))
            return True
        if alg in ED_ALGS:
            if len(sig) != 64 or int.from_bytes(sig[32:], "little") >= ED25519_L:
                return False
            key.obj.verify(sig, signing_input)
            return True
    except InvalidSignature:
        return False
    return False


# ---------------------------------------------------------------- claims


def numeric_date(claims: dict, name: str):
    v = claims[name]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise VerifyError("invalid_claim", name)
    if isinstance(v, float) and not math.isfinite(v):
        raise VerifyError("invalid_claim", name)
    if not (-(2**63) <= v < 2**63):
        raise VerifyError("invalid_claim", name)
    return v


def check_claims(c: dict, issuer: str, audience: str, now: int, leeway: int, nonce: str | None):
    if "iss" not in c:
        raise VerifyError("iss_missing")
    if c["iss"] != issuer:
        raise VerifyError("iss_mismatch")
    if not isinstance(c.get("sub"), str):
        raise VerifyError("sub_missing")
    if "aud" not in c:
        raise VerifyError("aud_missing")
    aud = c["aud"]
    if isinstance(aud, str):
        auds = [aud]
    elif isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        auds = aud
    else:
        raise VerifyError("invalid_claim", "aud")
    if audience not in auds:
        raise VerifyError("aud_mismatch")
    if len(auds) > 1 and "azp" not in c:
        raise VerifyError("azp_missing")
    if "azp" in c and c["azp"] != audience:
        raise VerifyError("azp_mismatch")
    if "exp" not in c:
        raise VerifyError("exp_missing")
    exp = numeric_date(c, "exp")
    if not now < exp + leeway:
        raise VerifyError("token_expired")
    if "iat" not in c:
        raise VerifyError("iat_missing")
    iat = numeric_date(c, "iat")
    if iat > now + leeway:
        raise VerifyError("iat_in_future")
    if "nbf" in c:
        nbf = numeric_date(c, "nbf")
        if nbf > now + leeway:
            raise VerifyError("nbf_in_future")
    if nonce is not None:
        if "nonce" not in c:
            raise VerifyError("nonce_missing")
        if c["nonce"] != nonce:
            raise VerifyError("nonce_mismatch")


def step_up_missing(c: dict, policy: dict, now: int, leeway: int) -> list[str]:
    missing = []
    required = policy.get("require_amr") or ["mfa"]
    amr = c.get("amr")
    amr_ok = isinstance(amr, list) and all(isinstance(a, str) for a in amr)
    for v in required:
        if not (amr_ok and v in amr):
            missing.append(f"amr:{v}")
    if policy.get("acr"):
        acr = c.get("acr")
        if not (isinstance(acr, str) and acr in policy["acr"]):
            missing.append("acr")
    if "max_age" in policy:
        at = c.get("auth_time")
        if isinstance(at, bool) or not isinstance(at, (int, float)) or (
            isinstance(at, float) and not math.isfinite(at)
        ):
            missing.append("auth_time")
        elif now - at > policy["max_age"] + leeway:
            missing.append("fresh_login")
    return missing


# ---------------------------------------------------------------- main entry


def verify(token: str, keys: dict, v: dict) -> dict:
    """Run one vector. Returns {"result": ..., ...} shaped like "expect",
    plus "signature_ok": True when the signature stage was passed."""
    keyset, is_set = load_keyspec(keys[v["key"]])
    permitted = set().union(*(k.algs() for k in keyset))
    if v.get("algorithms"):
        for a in v["algorithms"]:
            if a not in permitted:
                raise ConfigError(f"{a} is allowed but no configured key can use it")
        allowed = set(v["algorithms"])
    else:
        allowed = permitted
    leeway = v.get("leeway", DEFAULT_LEEWAY)
    sig_ok = False
    try:
        if len(token.encode("utf-8")) > MAX_TOKEN:
            raise VerifyError("token_too_large")
        parts = token.split(".")
        if len(parts) == 5:
            raise VerifyError("jwe_not_supported")
        if len(parts) != 3:
            raise VerifyError("malformed_token", f"{len(parts)} parts")
        if not parts[0] or not parts[2]:
            raise VerifyError("malformed_token", "empty part")
        hb, pb, sb = (b64d_strict(p) for p in parts)
        header = parse_object(hb)
        alg = header.get("alg")
        if not isinstance(alg, str):
            raise VerifyError("unsupported_alg", repr(alg))
        if alg.lower() == "none":
            raise VerifyError("alg_none")
        if alg not in KNOWN:
            raise VerifyError("unsupported_alg", alg)
        if alg not in allowed:
            raise VerifyError("alg_not_allowed", alg)
        if "crit" in header:
            raise VerifyError("crit_not_supported")
        if "b64" in header:
            raise VerifyError("b64_not_supported")
        if isinstance(header.get("cty"), str) and header["cty"].lower() in ("jwt", "application/jwt"):
            raise VerifyError("nested_jwt")
        if "typ" in header and not (
            isinstance(header["typ"], str) and header["typ"].lower() in ("jwt", "application/jwt")
        ):
            raise VerifyError("typ_not_allowed", repr(header["typ"]))
        if "kid" in header and not isinstance(header["kid"], str):
            raise VerifyError("invalid_kid")
        candidates = [k for k in keyset if alg in k.algs()]
        if is_set:
            if "kid" in header:
                candidates = [k for k in candidates if k.kid == header["kid"]]
            candidates = [k for k in candidates if k.jwk.get("alg") in (None, alg)]
        if not candidates:
            raise VerifyError("key_not_found")
        signing_input = (parts[0] + "." + parts[1]).encode()
        if not any(check_signature(k, alg, signing_input, sb) for k in candidates):
            raise VerifyError("invalid_signature")
        sig_ok = True
        claims = parse_object(pb)
        check_claims(claims, v["issuer"], v["audience"], v["now"], leeway, v.get("nonce"))
        missing = step_up_missing(claims, v.get("policy", {}), v["now"], leeway)
    except VerifyError as e:
        return {"result": "error", "code": e.code, "signature_ok": sig_ok}
    if missing:
        return {"result": "step_up", "missing": missing, "signature_ok": True}
    return {"result": "satisfied", "signature_ok": True}


def matches(expect: dict, got: dict) -> bool:
    r = expect["result"]
    if r == "signature_valid":
        if not got["signature_ok"]:
            return False
        if "claims_error" in expect:
            return got["result"] == "error" and got["code"] == expect["claims_error"]
        return True
    if r != got["result"]:
        return False
    if r == "error":
        return expect["code"] == got["code"]
    if r == "step_up":
        return expect["missing"] == got["missing"]
    return True


def check_file(path) -> set[str]:
    """Returns the names of the vectors whose expectation the model does not reproduce."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    names = set()
    failed: set[str] = set()
    for v in doc["vectors"]:
        if v["name"] in names:
            print(f"FAIL {v['name']}: duplicate name")
            failed.add(v["name"])
        names.add(v["name"])
        got = verify(v["token"], doc["keys"], v)
        if not matches(v["expect"], got):
            failed.add(v["name"])
            print(f"FAIL {v['name']}: expected {v['expect']}, reference model says {got}")
    return failed

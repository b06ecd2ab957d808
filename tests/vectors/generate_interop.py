#!/usr/bin/env python3
"""Generate tests/vectors/interop.json: ID-token vectors for the stepup verifier.

Tokens are produced by two independent JOSE libraries (PyJWT and jwcrypto) and,
for the cases no library will produce (attacks, malformed encodings, exact JSON
text), assembled by hand with `cryptography`. Each vector records which in its
"generator" field.

Keys are reproducible: they are generated only when tests/vectors/keys/ does
not exist; otherwise the committed key files are loaded. Note that ECDSA and
RSA-PSS signatures are randomized, so regenerating rewrites those tokens even
with the same keys; every expectation stays the same.

Usage (from the repository root):
    pip install -r tests/vectors/requirements.txt
    python3 tests/vectors/generate_interop.py          # writes interop.json
    python3 tests/vectors/check_interop.py             # re-checks it

The script ends by running every vector through the reference model in
refverify.py and by cross-checking signatures with the other library; it exits
non-zero if anything disagrees.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac as py_hmac
import json
import sys
from pathlib import Path

import jwt as pyjwt
import jwcrypto
import jwcrypto.jwe
import jwcrypto.jwk
import jwcrypto.jws
import cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.x509.oid import NameOID

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import check_interop  # noqa: E402
import refverify  # noqa: E402

KEYS_DIR = HERE / "keys"
OUT = HERE / "interop.json"

ISSUER = "https://issuer.example.com"
CLIENT = "stepup-client"
IAT = 1767225600  # 2026-01-01T00:00:00Z
EXP = IAT + 3600
NOW = IAT + 600
LEEWAY = 60
NONCE = "n-0S6_WzA2Mj"
AUTH_TIME = IAT - 10
ACR_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"

# HMAC secrets: ASCII, exactly the hash output length (HS512: longer).
SECRET_HS256 = "stepup-interop-hs256-secret-0032"
SECRET_HS384 = "stepup-interop-hs384-secret-with-48-bytes-000048"
SECRET_HS512 = "stepup-interop-hs512-secret-that-is-longer-than-64-bytes-for-sha512-000072"
assert len(SECRET_HS256) == 32 and len(SECRET_HS384) == 48 and len(SECRET_HS512) >= 64

ASYM = ["rsa-2048", "rsa-3072", "ec-p256", "ec-p384", "ec-p521", "ed25519"]
EXTRA = ["attacker-rsa-2048", "secp256k1"]  # not in the JWKS; used by attack cases


# ======================================================================= keys


def _gen_private(name: str):
    if name in ("rsa-2048", "attacker-rsa-2048"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if name == "rsa-3072":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if name == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if name == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if name == "ec-p521":
        return ec.generate_private_key(ec.SECP521R1())
    if name == "secp256k1":
        return ec.generate_private_key(ec.SECP256K1())
    if name == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(name)


def _self_signed_cert(priv) -> bytes:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "issuer.example.com"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "stepup test vectors"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(priv.public_key())
        .serial_number(0x5754E9)
        .not_valid_before(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
        .not_valid_after(datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .sign(priv, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _public_jwk(pub_pem: bytes, kid: str) -> dict:
    d = jwcrypto.jwk.JWK.from_pem(pub_pem).export_public(as_dict=True)
    d["kid"] = kid
    d["use"] = "sig"
    order = ["kty", "kid", "use", "crv", "n", "e", "x", "y"]
    return {k: d[k] for k in order if k in d}


def generate_keys() -> None:
    KEYS_DIR.mkdir(parents=True)
    for name in ASYM + EXTRA:
        priv = _gen_private(name)
        (KEYS_DIR / f"{name}.private.pem").write_bytes(
            priv.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (KEYS_DIR / f"{name}.public.pem").write_bytes(
            priv.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        if name == "rsa-2048":
            (KEYS_DIR / "rsa-2048.cert.pem").write_bytes(_self_signed_cert(priv))
    jwks = {"keys": [_public_jwk((KEYS_DIR / f"{n}.public.pem").read_bytes(), n) for n in ASYM]}
    (KEYS_DIR / "jwks.json").write_text(json.dumps(jwks, indent=2) + "\n")


class Keys:
    def __init__(self) -> None:
        if not KEYS_DIR.exists():
            print(f"generating keys in {KEYS_DIR}")
            generate_keys()
        self.priv = {}
        self.pub_pem = {}
        for name in ASYM + EXTRA:
            self.priv[name] = serialization.load_pem_private_key(
                (KEYS_DIR / f"{name}.private.pem").read_bytes(), password=None
            )
            self.pub_pem[name] = (KEYS_DIR / f"{name}.public.pem").read_text()
            derived = self.priv[name].public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            if derived.decode() != self.pub_pem[name]:
                sys.exit(f"keys/{name}.public.pem does not match keys/{name}.private.pem")
        self.cert_pem = (KEYS_DIR / "rsa-2048.cert.pem").read_text()
        cert = x509.load_pem_x509_certificate(self.cert_pem.encode())
        if cert.public_key().public_numbers() != self.priv["rsa-2048"].public_key().public_numbers():
            sys.exit("keys/rsa-2048.cert.pem is not for keys/rsa-2048")
        self.jwks = json.loads((KEYS_DIR / "jwks.json").read_text())
        kids = [k["kid"] for k in self.jwks["keys"]]
        if kids != ASYM:
            sys.exit(f"keys/jwks.json kids {kids} != {ASYM}")
        for j in self.jwks["keys"]:
            if j != _public_jwk(self.pub_pem[j["kid"]].encode(), j["kid"]):
                sys.exit(f"keys/jwks.json entry {j['kid']} does not match its PEM")

    def jwk_of(self, name: str) -> dict:
        return next(j for j in self.jwks["keys"] if j["kid"] == name)

    def jwcrypto_key(self, name: str) -> jwcrypto.jwk.JWK:
        pem = self.priv[name].private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return jwcrypto.jwk.JWK.from_pem(pem)


# ======================================================================= signing


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_dec(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def compact_json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


_H = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_EC_N = {"ES256": 32, "ES384": 48, "ES512": 66, "ES256K": 32}


def raw_sign(alg: str, key, signing_input: bytes, pss_salt=None) -> bytes:
    """Sign with `cryptography` exactly as JWS prescribes (raw r||s for ECDSA)."""
    if alg.startswith("HS"):
        return py_hmac.new(key, signing_input, getattr(hashlib, "sha" + alg[2:])).digest()
    if alg.startswith("RS"):
        return key.sign(signing_input, padding.PKCS1v15(), _H[alg[2:]]())
    if alg.startswith("PS"):
        h = _H[alg[2:]]()
        salt = h.digest_size if pss_salt is None else pss_salt
        return key.sign(signing_input, padding.PSS(mgf=padding.MGF1(h), salt_length=salt), h)
    if alg in _EC_N:
        h = hashes.SHA256() if alg == "ES256K" else _H[alg[2:]]()
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(h)))
        n = _EC_N[alg]
        return r.to_bytes(n, "big") + s.to_bytes(n, "big")
    if alg in ("EdDSA", "Ed25519"):
        return key.sign(signing_input)
    raise ValueError(alg)


def hand_token(header, payload, alg: str, key, **kw) -> str:
    """header/payload: dict (compact JSON) or str/bytes (exact text)."""
    h = header if isinstance(header, (bytes, str)) else compact_json(header)
    p = payload if isinstance(payload, (bytes, str)) else compact_json(payload)
    h = h.encode() if isinstance(h, str) else h
    p = p.encode() if isinstance(p, str) else p
    si = b64u(h) + "." + b64u(p)
    return si + "." + b64u(raw_sign(alg, key, si.encode(), **kw))


# ======================================================================= claims

DROP = object()


def claims(**over) -> dict:
    c = {
        "iss": ISSUER,
        "sub": "auth0|6571f3c2a9d8e1b2c3d4",
        "aud": CLIENT,
        "iat": IAT,
        "exp": EXP,
        "nonce": NONCE,
        "auth_time": AUTH_TIME,
        "amr": ["pwd", "mfa"],
        "acr": ACR_MFA,
        "azp": CLIENT,
        "sid": "Qk3p9X2vR7tY1uW8",
        "name": "Jane Doe",
        "email": "jane.doe@example.com",
        "email_verified": True,
        "picture": "https://s.gravatar.com/avatar/2bfa5b4f8ad2.png",
        "updated_at": "2025-12-31T23:59:30.000Z",
        "https://stepup.example.com/roles": ["admin"],
    }
    for k, v in over.items():
        k = k.replace("__", "-")
        if v is DROP:
            c.pop(k, None)
        else:
            c[k] = v
    return c


# ======================================================================= vectors


class Builder:
    def __init__(self, keys: Keys) -> None:
        self.k = keys
        self.vectors: list[dict] = []
        self.key_specs = self._key_specs()

    def _key_specs(self) -> dict:
        k = self.k
        specs = {
            "hs256-secret": {"type": "secret", "value": SECRET_HS256},
            "hs384-secret": {"type": "secret", "value": SECRET_HS384},
            "hs512-secret": {"type": "secret", "value": SECRET_HS512},
        }
        for name in ASYM:
            specs[f"{name}-pem"] = {"type": "pem", "value": k.pub_pem[name]}
        specs["rsa-2048-cert"] = {"type": "pem", "value": k.cert_pem}
        specs["rsa-2048-jwk"] = {"type": "jwk", "value": k.jwk_of("rsa-2048")}
        specs["ec-p256-jwk"] = {"type": "jwk", "value": k.jwk_of("ec-p256")}
        specs["ed25519-jwk"] = {"type": "jwk", "value": k.jwk_of("ed25519")}
        specs["hs256-jwk"] = {
            "type": "jwk",
            "value": {"kty": "oct", "k": b64u(SECRET_HS256.encode())},
        }
        specs["jwks"] = {"type": "jwks", "value": k.jwks}
        return specs

    def add(self, name, generator, token, key, expect, *, now=NOW, **opts):
        assert generator in ("pyjwt", "jwcrypto", "hand"), generator
        assert key in self.key_specs, key
        v = {
            "name": name,
            "generator": generator,
            "description": opts.pop("description"),
            "token": token,
            "key": key,
            "issuer": opts.pop("issuer", ISSUER),
            "audience": opts.pop("audience", CLIENT),
            "now": now,
        }
        for opt in ("leeway", "algorithms", "nonce", "policy"):
            if opt in opts:
                v[opt] = opts.pop(opt)
        assert not opts, opts
        v["expect"] = expect
        assert all(x["name"] != name for x in self.vectors), f"duplicate name {name}"
        self.vectors.append(v)

    # -- producers -----------------------------------------------------------

    def pyjwt(self, alg, keyname, payload=None, headers=None):
        key = {
            "HS256": SECRET_HS256,
            "HS384": SECRET_HS384,
            "HS512": SECRET_HS512,
        }.get(alg) or self.k.priv[keyname]
        h = {"kid": keyname} if keyname else {}
        h.update(headers or {})
        return pyjwt.encode(payload if payload is not None else claims(), key, algorithm=alg, headers=h)

    def jwcrypto(self, alg, keyname, payload=None, header=None):
        if alg.startswith("HS"):
            secret = {"HS256": SECRET_HS256, "HS384": SECRET_HS384, "HS512": SECRET_HS512}[alg]
            key = jwcrypto.jwk.JWK(kty="oct", k=b64u(secret.encode()))
        else:
            key = self.k.jwcrypto_key(keyname)
        h = {"alg": alg, "typ": "JWT"}
        if keyname:
            h["kid"] = keyname
        h.update(header or {})
        s = jwcrypto.jws.JWS(compact_json(payload if payload is not None else claims()))
        s.add_signature(key, alg=None, protected=json.dumps(h, separators=(",", ":")))
        return s.serialize(compact=True)

    def hand(self, alg, keyname, payload=None, header=None, **kw):
        if alg.startswith("HS"):
            key = {"HS256": SECRET_HS256, "HS384": SECRET_HS384, "HS512": SECRET_HS512}[alg].encode()
        else:
            key = self.k.priv[keyname]
        if header is None or isinstance(header, dict):
            h = {"alg": alg, "typ": "JWT"}
            if keyname and not alg.startswith("HS"):
                h["kid"] = keyname
            h.update(header or {})
            h = {k2: v2 for k2, v2 in h.items() if v2 is not DROP}
        else:
            h = header
        return hand_token(h, payload if payload is not None else claims(), alg, key, **kw)


OK = {"result": "satisfied"}


def err(code):
    return {"result": "error", "code": code}


def step(*missing):
    return {"result": "step_up", "missing": list(missing)}


def build(b: Builder) -> None:
    k = b.k
    # ------------------------------------------------------------------ positive: every algorithm
    b.add("hs256-pyjwt", "pyjwt", b.pyjwt("HS256", None), "hs256-secret", OK,
          description="HS256 with a 32-byte secret", nonce=NONCE)
    b.add("hs384-pyjwt", "pyjwt", b.pyjwt("HS384", None), "hs384-secret", OK,
          description="HS384 with a 48-byte secret")
    b.add("hs512-pyjwt", "pyjwt", b.pyjwt("HS512", None), "hs512-secret", OK,
          description="HS512 with a secret longer than 64 bytes")
    b.add("hs256-jwcrypto-jwk", "jwcrypto", b.jwcrypto("HS256", None), "hs256-jwk", OK,
          description="HS256; the secret is given as an oct JWK")
    b.add("rs256-pyjwt", "pyjwt", b.pyjwt("RS256", "rsa-2048"), "rsa-2048-pem", OK,
          description="RS256, RSA-2048 SPKI PEM; a realistic Auth0-style ID token", nonce=NONCE)
    b.add("rs256-pyjwt-cert", "pyjwt", b.pyjwt("RS256", "rsa-2048"), "rsa-2048-cert", OK,
          description="RS256 verified with the self-signed X.509 certificate of the key")
    b.add("rs256-jwcrypto-jwk", "jwcrypto", b.jwcrypto("RS256", "rsa-2048"), "rsa-2048-jwk", OK,
          description="RS256 verified with a single public JWK")
    b.add("rs384-pyjwt", "pyjwt", b.pyjwt("RS384", "rsa-3072"), "rsa-3072-pem", OK,
          description="RS384 with RSA-3072")
    b.add("rs512-pyjwt", "pyjwt", b.pyjwt("RS512", "rsa-2048"), "rsa-2048-pem", OK,
          description="RS512 with RSA-2048")
    b.add("ps256-pyjwt", "pyjwt", b.pyjwt("PS256", "rsa-2048"), "rsa-2048-pem", OK,
          description="PS256 (salt = 32 bytes)")
    b.add("ps384-jwcrypto", "jwcrypto", b.jwcrypto("PS384", "rsa-3072"), "rsa-3072-pem", OK,
          description="PS384 with RSA-3072")
    b.add("ps512-jwcrypto", "jwcrypto", b.jwcrypto("PS512", "rsa-2048"), "rsa-2048-pem", OK,
          description="PS512 with RSA-2048")
    b.add("es256-pyjwt", "pyjwt", b.pyjwt("ES256", "ec-p256"), "ec-p256-pem", OK,
          description="ES256, P-256, raw r||s")
    b.add("es256-jwcrypto-jwk", "jwcrypto", b.jwcrypto("ES256", "ec-p256"), "ec-p256-jwk", OK,
          description="ES256 verified with a single EC JWK")
    b.add("es384-pyjwt", "pyjwt", b.pyjwt("ES384", "ec-p384"), "ec-p384-pem", OK,
          description="ES384, P-384")
    b.add("es512-jwcrypto", "jwcrypto", b.jwcrypto("ES512", "ec-p521"), "ec-p521-pem", OK,
          description="ES512, P-521 (132-byte signature)")
    b.add("es512-pyjwt", "pyjwt", b.pyjwt("ES512", "ec-p521"), "ec-p521-pem", OK,
          description="ES512, P-521, from PyJWT")
    b.add("eddsa-pyjwt", "pyjwt", b.pyjwt("EdDSA", "ed25519"), "ed25519-pem", OK,
          description="EdDSA (Ed25519) from PyJWT")
    b.add("eddsa-jwcrypto-jwk", "jwcrypto", b.jwcrypto("EdDSA", "ed25519"), "ed25519-jwk", OK,
          description="EdDSA verified with an OKP JWK")
    b.add("ed25519-alg-jwcrypto", "jwcrypto", b.jwcrypto("Ed25519", "ed25519"), "ed25519-pem", OK,
          description='fully-specified alg "Ed25519" (RFC 9864) from jwcrypto')
    b.add("ed25519-alg-hand", "hand", b.hand("Ed25519", "ed25519"), "ed25519-jwk", OK,
          description='fully-specified alg "Ed25519" (RFC 9864), hand-assembled with cryptography')

    # ------------------------------------------------------------------ positive: JWKS selection
    b.add("jwks-kid-rsa-3072", "jwcrypto", b.jwcrypto("RS256", "rsa-3072"), "jwks", OK,
          description="kid selects rsa-3072 in the JWKS")
    b.add("jwks-kid-ec-p521", "pyjwt", b.pyjwt("ES512", "ec-p521"), "jwks", OK,
          description="kid selects ec-p521 in the JWKS")
    b.add("jwks-kid-ed25519", "pyjwt", b.pyjwt("EdDSA", "ed25519"), "jwks", OK,
          description="kid selects ed25519 in the JWKS")
    b.add("jwks-no-kid-rsa", "hand", b.hand("PS256", "rsa-3072", header={"kid": DROP}), "jwks", OK,
          description="no kid: tried against every compatible key (rsa-2048 fails, rsa-3072 verifies)")
    b.add("jwks-no-kid-ec-p384", "hand", b.hand("ES384", "ec-p384", header={"kid": DROP}), "jwks", OK,
          description="no kid: the only P-384 key in the JWKS verifies")
    b.add("single-key-ignores-kid", "hand", b.hand("RS256", "rsa-2048", header={"kid": "some-other-kid"}),
          "rsa-2048-pem", OK,
          description="a single configured key is used regardless of the token's kid")
    b.add("explicit-allow-list", "pyjwt", b.pyjwt("PS256", "rsa-2048"), "rsa-2048-pem", OK,
          algorithms=["PS256", "RS256"], description="explicit allow-list containing the token's alg")

    # ------------------------------------------------------------------ positive: header variants
    b.add("no-typ", "hand", b.hand("RS256", "rsa-2048", header={"typ": DROP}), "rsa-2048-pem", OK,
          description="typ absent is fine for an ID token")
    b.add("typ-application-jwt", "hand", b.hand("ES256", "ec-p256", header={"typ": "application/jwt"}),
          "ec-p256-pem", OK, description='typ "application/jwt"')
    b.add("typ-lowercase-jwt", "hand", b.hand("ES256", "ec-p256", header={"typ": "jwt"}),
          "ec-p256-pem", OK, description='typ compared case-insensitively: "jwt"')
    b.add("jku-x5u-ignored", "hand",
          b.hand("RS256", "rsa-2048", header={"jku": "https://attacker.example/jwks.json",
                                              "x5u": "https://attacker.example/cert.pem"}),
          "rsa-2048-pem", OK, description="jku / x5u in the header are ignored, never fetched")
    # ECDSA high-S: (r, n - s) is an equally valid signature (JOSE has no low-S rule).
    t = b.pyjwt("ES256", "ec-p256")
    h, p, s = t.split(".")
    sig = b64u_dec(s)
    n256 = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    s_int = int.from_bytes(sig[32:], "big")
    high_s = sig[:32] + (n256 - s_int).to_bytes(32, "big")
    b.add("es256-high-s", "hand", f"{h}.{p}.{b64u(high_s)}", "ec-p256-pem", OK,
          description="ES256 signature with s replaced by n - s (still valid ECDSA)")

    # ------------------------------------------------------------------ positive: time boundaries
    b.add("exp-boundary-valid", "pyjwt", b.pyjwt("RS256", "rsa-2048"), "rsa-2048-pem", OK, now=EXP + 59,
          description="now = exp + 59 with leeway 60: still valid (valid iff now < exp + leeway)")
    b.add("iat-boundary-valid", "pyjwt",
          b.pyjwt("RS256", "rsa-2048", claims(iat=NOW + LEEWAY, auth_time=NOW - 10)), "rsa-2048-pem", OK,
          description="iat = now + leeway: accepted")
    b.add("nbf-boundary-valid", "pyjwt", b.pyjwt("ES256", "ec-p256", claims(nbf=NOW + LEEWAY)),
          "ec-p256-pem", OK, description="nbf = now + leeway: accepted")
    b.add("nbf-past-valid", "pyjwt", b.pyjwt("ES256", "ec-p256", claims(nbf=IAT)), "ec-p256-pem", OK,
          description="nbf = iat (in the past)")
    b.add("exp-fractional", "hand", b.hand("RS256", "rsa-2048", claims(exp=EXP + 0.5)), "rsa-2048-pem", OK,
          description="exp with a fraction (NumericDate may be non-integer)")
    txt = compact_json(claims()).replace(f'"exp":{EXP}'.encode(), b'"exp":1.7672292E9')
    assert b"1.7672292E9" in txt
    b.add("exp-exponent-notation", "hand", b.hand("RS256", "rsa-2048", txt), "rsa-2048-pem", OK,
          description='exp written as 1.7672292E9 (= 1767229200) in the JSON text')
    b.add("leeway-zero-valid", "pyjwt", b.pyjwt("HS256", None), "hs256-secret", OK, now=EXP - 1, leeway=0,
          description="leeway 0, now = exp - 1")

    # ------------------------------------------------------------------ positive: aud / azp / nonce
    b.add("aud-array-with-azp", "pyjwt",
          b.pyjwt("RS256", "rsa-2048", claims(aud=[CLIENT, "https://api.example.com"])), "rsa-2048-pem", OK,
          description="several audiences with azp = client id")
    b.add("aud-single-element-array-no-azp", "pyjwt",
          b.pyjwt("RS256", "rsa-2048", claims(aud=[CLIENT], azp=DROP)), "rsa-2048-pem", OK,
          description="aud is a one-element array; azp not needed")
    b.add("nonce-matches", "jwcrypto", b.jwcrypto("ES256", "ec-p256"), "ec-p256-pem", OK, nonce=NONCE,
          description="expected nonce present and equal")

    # ------------------------------------------------------------------ positive: step-up policy
    b.add("amr-pwd-mfa", "pyjwt", b.pyjwt("RS256", "rsa-2048", claims(amr=["pwd", "mfa"])), "rsa-2048-pem",
          OK, description='amr ["pwd","mfa"] satisfies the default policy')
    b.add("amr-string-mfa", "pyjwt", b.pyjwt("RS256", "rsa-2048", claims(amr="mfa")), "rsa-2048-pem",
          step("amr:mfa"), description='amr is the string "mfa", not an array: valid token, step up')
    b.add("amr-uppercase-MFA", "pyjwt", b.pyjwt("RS256", "rsa-2048", claims(amr=["MFA"])), "rsa-2048-pem",
          step("amr:mfa"), description='amr ["MFA"]: values are case-sensitive')
    b.add("amr-missing", "pyjwt", b.pyjwt("RS256", "rsa-2048", claims(amr=DROP)), "rsa-2048-pem",
          step("amr:mfa"), description="no amr claim")
    b.add("amr-pwd-only", "jwcrypto", b.jwcrypto("ES256", "ec-p256", claims(amr=["pwd"])), "ec-p256-pem",
          step("amr:mfa"), description='amr ["pwd"]')
    b.add("amr-nomfa", "pyjwt", b.pyjwt("HS256", None, claims(amr=["nomfa"])), "hs256-secret",
          step("amr:mfa"), description='amr ["nomfa"]: no substring matching')
    b.add("amr-nested-array", "pyjwt", b.pyjwt("HS256", None, claims(amr=[["mfa"]])), "hs256-secret",
          step("amr:mfa"), description='amr [["mfa"]]: wrong type')
    b.add("require-amr-otp-satisfied", "jwcrypto",
          b.jwcrypto("EdDSA", "ed25519", claims(amr=["pwd", "otp"])), "ed25519-pem", OK,
          policy={"require_amr": ["otp"]},
          description="require_amr replaces the default: otp required, mfa not")
    b.add("require-amr-hwk-missing", "jwcrypto",
          b.jwcrypto("EdDSA", "ed25519", claims(amr=["pwd", "otp", "mfa"])), "ed25519-pem",
          step("amr:hwk"), policy={"require_amr": ["otp", "hwk"]},
          description="all required amr values must be present; hwk is not")
    b.add("acr-accepted", "pyjwt", b.pyjwt("RS256", "rsa-2048"), "rsa-2048-pem", OK,
          policy={"acr": [ACR_MFA, "urn:example:loa:3"]}, description="acr in the accepted set")
    b.add("acr-absent", "pyjwt", b.pyjwt("RS256", "rsa-2048", claims(acr=DROP)), "rsa-2048-pem",
          step("acr"), policy={"acr": [ACR_MFA]}, description="acr required and absent")
    b.add("acr-not-accepted", "pyjwt", b.pyjwt("RS256", "rsa-2048", claims(acr="urn:example:loa:1")),
          "rsa-2048-pem", step("acr"), policy={"acr": [ACR_MFA]}, description="acr not in the accepted set")
    b.add("acr-array", "pyjwt", b.pyjwt("RS256", "rsa-2048", claims(acr=[ACR_MFA])), "rsa-2048-pem",
          step("acr"), policy={"acr": [ACR_MFA]}, description="acr given as an array: wrong type")
    b.add("max-age-fresh", "pyjwt", b.pyjwt("ES256", "ec-p256"), "ec-p256-pem", OK,
          policy={"max_age": 600}, description="now - auth_time = 610 <= max_age 600 + leeway 60")
    b.add("max-age-boundary", "pyjwt", b.pyjwt("ES256", "ec-p256"), "ec-p256-pem", OK,
          policy={"max_age": 550}, description="now - auth_time = 610 = max_age 550 + leeway 60: fresh")
    b.add("max-age-too-old", "pyjwt", b.pyjwt("ES256", "ec-p256"), "ec-p256-pem", step("fresh_login"),
          policy={"max_age": 549}, description="now - auth_time = 610 > max_age 549 + leeway 60")
    b.add("max-age-auth-time-old", "pyjwt",
          b.pyjwt("ES256", "ec-p256", claims(auth_time=IAT - 86400)), "ec-p256-pem", step("fresh_login"),
          policy={"max_age": 3600}, description="auth_time a day before iat, max_age 1 hour")
    b.add("max-age-no-auth-time", "pyjwt", b.pyjwt("ES256", "ec-p256", claims(auth_time=DROP)),
          "ec-p256-pem", step("auth_time"), policy={"max_age": 300},
          description="max_age set, auth_time missing")
    b.add("max-age-auth-time-string", "pyjwt", b.pyjwt("ES256", "ec-p256", claims(auth_time=str(AUTH_TIME))),
          "ec-p256-pem", step("auth_time"), policy={"max_age": 300},
          description="auth_time as a string: fails the policy, not the token")
    b.add("step-up-everything-missing", "pyjwt",
          b.pyjwt("RS256", "rsa-2048", claims(amr=["pwd"], acr=DROP, auth_time=DROP)), "rsa-2048-pem",
          step("amr:mfa", "acr", "auth_time"), policy={"acr": [ACR_MFA], "max_age": 300},
          description="several policy failures at once (order: amr..., acr, auth_time|fresh_login)")

    # ================================================================== negative: structure / encoding
    good = b.pyjwt("RS256", "rsa-2048")
    gh, gp, gs = good.split(".")
    b.add("empty-token", "hand", "", "rsa-2048-pem", err("malformed_token"), description="empty string")
    b.add("two-parts", "hand", f"{gh}.{gp}", "rsa-2048-pem", err("malformed_token"),
          description="signature part dropped: 2 parts")
    b.add("four-parts", "hand", f"{gh}.{gp}.{gs}.{gs}", "rsa-2048-pem", err("malformed_token"),
          description="4 parts")
    b.add("empty-header-part", "hand", f".{gp}.{gs}", "rsa-2048-pem", err("malformed_token"),
          description="empty header part")
    b.add("empty-signature-part", "hand", f"{gh}.{gp}.", "rsa-2048-pem", err("malformed_token"),
          description="empty signature part")
    jwe = jwcrypto.jwe.JWE(
        compact_json(claims()),
        protected=json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM", "typ": "JWT", "kid": "rsa-2048"}),
    )
    jwe.add_recipient(jwcrypto.jwk.JWK.from_pem(k.pub_pem["rsa-2048"].encode()))
    b.add("jwe-five-parts", "jwcrypto", jwe.serialize(compact=True), "rsa-2048-pem", err("jwe_not_supported"),
          description="a real compact JWE (RSA-OAEP-256 / A256GCM), 5 parts")
    pad_h = gh + "=" * (-len(gh) % 4)
    assert pad_h != gh
    b.add("padding-header", "hand", f"{pad_h}.{gp}.{gs}", "rsa-2048-pem", err("invalid_base64"),
          description='"=" padding appended to the header part')
    pad_s = gs + "=" * (-len(gs) % 4)
    assert pad_s != gs
    b.add("padding-signature", "hand", f"{gh}.{gp}.{pad_s}", "rsa-2048-pem", err("invalid_base64"),
          description='"==" padding appended to the signature part')
    mid = len(gp) // 2
    b.add("whitespace-in-payload", "hand", f"{gh}.{gp[:mid]} {gp[mid:]}.{gs}", "rsa-2048-pem",
          err("invalid_base64"), description="a space inside the payload part")
    b.add("newline-in-payload", "hand", f"{gh}.{gp[:mid]}\n{gp[mid:]}.{gs}", "rsa-2048-pem",
          err("invalid_base64"), description="a line break inside the payload part")
    b.add("trailing-newline", "hand", good + "\n", "rsa-2048-pem", err("invalid_base64"),
          description="trailing newline: the library is strict (only the CLI trims)")
    b.add("leading-space", "hand", " " + good, "rsa-2048-pem", err("invalid_base64"),
          description="leading space")
    # standard-alphabet base64 (+ and /) instead of base64url
    while True:
        t = b.pyjwt("ES256", "ec-p256")
        th, tp, ts = t.split(".")
        if "-" in ts or "_" in ts:
            break
    b.add("standard-base64-alphabet", "hand", f"{th}.{tp}.{ts.replace('-', '+').replace('_', '/')}",
          "ec-p256-pem", err("invalid_base64"), description="signature in the +/ alphabet instead of -_")
    # non-canonical: RSA-2048 signature = 342 chars; the last char carries 4 unused bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    idx = alphabet.index(gs[-1])
    assert idx % 16 == 0
    nc = gs[:-1] + alphabet[idx + 1]
    b.add("non-canonical-trailing-bits", "hand", f"{gh}.{gp}.{nc}", "rsa-2048-pem", err("invalid_base64"),
          description="last signature character has non-zero unused bits (decodes to the same bytes)")
    b.add("impossible-base64-length", "hand", f"{gh}.{gp}.{gs}AAA", "rsa-2048-pem", err("invalid_base64"),
          description="signature part length = 1 mod 4")
    big = claims(**{"https://stepup.example.com/blob": "x" * 48800})
    big_token = b.hand("HS256", None, big)
    assert 65536 < len(big_token) < 67000, len(big_token)
    b.add("token-too-large", "hand", big_token, "hs256-secret", err("token_too_large"),
          description="properly signed token over 64 KiB")

    # ================================================================== negative: JSON
    b.add("header-not-json", "hand", b64u(b"{alg:RS256}") + f".{gp}.{gs}", "rsa-2048-pem", err("invalid_json"),
          description="header is not JSON")
    b.add("header-json-array", "hand", b.hand("RS256", "rsa-2048", header='["RS256"]'), "rsa-2048-pem",
          err("invalid_json"), description="header is a JSON array, not an object")
    b.add("payload-not-json", "hand", b.hand("RS256", "rsa-2048", "not a JSON document"), "rsa-2048-pem",
          err("invalid_json"), description="properly signed, payload is plain text")
    b.add("payload-not-utf8", "hand",
          b.hand("RS256", "rsa-2048", compact_json(claims()).replace(b"Jane Doe", b"Jane \xff Doe")),
          "rsa-2048-pem", err("invalid_json"), description="properly signed, payload contains a non-UTF-8 byte")
    b.add("payload-empty", "hand", b.hand("RS256", "rsa-2048", b""), "rsa-2048-pem", err("invalid_json"),
          description="properly signed, empty payload")
    b.add("payload-trailing-garbage", "hand",
          b.hand("RS256", "rsa-2048", compact_json(claims()) + b"}"), "rsa-2048-pem", err("invalid_json"),
          description="properly signed, extra } after the object")
    dup = compact_json(claims()).replace(b'"sub":', b'"sub":"auth0|attacker","sub":', 1)
    b.add("duplicate-sub", "hand", b.hand("RS256", "rsa-2048", dup), "rsa-2048-pem", err("duplicate_member"),
          description='payload text has "sub" twice; properly signed')
    dup2 = compact_json(claims()).replace(b'"sub":', b'"s\\u0075b":"auth0|attacker","sub":', 1)
    b.add("duplicate-sub-escaped", "hand", b.hand("ES256", "ec-p256", dup2), "ec-p256-pem",
          err("duplicate_member"), description='"s\\u0075b" and "sub" are the same member name')
    dup3 = compact_json(claims()).replace(
        b'"https://stepup.example.com/roles":', b'"https://stepup.example.com/profile":{"tier":"gold","tier":"free"},'
        b'"https://stepup.example.com/roles":', 1)
    b.add("duplicate-nested-member", "hand", b.hand("ES256", "ec-p256", dup3), "ec-p256-pem",
          err("duplicate_member"), description="duplicate member inside a nested object of the payload")
    b.add("duplicate-header-alg", "hand",
          b.hand("RS256", "rsa-2048", header='{"alg":"RS256","typ":"JWT","alg":"RS256"}'), "rsa-2048-pem",
          err("duplicate_member"), description='header has "alg" twice')
    deep = compact_json(claims()).replace(
        b'"name":', b'"https://stepup.example.com/deep":' + b"[" * 100 + b"]" * 100 + b',"name":', 1)
    b.add("payload-too-deep", "hand", b.hand("HS256", None, deep), "hs256-secret", err("json_too_deep"),
          description="payload nests 100 arrays deep (limit 64); properly signed")
    b.add("header-too-deep", "hand",
          b.hand("HS256", None, header='{"alg":"HS256","x":' + "[" * 80 + "]" * 80 + "}"), "hs256-secret",
          err("json_too_deep"), description="header nests 80 arrays deep")

    # ================================================================== negative: alg
    none_hdr = b64u(b'{"alg":"none","typ":"JWT"}')
    b.add("alg-none-empty-signature", "hand", f"{none_hdr}.{gp}.", "rsa-2048-pem", err("malformed_token"),
          description="unsecured JWT with the usual empty signature: rejected as malformed first")
    b.add("alg-none", "hand", f"{none_hdr}.{gp}.{gs}", "rsa-2048-pem", err("alg_none"),
          description='alg "none" with a non-empty signature part')
    nocase_hdr = b64u(b'{"alg":"NoNe","typ":"JWT"}')
    b.add("alg-NoNe", "hand", f"{nocase_hdr}.{gp}.{gs}", "rsa-2048-pem",
          err("alg_none"), description='alg "NoNe": none in any casing')
    upper_hdr = b64u(b'{"alg":"NONE"}')
    b.add("alg-NONE-hs-secret", "hand", f"{upper_hdr}.{gp}.{b64u(b'x')}", "hs256-secret",
          err("alg_none"), description='alg "NONE" against a secret')
    # key confusion: HS256 signed with the RSA public key PEM text as the HMAC secret
    pem_secret = k.pub_pem["rsa-2048"].encode()
    b.add("hs256-key-confusion-pem", "hand",
          hand_token({"alg": "HS256", "typ": "JWT"}, claims(), "HS256", pem_secret), "rsa-2048-pem",
          err("alg_not_allowed"), description="HS256 keyed with the RSA public key PEM text, verifier has the RSA key")
    b.add("hs256-key-confusion-cert", "hand",
          hand_token({"alg": "HS256", "typ": "JWT"}, claims(), "HS256", k.cert_pem.encode()), "rsa-2048-cert",
          err("alg_not_allowed"), description="HS256 keyed with the certificate PEM text")
    b.add("hs256-key-confusion-jwks", "hand",
          hand_token({"alg": "HS256", "typ": "JWT", "kid": "rsa-2048"}, claims(), "HS256",
                     json.dumps(k.jwk_of("rsa-2048")).encode()), "jwks",
          err("alg_not_allowed"), description="HS256 keyed with the JWK text, verifier has the JWKS")
    b.add("hs256-key-confusion-ed25519", "hand",
          hand_token({"alg": "HS256", "typ": "JWT"}, claims(), "HS256", k.pub_pem["ed25519"].encode()),
          "ed25519-pem", err("alg_not_allowed"), description="HS256 keyed with the Ed25519 public key PEM")
    b.add("hs512-short-secret", "pyjwt", b.pyjwt("HS512", None), "hs256-secret", err("alg_not_allowed"),
          description="HS512 token, configured secret is 32 bytes (too short for HS512)")
    b.add("rs256-not-in-allow-list", "pyjwt", b.pyjwt("RS256", "rsa-2048"), "rsa-2048-pem",
          err("alg_not_allowed"), algorithms=["PS256"], description="explicit allow-list PS256, token RS256")
    b.add("es384-header-p256-key", "hand",
          b.hand("ES256", "ec-p256", header={"alg": "ES384"}), "ec-p256-pem", err("alg_not_allowed"),
          description="alg ES384 against a P-256 key")
    b.add("es512-token-p384-key", "pyjwt", b.pyjwt("ES512", "ec-p521"), "ec-p384-pem", err("alg_not_allowed"),
          description="ES512 token against a P-384 key")
    b.add("eddsa-token-rsa-key", "pyjwt", b.pyjwt("EdDSA", "ed25519"), "rsa-2048-pem", err("alg_not_allowed"),
          description="EdDSA token against an RSA key")
    b.add("rs256-token-ec-key", "pyjwt", b.pyjwt("RS256", "rsa-2048"), "ec-p256-pem", err("alg_not_allowed"),
          description="RS256 token against an EC key")
    b.add("es256k-unsupported", "hand",
          hand_token({"alg": "ES256K", "typ": "JWT"}, claims(), "ES256K", k.priv["secp256k1"]), "ec-p256-pem",
          err("unsupported_alg"), description="alg ES256K (secp256k1) is not supported")
    b.add("alg-lowercase-rs256", "hand", b.hand("RS256", "rsa-2048", header={"alg": "rs256"}), "rsa-2048-pem",
          err("unsupported_alg"), description='alg "rs256": algorithm names are case-sensitive')

    # ================================================================== negative: header parameters
    b.add("crit-present", "pyjwt",
          b.pyjwt("RS256", "rsa-2048", headers={"crit": ["https://stepup.example.com/x"],
                                                "https://stepup.example.com/x": True}),
          "rsa-2048-pem", err("crit_not_supported"), description="crit lists an extension")
    b.add("crit-empty", "hand", b.hand("RS256", "rsa-2048", header={"crit": []}), "rsa-2048-pem",
          err("crit_not_supported"), description="crit present but empty")
    b.add("b64-false", "hand", b.hand("RS256", "rsa-2048", header={"b64": False}), "rsa-2048-pem",
          err("b64_not_supported"), description="b64: false (without crit, so only the b64 rule applies)")
    b.add("b64-true", "hand", b.hand("ES256", "ec-p256", header={"b64": True}), "ec-p256-pem",
          err("b64_not_supported"), description="b64: true is rejected too")
    b.add("typ-at-jwt", "pyjwt", b.pyjwt("RS256", "rsa-2048", headers={"typ": "at+jwt"}), "rsa-2048-pem",
          err("typ_not_allowed"), description="typ at+jwt (access token) in ID-token mode")
    b.add("typ-application-at-jwt", "jwcrypto",
          b.jwcrypto("ES256", "ec-p256", header={"typ": "application/at+jwt"}), "ec-p256-pem",
          err("typ_not_allowed"), description="typ application/at+jwt")
    b.add("typ-dpop", "hand", b.hand("HS256", None, header={"typ": "dpop+jwt"}), "hs256-secret",
          err("typ_not_allowed"), description="typ dpop+jwt")
    b.add("cty-jwt-nested", "pyjwt", b.pyjwt("RS256", "rsa-2048", headers={"cty": "JWT"}), "rsa-2048-pem",
          err("nested_jwt"), description="cty JWT announces a nested JWT")
    b.add("kid-number", "hand", b.hand("RS256", "rsa-2048", header={"kid": 123}), "jwks", err("invalid_kid"),
          description="kid must be a string")
    b.add("kid-unknown", "pyjwt", b.pyjwt("RS256", "rsa-2048", headers={"kid": "rsa-2048-rotated"}), "jwks",
          err("key_not_found"), description="kid not in the JWKS")
    # embedded jwk of an attacker key, signed with that key
    atk_pub = jwcrypto.jwk.JWK.from_pem(k.pub_pem["attacker-rsa-2048"].encode()).export_public(as_dict=True)
    atk = k.priv["attacker-rsa-2048"]
    b.add("jwk-header-attacker-no-kid", "hand",
          hand_token({"alg": "RS256", "typ": "JWT", "jwk": atk_pub}, claims(), "RS256", atk), "rsa-2048-pem",
          err("invalid_signature"), description="header jwk = attacker key, signed by it; jwk must be ignored")
    b.add("jwk-header-attacker-kid-single-key", "hand",
          hand_token({"alg": "RS256", "typ": "JWT", "kid": "attacker", "jwk": dict(atk_pub, kid="attacker")},
                     claims(), "RS256", atk), "rsa-2048-pem", err("invalid_signature"),
          description="attacker jwk + kid; single configured key is used regardless of kid")
    b.add("jwk-header-attacker-kid-jwks", "hand",
          hand_token({"alg": "RS256", "typ": "JWT", "kid": "attacker", "jwk": dict(atk_pub, kid="attacker")},
                     claims(), "RS256", atk), "jwks", err("key_not_found"),
          description="attacker jwk + kid not in the JWKS: key_not_found (kid lookup precedes the signature)")
    b.add("jwk-header-attacker-kid-collision", "hand",
          hand_token({"alg": "RS256", "typ": "JWT", "kid": "rsa-2048", "jwk": dict(atk_pub, kid="rsa-2048")},
                     claims(), "RS256", atk), "jwks", err("invalid_signature"),
          description="attacker jwk claiming kid rsa-2048: the configured rsa-2048 key is used and fails")
    b.add("x5c-header-attacker", "hand",
          hand_token({"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(b"not-a-cert").decode()]},
                     claims(), "RS256", atk), "rsa-2048-cert", err("invalid_signature"),
          description="x5c in the header is ignored; attacker signature fails against the configured cert")

    # ================================================================== negative: signature
    tp = compact_json(claims(sub="auth0|attacker"))
    b.add("tampered-payload", "hand", f"{gh}.{b64u(tp)}.{gs}", "rsa-2048-pem", err("invalid_signature"),
          description="payload changed (sub), original signature kept")
    tp2 = compact_json(claims(amr=["pwd", "mfa", "hwk"]))
    eh, _, es = b.pyjwt("ES256", "ec-p256").split(".")
    b.add("tampered-payload-es256", "hand", f"{eh}.{b64u(tp2)}.{es}", "ec-p256-pem", err("invalid_signature"),
          description="ES256 payload changed (amr), original signature kept")
    sig = bytearray(b64u_dec(gs))
    sig[100] ^= 0x01
    b.add("tampered-signature", "hand", f"{gh}.{gp}.{b64u(bytes(sig))}", "rsa-2048-pem", err("invalid_signature"),
          description="one bit of the RS256 signature flipped")
    hs = b.pyjwt("HS256", None)
    hh, hp, hsig = hs.split(".")
    hsb = bytearray(b64u_dec(hsig))
    hsb[0] ^= 0x80
    b.add("tampered-hmac", "hand", f"{hh}.{hp}.{b64u(bytes(hsb))}", "hs256-secret", err("invalid_signature"),
          description="one bit of the HS256 MAC flipped")
    b.add("hmac-wrong-secret", "hand",
          hand_token({"alg": "HS256", "typ": "JWT"}, claims(), "HS256", b"stepup-interop-WRONG-secret-0032"),
          "hs256-secret", err("invalid_signature"), description="HS256 with a different 32-byte secret")
    b.add("hmac-truncated", "hand", f"{hh}.{hp}.{b64u(b64u_dec(hsig)[:16])}", "hs256-secret",
          err("invalid_signature"), description="HS256 MAC truncated to 16 bytes")
    # ES256 DER signature
    es_good = b.pyjwt("ES256", "ec-p256")
    gh2, gp2, gs2 = es_good.split(".")
    r2 = int.from_bytes(b64u_dec(gs2)[:32], "big")
    s2 = int.from_bytes(b64u_dec(gs2)[32:], "big")
    b.add("es256-der-signature", "hand", f"{gh2}.{gp2}.{b64u(encode_dss_signature(r2, s2))}", "ec-p256-pem",
          err("invalid_signature"), description="ES256 signature converted to ASN.1 DER (must be raw r||s)")
    b.add("es256-zero-signature", "hand", f"{gh2}.{gp2}.{b64u(bytes(64))}", "ec-p256-pem",
          err("invalid_signature"), description="ES256 signature r = 0, s = 0")
    b.add("es256-r-zero", "hand", f"{gh2}.{gp2}.{b64u(bytes(32) + b64u_dec(gs2)[32:])}", "ec-p256-pem",
          err("invalid_signature"), description="ES256 signature with r = 0")
    b.add("es512-truncated", "hand",
          (lambda t: t.rsplit(".", 1)[0] + "." + b64u(b64u_dec(t.rsplit(".", 1)[1])[:-1]))(
              b.jwcrypto("ES512", "ec-p521")),
          "ec-p521-pem", err("invalid_signature"), description="ES512 signature of 131 bytes instead of 132")
    # Ed25519 non-canonical S (S + L)
    ed = b.hand("EdDSA", "ed25519")
    edh, edp, eds = ed.split(".")
    edsig = b64u_dec(eds)
    S = int.from_bytes(edsig[32:], "little") + refverify.ED25519_L
    assert S < 2**256
    b.add("ed25519-non-canonical-s", "hand", f"{edh}.{edp}.{b64u(edsig[:32] + S.to_bytes(32, 'little'))}",
          "ed25519-pem", err("invalid_signature"), description="Ed25519 signature with S + L (non-canonical)")
    edb = bytearray(edsig)
    edb[5] ^= 0x10
    b.add("ed25519-tampered", "hand", f"{edh}.{edp}.{b64u(bytes(edb))}", "ed25519-jwk", err("invalid_signature"),
          description="one bit of the Ed25519 signature flipped")
    # RSA signature whose integer form is right but whose length is not the modulus length
    i = 0
    while True:
        t = b.hand("RS256", "rsa-2048", claims(jti=f"lz-{i}"))
        th, tp3, ts = t.split(".")
        raw = b64u_dec(ts)
        if raw[0] == 0:
            break
        i += 1
    b.add("rs256-leading-zero-stripped", "hand", f"{th}.{tp3}.{b64u(raw[1:])}", "rsa-2048-pem",
          err("invalid_signature"), description="valid RS256 signature with its leading 0x00 byte removed (255 bytes)")
    longer = b64u(bytes(1) + b64u_dec(gs))
    b.add("rs256-extra-leading-zero", "hand", f"{gh}.{gp}.{longer}", "rsa-2048-pem",
          err("invalid_signature"), description="valid RS256 signature with an extra leading 0x00 byte (257 bytes)")
    b.add("ps256-salt-max", "hand", b.hand("PS256", "rsa-2048", pss_salt=padding.PSS.MAX_LENGTH), "rsa-2048-pem",
          err("invalid_signature"), description="PS256 signed with the maximum salt length (must equal 32)")
    b.add("ps256-salt-zero", "hand", b.hand("PS256", "rsa-2048", pss_salt=0), "rsa-2048-pem",
          err("invalid_signature"), description="PS256 signed with an empty salt (must equal 32)")
    ps_hdr = b64u(b'{"alg":"PS256","kid":"rsa-2048","typ":"JWT"}')
    b.add("rs256-relabelled-ps256", "hand", f"{ps_hdr}.{gp}.{gs}",
          "rsa-2048-pem", err("invalid_signature"), description="RS256 signature presented under alg PS256")
    b.add("wrong-rsa-key", "pyjwt", b.pyjwt("RS256", "rsa-3072"), "rsa-2048-pem", err("invalid_signature"),
          description="signed by rsa-3072, verifier has rsa-2048")
    b.add("jwks-no-kid-unknown-key", "hand",
          hand_token({"alg": "ES256", "typ": "JWT"}, claims(),
                     "ES256", ec.derive_private_key(0x5EED, ec.SECP256R1())), "jwks", err("invalid_signature"),
          description="no kid; tried against every compatible key, none verifies")
    oh, op, _ = b.pyjwt("ES256", "ec-p256", claims(sid="other-session")).split(".")
    b.add("signature-from-other-token", "hand", f"{oh}.{op}.{gs2}", "ec-p256-pem", err("invalid_signature"),
          description="signature transplanted from another token signed by the same key")

    # ================================================================== negative: claims
    rs = lambda c, **kw: b.pyjwt("RS256", "rsa-2048", c, **kw)  # noqa: E731
    b.add("expired", "pyjwt", rs(claims()), "rsa-2048-pem", err("token_expired"), now=EXP + LEEWAY + 1,
          description="now = exp + leeway + 1")
    b.add("expired-boundary", "pyjwt", rs(claims()), "rsa-2048-pem", err("token_expired"), now=EXP + LEEWAY,
          description="now = exp + leeway: expired (valid iff now < exp + leeway)")
    b.add("expired-leeway-zero", "pyjwt", b.pyjwt("HS256", None), "hs256-secret", err("token_expired"),
          now=EXP, leeway=0, description="leeway 0, now = exp")
    b.add("expired-long-ago", "jwcrypto", b.jwcrypto("ES256", "ec-p256", claims(iat=IAT - 86400, exp=IAT - 82800,
          auth_time=IAT - 86410)), "ec-p256-pem", err("token_expired"), description="expired a day ago")
    b.add("iat-in-future", "pyjwt", rs(claims(iat=NOW + LEEWAY + 1)), "rsa-2048-pem", err("iat_in_future"),
          description="iat = now + leeway + 1")
    b.add("nbf-in-future", "pyjwt", rs(claims(nbf=NOW + LEEWAY + 1)), "rsa-2048-pem", err("nbf_in_future"),
          description="nbf = now + leeway + 1")
    b.add("exp-missing", "pyjwt", rs(claims(exp=DROP)), "rsa-2048-pem", err("exp_missing"),
          description="no exp")
    b.add("iat-missing", "pyjwt", rs(claims(iat=DROP)), "rsa-2048-pem", err("iat_missing"),
          description="no iat")
    b.add("exp-string", "pyjwt", rs(claims(exp=str(EXP))), "rsa-2048-pem", err("invalid_claim"),
          description="exp as a string")
    b.add("exp-boolean", "jwcrypto", b.jwcrypto("ES256", "ec-p256", claims(exp=True)), "ec-p256-pem",
          err("invalid_claim"), description="exp as a boolean")
    b.add("exp-beyond-2-63", "hand", b.hand("RS256", "rsa-2048", claims(exp=10**19)), "rsa-2048-pem",
          err("invalid_claim"), description="exp = 10^19, beyond 2^63")
    b.add("iat-string", "pyjwt", rs(claims(iat=str(IAT))), "rsa-2048-pem", err("invalid_claim"),
          description="iat as a string")
    b.add("nbf-string", "pyjwt", rs(claims(nbf=str(IAT))), "rsa-2048-pem", err("invalid_claim"),
          description="nbf as a string")
    b.add("iss-missing", "pyjwt", rs(claims(iss=DROP)), "rsa-2048-pem", err("iss_missing"),
          description="no iss")
    b.add("iss-wrong", "pyjwt", rs(claims(iss="https://evil.example.com")), "rsa-2048-pem",
          err("iss_mismatch"), description="different issuer")
    b.add("iss-trailing-slash", "jwcrypto", b.jwcrypto("ES256", "ec-p256", claims(iss=ISSUER + "/")),
          "ec-p256-pem", err("iss_mismatch"), description="issuer with a trailing slash: exact match required")
    b.add("iss-case", "pyjwt", rs(claims(iss="https://Issuer.example.com")), "rsa-2048-pem",
          err("iss_mismatch"), description="issuer differing in case")
    b.add("sub-missing", "pyjwt", rs(claims(sub=DROP)), "rsa-2048-pem", err("sub_missing"),
          description="no sub")
    b.add("aud-missing", "pyjwt", rs(claims(aud=DROP)), "rsa-2048-pem", err("aud_missing"),
          description="no aud")
    b.add("aud-wrong", "pyjwt", rs(claims(aud="other-client", azp=DROP)), "rsa-2048-pem",
          err("aud_mismatch"), description="aud is another client")
    b.add("aud-array-without-client", "pyjwt", rs(claims(aud=["other-a", "other-b"])), "rsa-2048-pem",
          err("aud_mismatch"), description="aud array not containing the client id (azp = client id)")
    b.add("aud-several-no-azp", "pyjwt", rs(claims(aud=[CLIENT, "https://api.example.com"], azp=DROP)),
          "rsa-2048-pem", err("azp_missing"), description="several audiences and no azp")
    b.add("azp-mismatch", "pyjwt", rs(claims(azp="other-client")), "rsa-2048-pem", err("azp_mismatch"),
          description="single aud, azp is another client")
    b.add("azp-mismatch-several-aud", "jwcrypto",
          b.jwcrypto("PS256", "rsa-2048", claims(aud=[CLIENT, "other-client"], azp="other-client")),
          "rsa-2048-pem", err("azp_mismatch"), description="several audiences, azp is the other one")
    b.add("nonce-mismatch", "pyjwt", rs(claims(nonce="n-attacker")), "rsa-2048-pem", err("nonce_mismatch"),
          nonce=NONCE, description="expected nonce differs")
    b.add("nonce-missing", "pyjwt", rs(claims(nonce=DROP)), "rsa-2048-pem", err("nonce_missing"),
          nonce=NONCE, description="nonce expected, token has none")
    b.add("nonce-missing-hs256", "pyjwt", b.pyjwt("HS256", None, claims(nonce=DROP)), "hs256-secret",
          err("nonce_missing"), nonce=NONCE, description="nonce expected, token has none (HS256)")


def main() -> int:
    keys = Keys()
    b = Builder(keys)
    build(b)
    doc = {
        "description": (
            "Interoperability vectors for the stepup ID-token verifier: tokens from PyJWT, jwcrypto "
            "and hand-assembled attack/edge cases, each with the verdict docs/verification-rules.md requires. "
            f"Fixed clock: iat {IAT} (2026-01-01T00:00:00Z), exp iat+3600, now iat+600 unless stated. "
            "Policy absent = require amr mfa. leeway absent = 60. nonce absent = not checked."
        ),
        "source": (
            f"tests/vectors/generate_interop.py with PyJWT {pyjwt.__version__}, "
            f"jwcrypto {jwcrypto.__version__ if hasattr(jwcrypto, '__version__') else _jwcrypto_version()}, "
            f"cryptography {cryptography.__version__}; keys in tests/vectors/keys/"
        ),
        "keys": b.key_specs,
        "vectors": b.vectors,
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    # Self-check: reference model + independent-library signature check + key files.
    return 1 if check_interop.run(OUT) else 0


def _jwcrypto_version() -> str:
    from importlib.metadata import version

    return version("jwcrypto")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check tests/vectors/rfc.json: every RFC known-answer signature must verify.

For each vector whose expectation is "signature_valid" the signature is
verified twice, independently:
  1. directly with `cryptography` (code in this file: JWK -> key, exact
     signature forms, no JOSE library involved), and
  2. with jwcrypto's JWS implementation;
then the signature is corrupted (one bit flipped) and both must reject it, so
a verifier that always says "valid" cannot pass. Finally every vector is run
through the reference model (refverify.py), which must produce the vector's
"expect" (including "claims_error").

Exits non-zero, naming the vector, if anything does not hold.

Usage (from the repository root):
    python3 tests/vectors/check_rfc.py
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jwcrypto import jwk as jjwk
from jwcrypto import jws as jjws

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import refverify  # noqa: E402

H = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


def b64d(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def direct_verify(j: dict, alg: str, signing_input: bytes, sig: bytes) -> bool:
    """Plain `cryptography` verification of one JWS signature."""
    try:
        if alg.startswith("HS"):
            assert j["kty"] == "oct"
            m = hmac.HMAC(b64d(j["k"]), H[alg[2:]]())
            m.update(signing_input)
            m.verify(sig)
            return True
        if alg[:2] in ("RS", "PS"):
            assert j["kty"] == "RSA"
            n = int.from_bytes(b64d(j["n"]), "big")
            e = int.from_bytes(b64d(j["e"]), "big")
            pub = rsa.RSAPublicNumbers(e, n).public_key()
            if len(sig) != (pub.key_size + 7) // 8:
                return False
            h = H[alg[2:]]()
            pad = padding.PKCS1v15() if alg[:2] == "RS" else padding.PSS(padding.MGF1(h), h.digest_size)
            pub.verify(sig, signing_input, pad, h)
            return True
        if alg.startswith("ES"):
            assert j["kty"] == "EC"
            curve, size = {"ES256": (ec.SECP256R1(), 32), "ES384": (ec.SECP384R1(), 48),
                           "ES512": (ec.SECP521R1(), 66)}[alg]
            assert j["crv"] == {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg]
            pub = ec.EllipticCurvePublicNumbers(
                int.from_bytes(b64d(j["x"]), "big"), int.from_bytes(b64d(j["y"]), "big"), curve
            ).public_key()
            if len(sig) != 2 * size:
                return False
            r, s = int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
            pub.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(H[alg[2:]]()))
            return True
        if alg in ("EdDSA", "Ed25519"):
            assert j["kty"] == "OKP" and j["crv"] == "Ed25519"
            ed25519.Ed25519PublicKey.from_public_bytes(b64d(j["x"])).verify(sig, signing_input)
            return True
    except InvalidSignature:
        return False
    raise ValueError(f"unsupported alg {alg}")


def jwcrypto_verify(j: dict, alg: str, token: str) -> bool:
    try:
        s = jjws.JWS()
        s.allowed_algs = [alg]
        s.deserialize(token)
        s.verify(jjwk.JWK(**j), alg=alg)
        return True
    except Exception:
        return False


def main() -> int:
    doc = json.loads((HERE / "rfc.json").read_text(encoding="utf-8"))
    failed: set[str] = set()
    checked = 0

    def fail(name: str, why: str) -> None:
        failed.add(name)
        print(f"FAIL {name}: {why}", file=sys.stderr)

    for v in doc["vectors"]:
        name = v["name"]
        spec = doc["keys"][v["key"]]
        assert spec["type"] == "jwk", name
        j = spec["value"]
        checked += 1
        if v["expect"]["result"] == "signature_valid":
            h64, p64, s64 = v["token"].split(".")
            header = json.loads(b64d(h64))
            alg = header["alg"]
            si = f"{h64}.{p64}".encode()
            sig = b64d(s64)
            if not direct_verify(j, alg, si, sig):
                fail(name, f"{alg} signature does NOT verify with cryptography")
            if not jwcrypto_verify(j, alg, v["token"]):
                fail(name, f"{alg} signature does NOT verify with jwcrypto")
            bad = bytearray(sig)
            bad[len(bad) // 2] ^= 0x01
            bad_tok = f"{h64}.{p64}.{base64.urlsafe_b64encode(bytes(bad)).rstrip(b'=').decode()}"
            if direct_verify(j, alg, si, bytes(bad)):
                fail(name, "a corrupted signature verified with cryptography")
            if jwcrypto_verify(j, alg, bad_tok):
                fail(name, "a corrupted signature verified with jwcrypto")
        got = refverify.verify(v["token"], doc["keys"], v)
        if not refverify.matches(v["expect"], got):
            fail(name, f"expected {v['expect']}, reference model says {got}")
        if name not in failed:
            print(f"ok   {name}: {v['expect']}")
    print(f"{checked - len(failed)} passed, {len(failed)} failed")
    if failed:
        print("RFC VECTOR CHECK FAILED", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check tests/vectors/interop.json.

1. Every vector runs through the reference model (refverify.py) and must get
   exactly its "expect".
2. Every vector whose signature is meant to be genuine (expect satisfied /
   step_up, or a claim error) is verified again with a JOSE library other than
   the one that made it: jwcrypto for PyJWT and hand-made tokens, PyJWT for
   jwcrypto-made tokens (jwcrypto itself for alg "Ed25519", which PyJWT lacks).
3. The committed key files agree with the keys embedded in interop.json.

Usage (from the repository root):
    python3 tests/vectors/check_interop.py
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import jwt as pyjwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk as jjwk
from jwcrypto import jws as jjws

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import refverify  # noqa: E402

CLAIM_CODES = {
    "iss_missing", "iss_mismatch", "sub_missing", "aud_missing", "aud_mismatch",
    "azp_missing", "azp_mismatch", "exp_missing", "token_expired", "iat_missing",
    "iat_in_future", "nbf_in_future", "nonce_missing", "nonce_mismatch", "invalid_claim",
}  # fmt: skip


def b64d(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def signature_should_verify(v: dict) -> bool:
    e = v["expect"]
    return e["result"] in ("satisfied", "step_up") or e.get("code") in CLAIM_CODES


def candidate_jwks(spec: dict, header: dict) -> list[dict]:
    if spec["type"] == "jwks":
        return [j for j in spec["value"]["keys"] if "kid" not in header or j.get("kid") == header["kid"]]
    if spec["type"] == "secret":
        return [{"kty": "oct", "k": b64e(spec["value"].encode())}]
    if spec["type"] == "jwk":
        return [spec["value"]]
    pem = spec["value"].encode()
    if b"CERTIFICATE" in pem:
        pem = x509.load_pem_x509_certificate(pem).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return [jjwk.JWK.from_pem(pem).export_public(as_dict=True)]


def library_verifies(v: dict, spec: dict) -> bool:
    tok = v["token"]
    header = json.loads(b64d(tok.split(".")[0]))
    alg = header["alg"]
    for j in candidate_jwks(spec, header):
        if v["generator"] == "jwcrypto" and alg != "Ed25519":
            try:
                key = pyjwt.PyJWK(j, algorithm=alg).key
                pyjwt.api_jws.PyJWS().decode_complete(tok, key, algorithms=[alg])
                return True
            except Exception:
                continue
        try:
            s = jjws.JWS()
            s.allowed_algs = [alg]
            s.deserialize(tok)
            s.verify(jjwk.JWK(**j), alg=alg)
            return True
        except Exception:
            continue
    return False


def check_keys(doc: dict) -> list[str]:
    kd = HERE / "keys"
    failures = []
    jwks = json.loads((kd / "jwks.json").read_text())
    if doc["keys"]["jwks"]["value"] != jwks:
        print("FAIL keys: interop.json jwks differs from keys/jwks.json")
        failures.append("jwks")
    for name in ["rsa-2048", "rsa-3072", "ec-p256", "ec-p384", "ec-p521", "ed25519"]:
        if doc["keys"][f"{name}-pem"]["value"] != (kd / f"{name}.public.pem").read_text():
            print(f"FAIL keys: {name}-pem differs from keys/{name}.public.pem")
            failures.append(name)
    if doc["keys"]["rsa-2048-cert"]["value"] != (kd / "rsa-2048.cert.pem").read_text():
        print("FAIL keys: rsa-2048-cert differs from keys/rsa-2048.cert.pem")
        failures.append("rsa-2048-cert")
    return failures


def run(path: Path = HERE / "interop.json") -> int:
    """Returns the number of problems (0 = all good)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    failed = refverify.check_file(path)
    for v in doc["vectors"]:
        if signature_should_verify(v) and not library_verifies(v, doc["keys"][v["key"]]):
            failed.add(v["name"])
            print(f"FAIL {v['name']}: signature does not verify with an independent JOSE library")
    key_problems = check_keys(doc)
    n = len(doc["vectors"])
    counts: dict[str, int] = {}
    for v in doc["vectors"]:
        counts[v["expect"]["result"]] = counts.get(v["expect"]["result"], 0) + 1
    print(f"interop.json: {n} vectors {counts}")
    print(f"{n - len(failed)} passed, {len(failed)} failed")
    if key_problems:
        print(f"key files inconsistent: {key_problems}")
    return len(failed) + len(key_problems)


if __name__ == "__main__":
    sys.exit(1 if run() else 0)

#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets: fuzz/seeds/<target>/.

Run from anywhere (Python 3.11, `cryptography` from tests/vectors/requirements.txt):

    python3 fuzz/seeds/generate.py

The output is deterministic: a rerun rewrites every file byte for byte (sealed cookies
use fixed nonces). Sources:

- token, verify (verify reads token's seeds): every token of tests/vectors/rfc.json
  (RFC 7515 App. A, RFC 8037 App. A, RFC 7520 §4) and of tests/vectors/interop.json up
  to 4 KiB, plus the decoded header and payload JSON of each (the token target also
  parses raw JSON).
- keys: the JWKs of both vector files, tests/vectors/keys/*.public.pem, the
  certificate and the JWK Set.
- discovery: "<issuer>\\n<document>" for the development provider's document (the
  shape crates/stepup-issuer serves) and typical provider shapes, plus refusals
  (issuer mismatch, plain http, duplicated member, missing endpoint).
- session: cookies sealed as crates/stepup-axum does (HKDF-SHA256, AES-256-GCM, the
  cookie name as associated data) with the fuzzing keys of
  `stepup_axum::__private`, in each of `fuzz_session`'s four input modes.
- gateway_config: the example configurations of crates/stepup-gateway and small
  variations (profiles, hosts, methods, client auth, refusals).
- gateway_path: "<glob>\\n<request target>\\n..." from the path rules of docs/serving.md.
"""

import base64
import json
import shutil
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEEDS = Path(__file__).resolve().parent
ROOT = SEEDS.parent.parent
VECTORS = ROOT / "tests" / "vectors"
GATEWAY = ROOT / "crates" / "stepup-gateway"

# Tokens larger than this are left out (libFuzzer's -max_len follows the largest seed).
MAX_SEED = 4096


WRITTEN = set()


def write(target, name, data):
    """Writes one seed, unless the target already has one with the same bytes."""
    if isinstance(data, str):
        data = data.encode()
    if (target, data) in WRITTEN:
        return
    WRITTEN.add((target, data))
    (SEEDS / target / name).write_bytes(data)


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def vectors(target_token, target_keys):
    for file in ("rfc.json", "interop.json"):
        data = json.loads((VECTORS / file).read_text())
        for vector in data["vectors"]:
            token = vector["token"]
            if len(token) > MAX_SEED:
                continue
            write(target_token, f"{vector['name']}.jwt", token)
            for part, name in zip(token.split(".")[:2], ("header", "payload")):
                try:
                    decoded = b64url_decode(part)
                except ValueError:
                    continue
                if decoded:
                    write(target_token, f"{vector['name']}.{name}.json", decoded)
        for name, key in data["keys"].items():
            value = key["value"]
            if key["type"] in ("jwk", "jwks"):
                write(target_keys, f"{name}.json", json.dumps(value, indent=1))
            elif key["type"] == "pem":
                write(target_keys, f"{name}.pem", value)
    for pem in sorted((VECTORS / "keys").glob("*.pem")):
        if "private" not in pem.name:
            write(target_keys, pem.name, pem.read_bytes())
    write(target_keys, "jwks.json", (VECTORS / "keys" / "jwks.json").read_bytes())


def discovery():
    def doc(name, issuer, document, line=None):
        body = document if isinstance(document, str) else json.dumps(document, indent=1)
        write("discovery", f"{name}.txt", f"{line or issuer}\n{body}")

    dev = "http://127.0.0.1:9000"
    doc("stepup-issuer", dev, {
        "issuer": dev,
        "authorization_endpoint": f"{dev}/authorize",
        "token_endpoint": f"{dev}/token",
        "userinfo_endpoint": f"{dev}/userinfo",
        "jwks_uri": f"{dev}/jwks.json",
        "end_session_endpoint": f"{dev}/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA", "HS256"],
        "scopes_supported": ["openid", "profile", "email"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
                             "acr", "amr", "email"],
        "acr_values_supported": [
            "http://schemas.openid.net/pape/policies/2007/06/multi-factor"],
        "prompt_values_supported": ["none", "login"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    })
    google = "https://accounts.google.com"
    doc("google-shape", google, {
        "issuer": google,
        "authorization_endpoint": f"{google}/o/oauth2/v2/auth",
        "token_endpoint": "https://oauth2.googleapis.com/token",
        "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
        "revocation_endpoint": "https://oauth2.googleapis.com/revoke",
        "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
        "response_types_supported": ["code", "token", "id_token", "code token",
                                     "code id_token", "none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss",
                             "name", "sub"],
        "code_challenge_methods_supported": ["plain", "S256"],
    })
    tenant = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
    doc("entra-shape", tenant, {
        "token_endpoint": tenant.replace("/v2.0", "/oauth2/v2.0/token"),
        "jwks_uri": "https://login.microsoftonline.com/consumers/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "issuer": tenant,
        "authorization_endpoint": tenant.replace("/v2.0", "/oauth2/v2.0/authorize"),
        "end_session_endpoint": tenant.replace("/v2.0", "/oauth2/v2.0/logout"),
        "frontchannel_logout_supported": True,
        "http_logout_supported": True,
        "cloud_instance_name": "microsoftonline.com",
        "tenant_region_scope": None,
    })
    auth0 = "https://example.eu.auth0.com/"
    doc("auth0-shape", auth0, {
        "issuer": auth0,
        "authorization_endpoint": f"{auth0}authorize",
        "token_endpoint": f"{auth0}oauth/token",
        "device_authorization_endpoint": f"{auth0}oauth/device/code",
        "userinfo_endpoint": f"{auth0}userinfo",
        "mfa_challenge_endpoint": f"{auth0}mfa/challenge",
        "jwks_uri": f"{auth0}.well-known/jwks.json",
        "registration_endpoint": f"{auth0}oidc/register",
        "revocation_endpoint": f"{auth0}oauth/revoke",
        "end_session_endpoint": f"{auth0}oidc/logout",
        "request_uri_parameter_supported": False,
    })
    okta = "https://example.okta.com/oauth2/default"
    doc("okta-shape", okta, {
        "issuer": okta,
        "authorization_endpoint": f"{okta}/v1/authorize",
        "token_endpoint": f"{okta}/v1/token",
        "jwks_uri": f"{okta}/v1/keys",
        "end_session_endpoint": f"{okta}/v1/logout",
        "acr_values_supported": ["urn:okta:loa:1fa:any", "urn:okta:loa:2fa:any",
                                 "phr", "phrh"],
        "dpop_signing_alg_values_supported": ["RS256", "ES256"],
    })
    keycloak = "https://sso.example.com/realms/main"
    doc("keycloak-shape", keycloak, {
        "issuer": keycloak,
        "authorization_endpoint": f"{keycloak}/protocol/openid-connect/auth",
        "token_endpoint": f"{keycloak}/protocol/openid-connect/token",
        "jwks_uri": f"{keycloak}/protocol/openid-connect/certs",
        "end_session_endpoint": f"{keycloak}/protocol/openid-connect/logout",
        "mtls_endpoint_aliases": {
            "token_endpoint": f"{keycloak}/protocol/openid-connect/token"},
        "acr_values_supported": ["0", "1", "gold"],
    })
    minimal = "https://op.example.com"
    endpoints = {
        "issuer": minimal,
        "authorization_endpoint": f"{minimal}/authorize",
        "token_endpoint": f"{minimal}/token",
        "jwks_uri": f"{minimal}/jwks",
    }
    doc("minimal", minimal, endpoints)
    doc("end-session-null", minimal, {**endpoints, "end_session_endpoint": None})
    doc("end-session-number", minimal, {**endpoints, "end_session_endpoint": 7})
    doc("issuer-trailing-slash", minimal + "/", endpoints)
    doc("issuer-mismatch", minimal, {**endpoints, "issuer": "https://evil.example.com"})
    doc("issuer-missing", minimal, {k: v for k, v in endpoints.items() if k != "issuer"})
    doc("jwks-uri-missing", minimal, {k: v for k, v in endpoints.items() if k != "jwks_uri"})
    doc("jwks-uri-http", minimal, {**endpoints, "jwks_uri": "http://op.example.com/jwks"})
    doc("jwks-uri-loopback-v6", minimal, {**endpoints, "jwks_uri": "http://[::1]:8080/jwks"})
    doc("jwks-uri-userinfo", minimal, {**endpoints, "jwks_uri": "https://u:p@op.example.com/"})
    doc("issuer-query", minimal + "/?tenant=1", {**endpoints, "issuer": minimal + "/?tenant=1"})
    doc("duplicate-issuer", minimal,
        '{"issuer":"https://evil.example.com","issuer":"https://op.example.com",'
        '"authorization_endpoint":"https://op.example.com/a",'
        '"token_endpoint":"https://op.example.com/t","jwks_uri":"https://op.example.com/k"}')
    doc("not-an-object", minimal, '["https://op.example.com"]')
    doc("deep", minimal, '{"issuer":"https://op.example.com","x":' + "[" * 20 + "]" * 20 + "}")
    doc("escapes", minimal,
        '{"issuer":"https:\\/\\/op.example.com","authorization_endpoint":'
        '"https://op.example.com/\\u0061uthorize","token_endpoint":"https://op.example.com/t",'
        '"jwks_uri":"https://op.example.com/k\\ud83d\\ude00"}')


# The fuzzing app of stepup_axum::__private (keep in step with it).
NEW_KEY = b"stepup-fuzz-session-key-new-0123456789"
OLD_KEY = b"stepup-fuzz-session-key-old-0123456789"
SESSION = "__Host-stepup_session"
FLOW = "__Host-stepup_flow"
ISSUER = "https://op.example.com"
NOW = 1_700_000_000


def cookie_key(material):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"stepup session cookie v1",
                info=b"aes-256-gcm").derive(material)


def seal(material, name, plaintext, counter):
    """base64url(nonce || ciphertext || tag), as stepup-axum's SessionKeys::seal (but
    with a fixed nonce, so that the corpus is reproducible)."""
    nonce = counter.to_bytes(12, "big")
    sealed = AESGCM(cookie_key(material)).encrypt(nonce, plaintext, name.encode())
    return b64url(nonce + sealed)


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def session():
    live = {"v": 1, "iss": ISSUER, "sub": "alice", "aud": "app", "amr": ["pwd", "mfa"],
            "auth_time": 1_699_999_000.0, "iat": NOW - 60, "exp": NOW + 3600}
    sessions = {
        "live": live,
        "live-all-fields": {**live, "acr": "urn:okta:loa:2fa:any", "email": "a@example.com",
                            "stepped_up_for": ["amr:mfa", "fresh_login"]},
        "password-only": {**live, "amr": ["pwd"]},
        "no-amr": {k: v for k, v in live.items() if k != "amr"},
        "expired": {**live, "exp": NOW - 1},
        "beyond-lifetime": {**live, "iat": NOW - 50_000},
        "iat-ahead": {**live, "iat": NOW + 600},
        "other-issuer": {**live, "iss": "https://evil.example.com"},
        "other-client": {**live, "aud": "other"},
        "version-2": {**live, "v": 2},
        "auth-time-huge": {**live, "auth_time": 1e300},
        "exp-max": {**live, "exp": 2**63 - 1, "iat": -(2**63)},
    }
    flow = {"state": "s" * 43, "nonce": "n" * 43, "code_verifier": "v" * 43,
            "return_to": "/admin?x=1", "need": {"amr": ["mfa"], "max_age": 300},
            "missing": ["amr:mfa"], "exp": NOW + 600}
    flows = {
        "flow": flow,
        "flow-any-acr": {**flow, "need": {"acr": ["gold", "silver"], "any": True,
                                          "leeway": 0}},
        "flow-expired": {**flow, "exp": NOW - 1},
    }
    counter = 0
    for name, value in sessions.items():
        for key_name, key in (("new", NEW_KEY), ("old", OLD_KEY)):
            counter += 1
            sealed = seal(key, SESSION, compact(value), counter)
            write("session", f"0-{name}-{key_name}-key", b"\0" + sealed.encode())
            if name == "live":
                header = f"theme=dark; {SESSION}={sealed}; {FLOW}=x"
                write("session", f"1-cookie-header-{key_name}-key", b"\1" + header.encode())
        write("session", f"2-{name}.json", b"\2" + compact(value))
    for name, value in flows.items():
        counter += 1
        write("session", f"0-{name}", b"\0" + seal(NEW_KEY, FLOW, compact(value), counter).encode())
        write("session", f"2-{name}.json", b"\2" + compact(value))
    counter += 1
    # Sealed as the flow cookie: must not open as the session.
    swapped = seal(NEW_KEY, FLOW, compact(live), counter)
    write("session", "0-session-sealed-as-flow", b"\0" + swapped.encode())
    write("session", "1-cookie-header-duplicate",
          f"\1{SESSION}=junk; {SESSION}={swapped}".encode())
    write("session", "0-not-base64", b"\0" + b"!!!!" * 10)
    write("session", "2-not-json", b"\2{\"v\":1,")
    write("session", "3-one-bit-in-tag", b"\3" + bytes([255, 1]))
    write("session", "3-nonce-and-body", b"\3" + bytes([0, 0x80, 12, 1, 40, 0xff]))
    write("session", "3-truncate", b"\3" + bytes([5, 1, 28]))


def gateway_config():
    for path in (GATEWAY / "examples" / "stepup.toml", GATEWAY / "examples" / "try" / "stepup.toml",
                 GATEWAY / "tests" / "it" / "stepup.toml"):
        if path.exists():
            name = "-".join(path.relative_to(GATEWAY).parts)
            write("gateway_config", name, path.read_bytes())
    base = (
        'public_url = "https://app.example.com"\n'
        '[provider]\nissuer = "https://login.example.com"\nclient_id = "app"\n'
        'client_secret_file = "secret"\n'
        '{provider}'
        '[session]\nkey_files = ["k1", "k2"]\n{session}'
        '{rules}'
    )
    variants = {
        "minimal": ("", "", '[[rule]]\npath = "/**"\nrequire = "login"\n'),
        "keycloak-host-methods": (
            'profile = "keycloak:gold"\nclient_auth = "client_secret_post"\n', "lifetime = 300\n",
            '[[rule]]\npath = "/status/*"\nhost = "Status.Example.com"\nrequire = "public"\n'
            '[[rule]]\npath = "/api/*/keys"\nmethods = ["GET", "POST"]\nrequire = "mfa"\n'
            'amr = ["hwk", "mfa"]\nacr = ["gold"]\nmax_age = 60\n'),
        "okta-escapes": (
            'profile = "okta"\n', "",
            '[[rule]]\npath = "/%61dmin/caf%C3%A9/**"\nrequire = "mfa"\n'
            '[[rule]]\npath = "/~user/*.html"\nrequire = "login"\n'),
        "bad-glob": ("", "", '[[rule]]\npath = "/a/**b"\nrequire = "mfa"\n'),
        "public-with-max-age": ("", "", '[[rule]]\npath = "/"\nrequire = "public"\nmax_age = 1\n'),
        "unknown-key": ("colour = \"red\"\n", "", ""),
        "lifetime-zero": ("", "lifetime = 0\n", ""),
        "bad-profile": ('profile = "keycloak:"\n', "", ""),
        "lower-case-method": ("", "", '[[rule]]\npath = "/"\nmethods = ["get"]\nrequire = "login"\n'),
        "empty-amr": ("", "", '[[rule]]\npath = "/"\nrequire = "mfa"\namr = []\n'),
    }
    for name, (provider, session_extra, rules) in variants.items():
        write("gateway_config", f"{name}.toml",
              base.format(provider=provider, session=session_extra, rules=rules))
    write("gateway_config", "public-url-with-path.toml",
          base.format(provider="", session="", rules="").replace(
              "https://app.example.com", "https://app.example.com/app"))
    write("gateway_config", "issuer-http.toml",
          base.format(provider="", session="", rules="").replace(
              "https://login.example.com", "http://login.example.com"))
    write("gateway_config", "listen-v6.toml",
          'listen = "[::1]:4180"\n' + base.format(provider="", session="", rules=""))


def gateway_path():
    cases = {
        "admin": ("/admin/**", ["/admin", "/admin/", "/admin/users/7", "/Admin", "/administrator",
                               "/%61dmin/x", "/admin/../public", "/public/../admin/x?y=1",
                               "//admin", "/admin%2Fsecret", "/admin;x=1/y", "/admin//../y"]),
        "star-segment": ("/api/*/keys", ["/api/v1/keys", "/api/v1/x/keys", "/api//keys",
                                          "/api/%2e/keys", "/api/v1/keys/", "/api/v1/keys#frag"]),
        "infix": ("/files/*.tar.*", ["/files/a.tar.gz", "/files/.tar.", "/files/a.tar",
                                      "/files/x.tar.gz/y"]),
        "many-any": ("/**/a/**/b/**", ["/a/b", "/x/a/y/b/z", "/b/a", "/a/a/b/b/" + "c/" * 40]),
        "escapes": ("/caf%c3%a9/%7e*", ["/caf%C3%A9/~me", "/caf\u00e9/~me", "/caf%c3%a9/%7Eme",
                                          "/caf%zz", "/%00", "/%5c", "/\u00ff\u00fe"]),
        "root": ("/", ["/", "", "x", "/.", "/..", "/./", "/a/..", "/%2e%2e", "/a/b/../%2E%2e/c"]),
        "trailing-slash": ("/docs/", ["/docs/", "/docs", "/docs/.", "/docs/x/.."]),
        "star-only": ("/*", ["/", "/x", "/x/", "/*", "/%2a"]),
        "bad-glob": ("/a//b", ["/a/b"]),
    }
    for name, (glob, targets) in cases.items():
        write("gateway_path", f"{name}.txt", "\n".join([glob, *targets]))
    write("gateway_path", "raw-bytes.txt", b"/**\n/a\xff/b\n/a\x00b\n/a b\n/a\\b\n/a\x7f")
    write("gateway_path", "long.txt", "/**\n" + "/a" * 300)


def main():
    targets = ["token", "keys", "discovery", "session", "gateway_config", "gateway_path"]
    for target in targets:
        shutil.rmtree(SEEDS / target, ignore_errors=True)
        (SEEDS / target).mkdir()
    vectors("token", "keys")
    discovery()
    session()
    gateway_config()
    gateway_path()
    for target in targets:
        files = list((SEEDS / target).iterdir())
        size = sum(f.stat().st_size for f in files)
        print(f"{target:15} {len(files):4} files {size / 1024:7.1f} KiB")


if __name__ == "__main__":
    main()

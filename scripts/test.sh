#!/usr/bin/env bash
# Runs every test of the workspace, then the lints. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo test (all crates, all features)"
# The gateway's proxy tests (crates/stepup-gateway/tests/it/proxies.rs) run the committed
# example configs with real nginx and Caddy. Locally they are skipped when either is missing;
# with STEPUP_REQUIRE_PROXY_TESTS=1 (CI, .ci/run) a missing proxy is a failure.
has_nginx() { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; }
if [ "${STEPUP_REQUIRE_PROXY_TESTS:-}" = 1 ]; then
  if [ "${STEPUP_SKIP_PROXY_TESTS:-}" = 1 ] || ! has_nginx || ! command -v caddy >/dev/null; then
    echo "error: STEPUP_REQUIRE_PROXY_TESTS=1 but nginx or caddy is missing (or the skip variable is set)" \
      "(Debian: apt-get install nginx-light caddy)" >&2
    exit 1
  fi
elif ! has_nginx || ! command -v caddy >/dev/null; then
  echo "==> SKIPPED gateway proxy tests (real nginx and Caddy): apt-get install nginx-light caddy to run them"
  export STEPUP_SKIP_PROXY_TESTS=1
fi
# The browser tests (crates/stepup-issuer/tests/browser.rs, crates/stepup-axum/tests/browser.rs)
# drive headless Chromium through chromedriver. Locally they are skipped when chromedriver is
# missing; with STEPUP_REQUIRE_BROWSER_TESTS=1 (CI, .ci/run) a missing chromedriver is a failure.
if [ "${STEPUP_REQUIRE_BROWSER_TESTS:-}" = 1 ]; then
  if [ "${STEPUP_SKIP_BROWSER_TESTS:-}" = 1 ]; then
    echo "error: STEPUP_REQUIRE_BROWSER_TESTS=1 and STEPUP_SKIP_BROWSER_TESTS=1: the browser tests are required" >&2
    exit 1
  fi
  if ! command -v chromedriver >/dev/null; then
    echo "error: STEPUP_REQUIRE_BROWSER_TESTS=1 but chromedriver is not on PATH" \
      "(Debian: apt-get install chromium chromium-driver)" >&2
    exit 1
  fi
  cargo test --workspace --all-features --locked
elif command -v chromedriver >/dev/null; then
  cargo test --workspace --all-features --locked
else
  echo "==> SKIPPED browser tests (issuer /try page, stepup-axum demo app): chromedriver is not on PATH;" \
    "apt-get install chromium chromium-driver to run them"
  STEPUP_SKIP_BROWSER_TESTS=1 cargo test --workspace --all-features --locked
fi

echo "==> cargo clippy -D warnings"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "==> cargo fmt --check"
cargo fmt --all --check

echo "==> cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked --quiet

if python3 -c 'import jwt, jwcrypto, cryptography' 2>/dev/null; then
  echo "==> test vectors, checked independently with PyJWT/jwcrypto"
  python3 tests/vectors/check_rfc.py
  python3 tests/vectors/check_interop.py
else
  echo "==> SKIPPED independent vector checks: pip install -r tests/vectors/requirements.txt"
fi
echo "all checks passed"

#!/usr/bin/env bash
# Runs every test of the workspace, then the lints. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo test (all crates, all features)"
if command -v chromedriver >/dev/null; then
  cargo test --workspace --all-features --locked
else
  # The issuer's browser test (crates/stepup-issuer/tests/browser.rs) needs chromedriver.
  echo "==> SKIPPED browser test: apt-get install chromium chromium-driver"
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

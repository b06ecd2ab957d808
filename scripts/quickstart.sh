#!/usr/bin/env bash
# The main job until `stepup demo` exists: build the CLI, generate a signing key,
# mint two ID tokens (password only, then password + MFA) and verify both, showing
# the step-up decision and its exit code. Everything stays in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --quiet -p stepup-cli
stepup=./target/release/stepup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

issuer=https://login.example.com
client=my-app
now=$(date +%s)

echo "== stepup keygen --type p256 --kid quickstart-key"
"$stepup" keygen --type p256 --kid quickstart-key --out-dir "$work/keys"

run() {
  local title=$1 token=$2
  echo
  echo "== $title"
  echo "\$ stepup verify --jwks keys/jwks.json --issuer $issuer --audience $client --max-age 300"
  set +e
  "$stepup" verify --jwks "$work/keys/jwks.json" --issuer "$issuer" --audience "$client" \
    --max-age 300 --now "$now" "$token"
  local code=$?
  set -e
  echo "exit code: $code"
}

mint() {
  local token_issuer=$1
  shift
  "$stepup" mint --key "$work/keys/private.pem" --kid quickstart-key \
    --issuer "$token_issuer" --audience "$client" --subject alice --now "$now" \
    --auth-time "$now" "$@"
}

run "a password-only login (amr [\"pwd\"]): valid, but step-up required" "$(mint "$issuer" --amr pwd)"
run "after the second factor (amr [\"pwd\",\"otp\",\"mfa\"]): satisfied" "$(mint "$issuer" --amr pwd --amr otp --amr mfa)"
run "a token from another issuer: invalid" "$(mint https://evil.example --amr pwd --amr mfa)"

#!/usr/bin/env bash
# The command line in one minute: build the `stepup` CLI, generate a signing key, mint
# three ID tokens (a password login, a login with a second factor, a token from another
# issuer) and verify each, showing the step-up decision and the exit code.
#
# Every command is printed before it runs, as it can be run again from the repository
# root: the files (key pair, JWK Set, tokens) stay in ./.stepup-quickstart, overwritten
# on each run (STEPUP_QUICKSTART_DIR names another folder). The browser version of the
# same story is `cargo run --release -- demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source=scripts/lib/build.sh
. scripts/lib/build.sh

echo "==> cargo build --release -p stepup-cli (the first build takes a few minutes)"
stepup=$(build_executable bin stepup --release --locked -p stepup-cli --bin stepup)

work=${STEPUP_QUICKSTART_DIR:-$repo/.stepup-quickstart}
case $work in /*) ;; *) work=$repo/$work ;; esac
mkdir -p "$work"

# Paths as the printed commands use them: relative to the repository root when inside it.
case $stepup in "$repo"/*) bin=./${stepup#"$repo"/} ;; *) bin=$stepup ;; esac
case $work in "$repo"/*) dir=${work#"$repo"/} ;; *) dir=$work ;; esac
bin=$(printf %q "$bin")

# run 'COMMAND LINE': prints it, then runs it exactly as printed.
run() {
  echo "\$ $1"
  eval "$1"
}

# verify TOKEN_FILE TITLE: verifies a token, printing the command and its exit code.
verify() {
  echo
  echo "== $2"
  set +e
  run "$bin verify --jwks $(printf %q "$dir/keys/jwks.json") --issuer $issuer --audience $client --max-age 300 --now $now < $(printf %q "$dir/$1")"
  local code=$?
  set -e
  echo "exit code: $code"
}

issuer=https://login.example.com
client=my-app
# The tokens are minted and checked as of this second (`--now`), so the printed commands
# give the same answers later; without --now, the clock decides, and after --max-age
# (300 s) the MFA login is no longer fresh enough either.
now=$(date +%s)

echo
echo "== a P-256 key pair and the JWK Set a provider would publish"
run "$bin keygen --type p256 --kid quickstart-key --force --out-dir $(printf %q "$dir/keys")"

echo
echo "== three ID tokens, signed with the private key"
mint() {
  local file=$1 token_issuer=$2
  shift 2
  run "$bin mint --key $(printf %q "$dir/keys/private.pem") --kid quickstart-key --issuer $token_issuer --audience $client --subject alice --now $now --auth-time $now $* > $(printf %q "$dir/$file")"
}
mint password-only.jwt "$issuer" --amr pwd
mint mfa.jwt "$issuer" --amr pwd --amr otp --amr mfa
mint other-issuer.jwt https://evil.example --amr pwd --amr mfa

verify password-only.jwt 'a password-only login (amr ["pwd"]): valid, but step-up required (exit 1)'
verify mfa.jwt 'after the second factor (amr ["pwd","otp","mfa"]): satisfied (exit 0)'
verify other-issuer.jwt 'a token from another issuer: invalid (exit 2)'

cat <<MSG

The key pair and the tokens are in $dir/; the commands above run again as printed
from $repo. Next, for instance:
  $bin decode < $(printf %q "$dir/mfa.jwt")    # header and claims, NOT verified
  $bin verify --help    # key sources, policies (--profile, --acr, --max-age), exit codes
MSG

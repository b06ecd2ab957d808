#!/usr/bin/env bash
# Instructions per request (callgrind) through the stepup-axum layer vs calling the
# verifier directly, for the cases of `cargo bench -p stepup-axum --bench layer`.
# Counts are repeatable on a shared machine where wall time drifts. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/build.sh
. scripts/lib/build.sh
bin=$(build_executable example layer_instructions --release --locked -p stepup-axum --example layer_instructions)

count() { # case n -> total instructions
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_call() { # case n -> instructions per request
  local a b
  a=$(count "$1" "$2"); b=$(count "$1" $((2 * $2)))
  echo $(((b - a) / $2))
}

echo "| token | verify + policy | request without the layer | layer, Bearer | layer's own | layer, session cookie |"
echo "|---|---|---|---|---|---|"
for alg in HS256 RS256; do
  export ALG=$alg
  verify=$(per_call verify 200)
  passthrough=$(per_call passthrough 400)
  bearer=$(per_call layer_bearer 200)
  session=$(per_call layer_session 400)
  echo "| $alg | $verify | $passthrough | $bearer | $((bearer - verify - passthrough)) | $session |"
done

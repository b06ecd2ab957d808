#!/usr/bin/env bash
# Instructions per verification (callgrind), stepup vs the raw aws-lc-rs primitive vs
# jsonwebtoken 12, for the cases of `cargo bench -p stepup --bench verify`. Counts are
# repeatable on a shared machine where wall time drifts: every process verifies the
# same committed tokens (crates/stepup/benches/cases/tokens.json, signed once, so no
# randomized ECDSA or PSS signature varies the work) at the benches' fixed clock.
# Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p stepup --example instructions
bin=target/release/examples/instructions
# Each total is the least of this many runs: now and then a process runs a few dozen
# instructions more than the others, which would show as ±1–2 per call.
runs=${STEPUP_COUNT_RUNS:-3}

count() { # impl alg n -> total instructions (least of $runs runs)
  local least="" total _
  for _ in $(seq "$runs"); do
    total=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" "$3" 2>&1 \
      | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
    if [ -z "$least" ] || [ "$total" -lt "$least" ]; then least=$total; fi
  done
  echo "$least"
}
per_call() { # impl alg -> instructions per verification
  local n=$1 a b
  a=$(count "$2" "$3" "$n"); b=$(count "$2" "$3" $((2 * n)))
  echo $(((b - a) / n))
}

echo "| alg | stepup | raw aws-lc-rs | jsonwebtoken 12 | stepup / raw | jsonwebtoken / stepup |"
echo "|---|---|---|---|---|---|"
for alg in HS256 RS256 PS256 ES256 ES384 ES512 EdDSA; do
  case $alg in ES384|ES512) n=20 ;; HS256) n=400 ;; *) n=50 ;; esac
  s=$(per_call $n stepup $alg); r=$(per_call $n raw $alg)
  if [ "$alg" = ES512 ]; then j="–"; jr="–"; else
    j=$(per_call $n jsonwebtoken $alg); jr=$(python3 -c "print(f'{$j/$s:.2f}×')"); fi
  ratio=$(python3 -c "print(f'{$s/$r:.3f}×')")
  echo "| $alg | $s | $r | $j | $ratio | $jr |"
done

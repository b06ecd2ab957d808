#!/usr/bin/env bash
# Instructions per verification (callgrind), stepup vs the raw aws-lc-rs primitive vs
# jsonwebtoken 12, for the cases of `cargo bench -p stepup --bench verify`. Counts are
# repeatable on a shared machine where wall time drifts. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p stepup --example instructions
bin=target/release/examples/instructions

count() { # impl alg n -> total instructions
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" "$3" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
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

#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ one after the other, each for SECONDS:
#
#   scripts/fuzz.sh SECONDS [TARGET...]     (default: every target `cargo fuzz list` shows)
#
# Each target starts from the committed seeds (fuzz/seeds/<target>/, read only; see
# fuzz/seeds/generate.py) and keeps what it finds in fuzz/corpus/<target>/ (not
# committed), so later runs go on where earlier ones stopped. One libFuzzer process at
# a time, no -fork or -jobs: it keeps one core busy, which is what a small shared
# machine can spare. Installs cargo-fuzz and the nightly toolchain when they are missing.
#
# Exits 1 when a target crashes (a panic, a failed check, a sanitizer report, an input
# that takes over 15 s or runs out of memory), after printing where libFuzzer wrote the
# input and how to replay it; 0 when every target ran its time clean. At the end, one
# line per target: executions, executions per second, coverage, corpus size. Full
# libFuzzer output is in fuzz/target/fuzz-logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/fuzz.sh SECONDS [TARGET...]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
seconds=$1
shift
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "==> installing the nightly toolchain (cargo-fuzz needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

echo "==> building the fuzz targets (fuzz/target)"
cargo +nightly fuzz build
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

# The committed seeds of a target (the verifier reads the same tokens as the parser;
# the differential target compares readers on the same headers, payloads and tokens).
seeds_of() {
  case $1 in
    verify | differential) echo fuzz/seeds/token ;;
    *) echo "fuzz/seeds/$1" ;;
  esac
}

# The last value of libFuzzer's final statistic $1 in the log $2.
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

logs=fuzz/target/fuzz-logs
mkdir -p "$logs"
summary=()
failed=()
for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  mkdir -p "$corpus"
  dirs=("$corpus")
  seeds=$(seeds_of "$target")
  [ -d "$seeds" ] && dirs+=("$seeds")
  log=$logs/$target.log
  echo "==> fuzzing $target for $seconds s (${dirs[*]})"
  status=0
  # The first directory is the one libFuzzer adds new inputs to; the seeds only feed it.
  cargo +nightly fuzz run "$target" "${dirs[@]}" -- \
    -max_total_time="$seconds" -timeout=15 -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(final_stat number_of_executed_units "$log")
  rate=$(final_stat average_exec_per_sec "$log")
  # The last status line, e.g. "#123456 DONE cov: 1234 ft: 5678 corp: 90/12Kb ...".
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
  line=$(printf '%-16s %12s execs %8s/s  cov %6s  corpus %6s' \
    "$target" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}")
  if [ "$status" -ne 0 ]; then
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "!!! $target failed (exit $status); from $log:" >&2
    # The panic or sanitizer report, else the end of the log (a build error, say).
    grep -m 8 -E 'panicked at|^(thread|assertion)|ERROR: |SUMMARY: ' "$log" >&2 ||
      tail -n 40 "$log" >&2
    if [ -n "$artifact" ]; then
      echo "!!! the input is $artifact; replay it with:" >&2
      echo "    cargo +nightly fuzz run $target $artifact" >&2
      line+="  FAILED: $artifact"
    else
      line+="  FAILED (no input written; see $log)"
    fi
    failed+=("$target")
  fi
  summary+=("$line")
done

echo
echo "==> fuzzed ${#targets[@]} target(s), $seconds s each"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "!!! failed: ${failed[*]}" >&2
  exit 1
fi

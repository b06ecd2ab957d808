# shellcheck shell=bash
# Sourced by the scripts in scripts/: builds an executable with cargo and says where it is.
#
#   stepup=$(build_executable bin stepup --release --locked -p stepup-cli --bin stepup)
#
# The path is the one cargo reports for the artifact (`--message-format=json`), so it is
# right wherever the target directory is: CARGO_TARGET_DIR, `build.target-dir` in a
# cargo config, a `--target` triple. Cargo's own progress ("Compiling …") and any
# warnings go to stderr as usual, so a long first build shows that it is working.

# build_executable KIND NAME CARGO_BUILD_ARGS… — KIND is `bin` or `example`, NAME the
# target's name. Prints the executable's path on stdout; fails if cargo fails or
# reports no such executable.
build_executable() {
  local kind=$1 name=$2
  shift 2
  local messages executable
  # Only the JSON messages reach stdout; diagnostics are rendered to stderr.
  messages=$(cargo build "$@" --message-format=json-render-diagnostics) || return
  # One compiler-artifact line per target built (or fresh); pick this target's.
  executable=$(printf '%s\n' "$messages" |
    grep '"reason":"compiler-artifact"' |
    grep -F "\"kind\":[\"$kind\"]" |
    grep -F "\"name\":\"$name\"" |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' |
    tail -n 1) || true
  if [ -z "$executable" ] || [ ! -x "$executable" ]; then
    echo "error: cargo build $* reported no executable for the $kind \"$name\"" >&2
    return 1
  fi
  printf '%s\n' "$executable"
}

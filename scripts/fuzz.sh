#!/usr/bin/env bash
# Builds the "fuzz" preset and runs every libFuzzer target it built, one after
# the other, for SECONDS_PER_TARGET seconds each (default 60).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]
#
# Targets are found in the build directory (build/fuzz, every executable named
# *_fuzzer), so a new target needs no change here. Target <name>_fuzzer starts
# from a copy of its seeds fuzz/corpus/<name>/ and works in fuzz/out/<name>_fuzzer/:
#   corpus/      the growing corpus (seeds + inputs that found new coverage;
#                kept between runs)
#   fuzz.log     libFuzzer's output
#   crash-*, leak-*, timeout-*, oom-*   inputs that failed (reproduce with
#                build/fuzz/fuzz/<name>_fuzzer <file>)
# Exits non-zero if the build fails, no target is found, or any target fails.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS_PER_TARGET]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="$root/build/fuzz"

cmake --preset fuzz
cmake --build --preset fuzz

mapfile -t fuzzers < <(find "$build_dir" -type f -name '*_fuzzer' -perm -u+x | sort)
if [ ${#fuzzers[@]} -eq 0 ]; then
  echo "fuzz: no *_fuzzer targets in $build_dir" >&2
  exit 1
fi

# Halt on the first sanitizer report, so that libFuzzer saves the input.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=()
for fuzzer in "${fuzzers[@]}"; do
  name="$(basename "$fuzzer")"
  seeds="$root/fuzz/corpus/${name%_fuzzer}"
  out="$root/fuzz/out/$name"
  mkdir -p "$out/corpus"
  if [ -d "$seeds" ]; then
    cp -f "$seeds"/* "$out/corpus/" 2>/dev/null || true
  else
    echo "fuzz: warning: $name has no seed corpus $seeds" >&2
  fi

  echo "fuzz: running $name for ${seconds}s (log: $out/fuzz.log)"
  status=0
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$out/" "$out/corpus" >"$out/fuzz.log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::new_units_added):' "$out/fuzz.log" \
    | sed "s/^/fuzz:   /" || true
  if [ "$status" -ne 0 ]; then
    echo "fuzz: FAILED: $name exited with $status; see $out/fuzz.log" >&2
    find "$out" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
      -o -name 'oom-*' \) | sed 's/^/fuzz:   /' >&2
    tail -n 30 "$out/fuzz.log" >&2
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: ${#failed[@]} of ${#fuzzers[@]} targets failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#fuzzers[@]} targets ran ${seconds}s without a failure"

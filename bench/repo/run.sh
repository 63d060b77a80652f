#!/usr/bin/env bash
# Publishing benchmark: one improvement published with CreateRelease into a
# repository that already holds 10,000 targets, side by side with the same
# release into an empty repository, and the bytes a device then fetches
# (bench/repo/publish_bench.cc says what is measured; bench/README.md how to
# read it). Prints one table and writes it to
# bench/results/repo_publish-<date>.txt.
#
# Usage: bench/repo/run.sh [RUNS]     (medians of RUNS runs, default 5;
#                                      about 20 s with 5 on a quiet machine)
# Environment: BSI_REPO_BENCH_BUILD_DIR  build directory (default
#              build/repo-bench; configured Release with the benchmarks on,
#              only publish_bench is built).
#              TMPDIR  where the repositories are written (its file system
#              is named in the header: fsync costs depend on it).
#
# Metadata sizes are also given compressed by gzip -9 and zstd -19, as a
# server or CDN could serve them (the client fetches them raw today).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-5}"
build="${BSI_REPO_BENCH_BUILD_DIR:-$root/build/repo-bench}"
for tool in gzip zstd; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! { cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBSI_BUILD_TESTS=OFF \
  -DBSI_BUILD_BENCH=ON && ninja -C "$build" publish_bench; } >"$work/build.log" 2>&1; then
  tail -n 30 "$work/build.log" >&2
  echo "building publish_bench failed" >&2
  exit 1
fi
bench="$build/bench/repo/publish_bench"
tmp_fs="$(df -T "${TMPDIR:-/tmp}" | awk 'NR == 2 {print $2}')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" --targets=10000 --runs="$runs" --save_metadata="$work/metadata" >"$work/table.txt"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# One row per metadata file: raw, gzip -9 and zstd -19 bytes, for both
# repositories.
compressed_rows() {
  local file empty large
  for file in timestamp snapshot targets; do
    empty="$work/metadata/targets-0/$file.json"
    large="$work/metadata/targets-10000/$file.json"
    printf '  %-28s' "$file.json"
    for f in "$empty" "$large"; do
      printf '%10d%10d%10d' "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)" \
        "$(zstd -19 -q -c "$f" | wc -c)"
    done
    printf '\n'
  done
}

mkdir -p "$root/bench/results"
result="$root/bench/results/repo_publish-$(date +%F).txt"
{
  echo "# Repository publishing benchmark, $(date -u '+%F %T UTC')"
  echo "# command: bench/repo/run.sh $runs   (publish_bench --targets=10000 --runs=$runs;" \
    "medians of $runs runs, runs of both repositories interleaved)"
  echo "# machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM," \
    "Linux $(uname -r), $(c++ --version | head -n 1); repositories on $tmp_fs"
  echo "# load average before/after: $load_before / $load_after"
  echo "# bsi: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown) (working tree)," \
    "Release build, Ed25519 keys, bundle options at their defaults (zstd 19)"
  echo
  cat "$work/table.txt"
  echo
  echo "Metadata the device fetches, raw and compressed (bytes)"
  printf '  %-28s%30s%30s\n' "" "empty repository" "10,000 targets"
  printf '  %-28s%10s%10s%10s%10s%10s%10s\n' "" raw gzip-9 zstd-19 raw gzip-9 zstd-19
  compressed_rows
} | tee "$result"
echo "written to ${result#"$root/"}" >&2

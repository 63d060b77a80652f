#!/usr/bin/env bash
# Delta benchmark: bsi's delta (bench/delta/bsi_delta_tool) side by side with
# bsdiff/bspatch 4.3, xdelta3 -9 and zstd -19 --patch-from, on the corpus of
# real shared-library security updates that make_corpus.sh builds.
#
# For every pair and tool: patch size, create time, apply time and peak
# memory (maximum resident set size from /usr/bin/time -v), medians of RUNS
# runs each (default 5). Every applied result is compared with the new file.
# Prints three tables with totals and ratios to bsdiff, and writes them to
# bench/results/delta-<date>.txt.
#
# Usage: bench/delta/run.sh [RUNS]       (about 10 minutes with the default 5)
# Environment: BSI_DELTA_BUILD_DIR  build directory (default build/delta-bench;
#              configured Release with the benchmarks on, only
#              bsi_delta_tool is built).
#
# Times are wall-clock times of whole processes, start-up included (see
# bench/delta/CMakeLists.txt for how bsi_delta_tool is linked). bsi's apply
# is ApplyDeltaFile: it also fsyncs the result and renames it into place,
# which the other tools do not; "bsi-nosync" is the same apply writing the
# output file directly, to compare like with like.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-5}"
corpus="$root/bench/corpus/delta"
build="${BSI_DELTA_BUILD_DIR:-$root/build/delta-bench}"
if [[ ! -f "$corpus/MANIFEST" ]]; then
  echo "no corpus: run bench/delta/make_corpus.sh first" >&2
  exit 1
fi
for tool in bsdiff bspatch xdelta3 zstd /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBSI_BUILD_TESTS=OFF \
  -DBSI_BUILD_BENCH=ON >/dev/null
ninja -C "$build" bsi_delta_tool >/dev/null
bsi="$build/bench/delta/bsi_delta_tool"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
raw="$work/raw.tsv"  # pair tool phase run microseconds rss_kb patch_bytes note

# Runs a command under /usr/bin/time -v; prints "<microseconds> <max rss KB>".
measure() {
  local start end
  start=$(date +%s%N)
  if ! /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/stdout.txt" 2>"$work/stderr.txt"; then
    echo "failed: $*" >&2
    cat "$work/stderr.txt" >&2
    kill -TERM $$  # measure runs in a command substitution: stop the script itself
  fi
  end=$(date +%s%N)
  echo "$(((end - start) / 1000)) $(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
}

create_cmd() {  # tool old new patch
  case "$1" in
    bsi) echo "$bsi create $2 $3 $4" ;;
    bsdiff) echo "bsdiff $2 $3 $4" ;;
    xdelta3) echo "xdelta3 -9 -f -e -s $2 $3 $4" ;;
    zstd) echo "zstd -q -f -19 --patch-from=$2 $3 -o $4" ;;
  esac
}
apply_cmd() {  # tool old patch out
  case "$1" in
    bsi) echo "$bsi apply $2 $3 $4" ;;
    bsi-nosync) echo "$bsi apply $2 $3 $4 --no-sync" ;;
    bsdiff) echo "bspatch $2 $4 $3" ;;
    xdelta3) echo "xdelta3 -f -d -s $2 $3 $4" ;;
    zstd) echo "zstd -q -f -d --patch-from=$2 $3 -o $4" ;;
  esac
}

tools=(bsi bsdiff xdelta3 zstd)
# bsi-nosync: bsi's apply without the temporary file, fsync and rename.
apply_tools=(bsi bsi-nosync bsdiff xdelta3 zstd)
while IFS=$'\t' read -r package library _ _ _ _; do
  old="$corpus/$package/$library.old"
  new="$corpus/$package/$library.new"
  pair="$package/$library"
  echo "measuring $pair" >&2
  # Runs are interleaved (every tool once per round), so that a burst of
  # load from elsewhere on the machine falls on all tools alike.
  for ((run = 1; run <= runs; run++)); do
    for tool in "${tools[@]}"; do
      patch="$work/patch.$tool"
      read -r us rss <<<"$(measure $(create_cmd "$tool" "$old" "$new" "$patch"))"
      note="-"
      [[ "$tool" == bsi ]] && note="$(cut -d' ' -f1 "$work/stdout.txt")"
      printf '%s\t%s\tcreate\t%d\t%s\t%s\t%s\t%s\n' "$pair" "$tool" "$run" "$us" "$rss" \
        "$(stat -c %s "$patch")" "$note" >>"$raw"
    done
  done
  for ((run = 1; run <= runs; run++)); do
    for tool in "${apply_tools[@]}"; do
      patch="$work/patch.${tool%-nosync}"
      out="$work/out.$tool"
      rm -f "$out"
      read -r us rss <<<"$(measure $(apply_cmd "$tool" "$old" "$patch" "$out"))"
      if ! cmp -s "$out" "$new"; then
        echo "error: $tool applied $pair wrongly" >&2
        exit 1
      fi
      printf '%s\t%s\tapply\t%d\t%s\t%s\t%s\t-\n' "$pair" "$tool" "$run" "$us" "$rss" \
        "$(stat -c %s "$patch")" >>"$raw"
    done
  done
done <"$corpus/MANIFEST"

mkdir -p "$root/bench/results"
result="$root/bench/results/delta-$(date +%F).txt"
{
  echo "# Delta benchmark, $(date -u '+%F %T UTC')"
  echo "# command: bench/delta/run.sh $runs   (medians of $runs runs per pair, tool and phase)"
  echo "# machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -r)"
  echo "# bsi: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "(working tree), zstd level 19, all methods, bsi_delta_tool with static libstdc++/libcrypto;" \
    "bsdiff $(dpkg-query -W -f='${Version}' bsdiff)," \
    "xdelta3 $(dpkg-query -W -f='${Version}' xdelta3), zstd $(zstd -V | grep -o 'v[0-9.]*' | head -n 1)"
  echo "# corpus (bench/corpus/delta/MANIFEST: package, library, old -> new version):"
  awk -F'\t' '{printf "#   %-16s %-26s %s -> %s\n", $1, $2, $3, $4}' "$corpus/MANIFEST"
  echo
  python3 - "$raw" <<'EOF'
import collections, statistics, sys

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
create_tools = ["bsi", "bsdiff", "xdelta3", "zstd"]
apply_tools = ["bsi", "bsi-nosync", "bsdiff", "xdelta3", "zstd"]
pairs = list(dict.fromkeys(r[0] for r in rows))
samples = collections.defaultdict(list)
size, method = {}, {}
for pair, tool, phase, _, us, rss, patch, note in rows:
    samples[pair, tool, phase].append((int(us), int(rss)))
    size[pair, tool] = int(patch)
    if tool == "bsi" and phase == "create":
        method[pair] = note

def med(pair, tool, phase, i):
    return statistics.median(s[i] for s in samples[pair, tool, phase])

def table(title, tools, digits, cell, total, total_label="total"):
    print(title)
    width = max(len(p) for p in pairs)
    base_index = tools.index("bsdiff")
    print(f"{'pair':<{width}}  " + "  ".join(f"{t:>10}" for t in tools)
          + ("  bsi method" if cell is None else ""))
    for p in pairs:
        values = [size[p, t] if cell is None else cell(p, t) for t in tools]
        extra = "  " + method[p] if cell is None else ""
        print(f"{p:<{width}}  " + "  ".join(f"{v:>10,.{digits}f}" for v in values) + extra)
    totals = [total(t) for t in tools]
    print(f"{total_label:<{width}}  " + "  ".join(f"{v:>10,.{digits}f}" for v in totals))
    base = totals[base_index]
    print(f"{'vs bsdiff':<{width}}  " + "  ".join(f"{v / base:>10.2f}" for v in totals))
    print()

table("Patch size (bytes)", create_tools, 0, None,
      lambda t: sum(size[p, t] for p in pairs))
for phase, tools in (("create", create_tools), ("apply", apply_tools)):
    table(f"{phase.capitalize()} time (ms, median of runs)", tools, 1,
          lambda p, t, ph=phase: med(p, t, ph, 0) / 1000,
          lambda t, ph=phase: sum(med(p, t, ph, 0) / 1000 for p in pairs))
    table(f"{phase.capitalize()} peak memory (MiB, max RSS, median of runs)", tools, 1,
          lambda p, t, ph=phase: med(p, t, ph, 1) / 1024,
          lambda t, ph=phase: max(med(p, t, ph, 1) / 1024 for p in pairs),
          "largest")
EOF
} | tee "$result"
echo "written to ${result#"$root/"}" >&2

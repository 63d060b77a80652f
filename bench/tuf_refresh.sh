#!/usr/bin/env bash
# Benchmarks a TUF refresh (bench/tuf_refresh_bench.cc) and prints one table:
# refresh times and peak memory next to the floors measured on the same
# bytes (sha256, Ed25519 verification, JSON parsing, canonicalization) and
# to `openssl speed`. Writes the table to bench/results/tuf_refresh-<date>.txt.
#   bash bench/tuf_refresh.sh
# Takes about two minutes. See bench/README.md for how to read the table.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh release tuf_refresh_bench
bin=build/release/bench/tuf_refresh_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
repo=$tmp/repo
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== writing the repository (10,000 targets, 3 delegated roles)" >&2
/usr/bin/time -v -o "$tmp/write.time" "$bin" --bsi_write_repo="$repo"

echo "== timing: 5 repetitions, medians" >&2
"$bin" --bsi_repo_dir="$repo" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_out="$tmp/bench.json" --benchmark_out_format=json

echo "== peak memory: /usr/bin/time -v, one benchmark per process" >&2
# Max RSS of a run with a few iterations of one benchmark (min_time is tiny,
# so each runs about once; peaks do not add up across iterations).
max_rss_kb() {
  /usr/bin/time -v -o "$tmp/rss.time" "$bin" --bsi_repo_dir="$repo" "$@" >/dev/null 2>&1
  awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/rss.time"
}
rss_write=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/write.time")
rss_setup=$(max_rss_kb --bsi_setup_only)
declare -A rss
for run in RefreshFromScratch/memory RefreshNoChange/memory RefreshFromScratch/http \
  RefreshNoChange/http; do
  rss[$run]=$(max_rss_kb --benchmark_filter="^BM_$run/" --benchmark_min_time=0.001)
done

echo "== openssl speed -seconds 1 ed25519 sha256" >&2
openssl speed -seconds 1 ed25519 sha256 >"$tmp/openssl.txt" 2>/dev/null
# "sha256 ... 1665359.13k": 1000s of bytes/s at 16 KiB blocks (the last column).
sha256_kbps=$(awk '$1 == "sha256" {v = $NF; sub(/k$/, "", v); print v}' "$tmp/openssl.txt")
ed25519_verify_per_s=$(awk '/Ed25519/ {print $NF}' "$tmp/openssl.txt")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Median of a benchmark's field: times in ms, counters as they are.
median() {
  jq -r --arg run "$1" --arg field "$2" '
    .benchmarks[] | select(.run_name == $run and .aggregate_name == "median")
    | if ($field == "real_time" or $field == "cpu_time") then
        .[$field] * ({"ns": 1e-6, "us": 1e-3, "ms": 1, "s": 1e3}[.time_unit])
      else .[$field] end' "$tmp/bench.json"
}

{
  echo "TUF refresh benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
    "Linux $(uname -r), $(gcc --version | head -1); load average before/after: $load_before / $load_after"
  echo "Repository: $(jq -r '.context.targets' "$tmp/bench.json") targets" \
    "(2,500 top-level + 3 delegated roles x 2,500), Ed25519, consistent snapshots," \
    "$(du -sb "$repo/metadata" | cut -f1) bytes of metadata on disk"
  echo "Command: bash bench/tuf_refresh.sh (medians of 5 repetitions; wall = elapsed, CPU = client thread)"
  echo
  for run in BM_RefreshFromScratch/memory BM_RefreshNoChange/memory \
    BM_RefreshFromScratch/http BM_RefreshNoChange/http; do
    key=${run#BM_}
    label=${key/RefreshFromScratch\//from scratch, }
    label=${label/RefreshNoChange\//no change, }
    echo "R|$label|$(median "$run/manual_time" real_time)|$(median "$run/manual_time" cpu_time)|$(median "$run/manual_time" files_fetched)|$(median "$run/manual_time" bytes_fetched)|${rss[$key]}"
  done
  for run in BM_Floor_HashAllMetadata BM_Floor_VerifySignatures BM_Floor_ParseJson \
    BM_Floor_Canonicalize; do
    echo "F|$run|$(median "$run" real_time)|$(median "$run" cpu_time)|$(median "$run" files)|$(median "$run" bytes)|$(median "$run" signatures)"
  done
  echo "O|$ed25519_verify_per_s|$sha256_kbps|$rss_setup|$rss_write"
} >"$tmp/raw.txt"

summary=$(awk -F'|' '
  NR <= 4 || /^$/ { print; next }
  $1 == "R" { n++; name[n] = $2; wall[n] = $3; cpu[n] = $4; files[n] = $5; bytes[n] = $6; rss[n] = $7 }
  $1 == "F" { m++; fname[m] = $2; fwall[m] = $3; fcpu[m] = $4; nfiles = $5; nbytes = $6; nsig = $7
              fwall_sum += $3; fcpu_sum += $4 }
  $1 == "O" { verify_s = $2; sha_kbps = $3; rss_setup = $4; rss_write = $5 }
  END {
    ossl_verify = nsig / verify_s * 1000; ossl_sha = nbytes / (sha_kbps * 1000) * 1000
    ossl = ossl_verify + ossl_sha
    printf "%-28s %8s %8s %17s %10s %9s %9s\n", "Refresh", "wall ms", "CPU ms", "files/KiB fetched", "wall/floor", "CPU/floor", "CPU/ossl"
    for (i = 1; i <= n; i++)
      printf "%-28s %8.2f %8.2f %7d/%9.1f %10.1f %9.1f %9.1f\n", name[i], wall[i], cpu[i], files[i], bytes[i] / 1024, wall[i] / fwall_sum, cpu[i] / fcpu_sum, cpu[i] / ossl
    printf "\nFloors on the %d files a from-scratch refresh reads (%.1f KiB, %d signatures)\n", nfiles, nbytes / 1024, nsig
    printf "%-28s %8s %8s\n", "", "wall ms", "CPU ms"
    for (i = 1; i <= m; i++) { sub(/^BM_Floor_/, "", fname[i]); printf "  %-26s %8.2f %8.2f\n", fname[i], fwall[i], fcpu[i] }
    printf "  %-26s %8.2f %8.2f\n", "floor sum", fwall_sum, fcpu_sum
    printf "  %-26s %17.2f  = %d verifications at %.0f verify/s (%.2f ms)\n", "openssl speed floor", ossl, nsig, verify_s, ossl_verify
    printf "  %-26s %17s  + %.1f KiB of sha256 at %.0f MB/s, 16 KiB blocks (%.2f ms)\n", "", "", nbytes / 1024, sha_kbps / 1000, ossl_sha
    printf "\nPeak RSS, MiB (/usr/bin/time -v: maximum resident set size)  total  above setup\n"
    printf "  %-56s %6.1f\n", "setup only (repository loaded, HTTP server started)", rss_setup / 1024
    printf "  %-56s %6.1f\n", "writing the repository (simulator; its own process)", rss_write / 1024
    for (i = 1; i <= n; i++) printf "  %-56s %6.1f %+12.1f\n", "refresh " name[i], rss[i] / 1024, (rss[i] - rss_setup) / 1024
  }' "$tmp/raw.txt")

mkdir -p bench/results
out=bench/results/tuf_refresh-$(date -u +%Y-%m-%d).txt
printf '%s\n' "$summary" | tee "$out"
echo "(written to $out)" >&2

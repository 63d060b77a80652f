#!/usr/bin/env bash
# Measures of bsi-agent (issue goals in parentheses), with public tools:
#  - idle resident memory of `bsi-agent run` after its first pass (<= 8 MB),
#    from /proc/PID/status (VmRSS), with a repository on 127.0.0.1: that
#    process is bsi-agent-scheduler (run exec's it), each pass a child;
#  - the peak resident memory of one pass (what a pass's child process
#    needs while it runs): maximum RSS from /usr/bin/time (%M) of the
#    installing `bsi-agent check-now` and of no-change ones (median of RUNS);
#  - CPU time of a no-change check (`bsi-agent check-now` when up to date),
#    user + system from /usr/bin/time, median of RUNS;
#  - the component store's activation-to-commit and rollback times for
#    trees of 1 and 100 MiB (a few ms, independent of size): store_bench.
# Writes bench/results/agent-<date>.txt.
#
# Usage: bench/agent/run.sh [RUNS]   (default 9; about a minute)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-9}"
build="${BSI_AGENT_BUILD_DIR:-$root/build/agent-bench}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBSI_BUILD_TESTS=OFF \
  -DBSI_BUILD_BENCH=ON >/dev/null
ninja -C "$build" bsi bsi-agent bsi-agent-scheduler store_bench >/dev/null
bsi="$build/cli/bsi"
agent="$build/agent/bsi-agent"

work="$(mktemp -d)"
server_pid=""
agent_pid=""
cleanup() {
  [[ -n "$agent_pid" ]] && kill "$agent_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A repository with one improvement of a 700 KiB component.
mkdir -p "$work/base/lib" "$work/a/lib"
head -c 716800 /dev/urandom >"$work/base/lib/libwebkit.so"
cp "$work/base/lib/libwebkit.so" "$work/a/lib/libwebkit.so"
printf 'fix' | dd of="$work/a/lib/libwebkit.so" bs=1 seek=4096 conv=notrunc 2>/dev/null
"$bsi" repo init --repo "$work/repo" --keys "$work/keys" >/dev/null
"$bsi" release create --repo "$work/repo" --keys "$work/keys" --product acme-os --base 26.3.1 \
  --component "webkit=$work/base:$work/a" --cve CVE-2026-20643:high --waves now >/dev/null
port=$((20000 + RANDOM % 20000))
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/repo" >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/metadata/1.root.json" >/dev/null && break; sleep 0.1; done
cat >"$work/agent.toml" <<TOML
[device]
id = "bench-device"
product = "acme-os"
base_version = "26.3.1"
[repository]
metadata_url = "http://127.0.0.1:$port/metadata/"
targets_url = "http://127.0.0.1:$port/targets/"
trusted_root = "$work/repo/metadata/1.root.json"
[agent]
state_dir = "$work/state"
poll_interval = "1h"
[[component]]
name = "webkit"
base_tree = "$work/base"
install_path = "$work/opt/webkit"
TOML
"/usr/bin/time" -f "%M" -o "$work/time" \
  "$agent" --config "$work/agent.toml" check-now >/dev/null   # installs (a)
install_peak_kb="$(cat "$work/time")"

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# No-change checks: CPU time (user + system) and peak RSS of each.
cpu=()
peak=()
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%U %S %M" -o "$work/time" "$agent" --config "$work/agent.toml" check-now >/dev/null
  cpu+=("$(awk '{printf "%.0f", ($1 + $2) * 1000}' "$work/time")")
  peak+=("$(awk '{print $3}' "$work/time")")
done
cpu_median="$(median "${cpu[@]}")"
peak_median_kb="$(median "${peak[@]}")"

# Idle memory of the daemon after its first pass: `bsi-agent run` exec's
# the scheduler (same PID), whose pass has ended by the time it logs it.
"$agent" --config "$work/agent.toml" run 2>"$work/run.log" &
agent_pid=$!
for _ in $(seq 100); do grep -q "up-to-date" "$work/run.log" 2>/dev/null && break; sleep 0.1; done
grep -q "up-to-date" "$work/run.log" || { cat "$work/run.log" >&2; exit 1; }
sleep 1
idle_exe="$(basename "$(readlink "/proc/$agent_pid/exe")")"
rss_kb="$(awk '/VmRSS/ {print $2}' "/proc/$agent_pid/status")"
hwm_kb="$(awk '/VmHWM/ {print $2}' "/proc/$agent_pid/status")"
# What is the agent's own (private, written) and what is mapped library code.
private_kb="$(awk '/^Private_Dirty/ {print $2}' "/proc/$agent_pid/smaps_rollup")"
pss_kb="$(awk '/^Pss:/ {print $2}' "/proc/$agent_pid/smaps_rollup")"
libs="$(awk '/^[0-9a-f]+-/ {name = $6} /^Rss:/ {rss[name] += $2}
  END {for (n in rss) if (n ~ /\.so/) printf "%d %s\n", rss[n], n}' "/proc/$agent_pid/smaps" |
  sort -rn | head -n 5 | awk '{n = split($2, p, "/"); printf "%s %.1f MiB, ", p[n], $1 / 1024}')"
kill "$agent_pid"; agent_pid=""

store="$("$build/bench/agent/store_bench" --runs="$runs" --sizes=1,100)"

mib() { echo "$(($1 / 1024)).$((($1 % 1024) * 10 / 1024))"; }
mkdir -p "$root/bench/results"
result="$root/bench/results/agent-$(date +%F).txt"
{
  echo "# bsi-agent measures, $(date -u '+%F %T UTC')"
  echo "# command: bench/agent/run.sh $runs"
  echo "# machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
    "$(uname -r); bsi $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), Release"
  echo
  echo "idle resident memory of 'bsi-agent run' after its first pass: $(mib "$rss_kb") MiB (VmRSS $rss_kb kB, peak VmHWM $hwm_kb kB; the process is $idle_exe)"
  echo "  of which private dirty (heap, stacks, data): $private_kb kB; PSS $pss_kb kB"
  echo "  largest mapped libraries (shared, clean file pages): ${libs%, }"
  echo "peak resident memory of one pass (a child process, for the pass only; /usr/bin/time %M):" \
    "installing (a) $(mib "$install_peak_kb") MiB ($install_peak_kb kB)," \
    "no-change median $(mib "$peak_median_kb") MiB ($peak_median_kb kB; samples: ${peak[*]})"
  echo "CPU time of a no-change check ('bsi-agent check-now', whole process): median $cpu_median ms of $runs (user+system; samples: ${cpu[*]})"
  echo
  echo "$store"
} | tee "$result"
echo "written to $result" >&2

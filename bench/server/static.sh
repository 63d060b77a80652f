#!/usr/bin/env bash
# Static files: requests/s of bsi-server's HTTP layer (HttpServer with
# StaticFiles, as bsi_static_server_bench) next to nginx, both serving the same
# TUF repository directory on 127.0.0.1 with 2 workers, measured by wrk on
# metadata/timestamp.json over keep-alive connections. The two servers run
# side by side and are measured in alternation, ROUNDS times each, with
# each server's own CPU time per request (/proc/PID/stat around its rounds:
# less sensitive to other load on the machine); the script prints the
# medians and their ratios and writes bench/results/server-static-<date>.txt.
#
#   bash bench/server/static.sh [ROUNDS] [DURATION] [CONNECTIONS] [WRK_THREADS] [FILE]
#   defaults:                     5        10s        64            2             metadata/timestamp.json
#
# Environment: BSI_STATIC_BENCH_BUILD_DIR  build directory (default
#              build/server-bench; configured Release, only
#              bsi_static_server_bench is built).
#              BSI_STATIC_BENCH_WORKERS    server workers: nginx
#              worker_processes and bsi threads (default 2).
#
# nginx runs with a minimal configuration in a temporary directory (pid,
# logs and temp paths there): the Debian defaults that matter here (sendfile
# on, tcp_nopush on, no open_file_cache), access_log off (bsi does not log
# requests either) and keepalive_requests raised so that wrk's connections
# live through a round for both servers. Needs nginx and wrk
# (scripts/setup.sh installs them).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-5}"
duration="${2:-10s}"
connections="${3:-64}"
wrk_threads="${4:-2}"
file="${5:-metadata/timestamp.json}"
workers="${BSI_STATIC_BENCH_WORKERS:-2}"
build="${BSI_STATIC_BENCH_BUILD_DIR:-$root/build/server-bench}"
for tool in nginx wrk curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: bash scripts/setup.sh" >&2; exit 1; }
done

work="$(mktemp -d /tmp/bsi-static-bench.XXXXXX)"
chmod 755 "$work"  # nginx workers run as an unprivileged user
nginx_pid=""
bsi_pid=""
cleanup() {
  for pid in $nginx_pid $bsi_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

if ! { cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBSI_BUILD_TESTS=OFF \
  -DBSI_BUILD_BENCH=ON && cmake --build "$build" --target bsi_static_server_bench; } \
  >"$work/build.log" 2>&1; then
  tail -n 30 "$work/build.log" >&2
  echo "building bsi_static_server_bench failed" >&2
  exit 1
fi
bench_bin="$build/bench/server/bsi_static_server_bench"

# A small TUF repository: timestamp.json of a realistic size (one Ed25519
# signature, one snapshot entry), a few versioned files and a target.
repo="$work/repo"
mkdir -p "$repo/metadata" "$repo/targets"
hex64() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
cat >"$repo/metadata/timestamp.json" <<EOF
{
 "signatures": [
  {
   "keyid": "$(hex64)",
   "sig": "$(hex64)$(hex64)"
  }
 ],
 "signed": {
  "_type": "timestamp",
  "expires": "2030-01-01T00:00:00Z",
  "meta": {
   "snapshot.json": {
    "hashes": {
     "sha256": "$(hex64)"
    },
    "length": 1520,
    "version": 42
   }
  },
  "spec_version": "1.0.31",
  "version": 4242
 }
}
EOF
for v in 1 2 3; do cp "$repo/metadata/timestamp.json" "$repo/metadata/$v.root.json"; done
head -c 100000 /dev/urandom >"$repo/targets/$(hex64).bundle"
chmod -R a+rX "$repo"
[ -f "$repo/$file" ] || { echo "no $file in the benchmark repository" >&2; exit 1; }

# nginx.
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  types { application/json json; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $repo;
  }
}
EOF
nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!

# bsi.
"$bench_bin" "$repo" 127.0.0.1:0 "$workers" >"$work/bsi.out" 2>"$work/bsi.err" &
bsi_pid=$!

wait_for() {  # URL: until it answers 200, for up to 10 s
  for _ in $(seq 100); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ]; then return 0; fi
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}
for _ in $(seq 100); do grep -q '^port ' "$work/bsi.out" && break; sleep 0.1; done
bsi_port=$(awk '/^port / {print $2}' "$work/bsi.out")
nginx_url="http://127.0.0.1:$nginx_port/$file"
bsi_url="http://127.0.0.1:$bsi_port/$file"
wait_for "$nginx_url"
wait_for "$bsi_url"
cmp <(curl -s "$nginx_url") <(curl -s "$bsi_url") || { echo "the servers differ" >&2; exit 1; }

# One wrk run: prints requests/s; fails on errors or non-2xx answers.
measure() {
  local out
  out=$(wrk -t"$wrk_threads" -c"$connections" -d"$1" "$2")
  echo "$out" >>"$work/wrk.log"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "wrk saw errors against $2:" >&2
    echo "$out" >&2
    return 1
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}
# CPU time (user + system, clock ticks) used so far by the given processes.
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
# One measured round of a server: "requests/s CPU-microseconds-per-request".
round() {  # URL PID...
  local url=$1 before after rps
  shift
  before=$(cpu_ticks "$@")
  rps=$(measure "$duration" "$url")
  after=$(cpu_ticks "$@")
  awk -v rps="$rps" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v d="$duration" \
    'BEGIN {sub(/s$/, "", d); printf "%s %.1f\n", rps, ticks / hz * 1e6 / (rps * d)}'
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== warm-up (2 s each)" >&2
measure 2s "$nginx_url" >/dev/null
measure 2s "$bsi_url" >/dev/null
nginx_pids=("$nginx_pid" $(pgrep -P "$nginx_pid"))  # the master and its workers
nginx_runs=()
bsi_runs=()
nginx_cpu=()
bsi_cpu=()
for i in $(seq "$rounds"); do
  read -r n n_cpu < <(round "$nginx_url" "${nginx_pids[@]}")
  read -r b b_cpu < <(round "$bsi_url" "$bsi_pid")
  [ -n "${n:-}" ] && [ -n "${b:-}" ] || { echo "round $i failed (see above)" >&2; exit 1; }
  nginx_runs+=("$n")
  bsi_runs+=("$b")
  nginx_cpu+=("$n_cpu")
  bsi_cpu+=("$b_cpu")
  echo "round $i: nginx $n req/s ($n_cpu us CPU/request), bsi $b req/s ($b_cpu us CPU/request)" >&2
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
nginx_median=$(printf '%s\n' "${nginx_runs[@]}" | median)
bsi_median=$(printf '%s\n' "${bsi_runs[@]}" | median)
nginx_cpu_median=$(printf '%s\n' "${nginx_cpu[@]}" | median)
bsi_cpu_median=$(printf '%s\n' "${bsi_cpu[@]}" | median)
ratio=$(awk -v b="$bsi_median" -v n="$nginx_median" 'BEGIN {printf "%.2f", b / n}')
cpu_ratio=$(awk -v b="$bsi_cpu_median" -v n="$nginx_cpu_median" 'BEGIN {printf "%.2f", n / b}')

mkdir -p "$root/bench/results"
result="$root/bench/results/server-static-$(date +%F).txt"
{
  echo "# Static files: bsi-server (server/http) vs nginx, $(date -u '+%F %T UTC')"
  echo "# command: bash bench/server/static.sh $rounds $duration $connections $wrk_threads $file"
  echo "#   each round: wrk -t$wrk_threads -c$connections -d$duration against each server, alternating;" \
    "$rounds rounds, medians"
  echo "# machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
    "Linux $(uname -r), $(c++ --version | head -n 1)"
  echo "# load average before/after: $load_before / $load_after (wrk and both servers share the CPUs)"
  echo "# nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes $workers," \
    "sendfile on, access_log off; wrk: $(wrk -v 2>&1 | head -n 1 | awk '{print $2}')"
  echo "# bsi: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown) (working tree)," \
    "Release build, bsi_static_server_bench with $workers threads"
  echo "# file: $file, $(stat -c %s "$repo/$file") bytes"
  echo
  echo "Requests/s, and the server's own CPU time (user + system) per request in microseconds"
  printf '%-8s %14s %14s %14s %14s\n' round "nginx req/s" "bsi req/s" "nginx us/req" "bsi us/req"
  for i in "${!nginx_runs[@]}"; do
    printf '%-8s %14s %14s %14s %14s\n' "$((i + 1))" "${nginx_runs[$i]}" "${bsi_runs[$i]}" \
      "${nginx_cpu[$i]}" "${bsi_cpu[$i]}"
  done
  printf '%-8s %14s %14s %14s %14s\n' median "$nginx_median" "$bsi_median" "$nginx_cpu_median" \
    "$bsi_cpu_median"
  echo
  echo "bsi / nginx requests/s = $ratio (goal: >= 0.80)"
  echo "nginx / bsi CPU per request = $cpu_ratio (the same comparison, less sensitive to other load)"
} | tee "$result"
echo "written to $result" >&2

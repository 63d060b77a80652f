#!/usr/bin/env bash
# Status reports ingested per second by bsi-server over real HTTP, with many
# concurrent devices, on SQLite and on PostgreSQL, side by side in one run.
# DEVICES devices enroll first; then wrk (ingest.lua) sends each request as
# one device's report with a fresh idempotency key, over CONNECTIONS
# keep-alive connections. Every report is acknowledged only after the
# transaction holding it committed: SQLite with synchronous=FULL in WAL
# mode, PostgreSQL with fsync on (BSI_POSTGRES_FSYNC=on).
#
#   bash bench/server/ingest.sh [ROUNDS] [DURATION] [CONNECTIONS] [DEVICES]
#   defaults:                     5       10s        64            1000
#
# Prints the median reports/s of each engine and writes
# bench/results/server-ingest-<date>.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-5}"
duration="${2:-10s}"
connections="${3:-64}"
device_count="${4:-1000}"

command -v wrk >/dev/null || { echo "wrk is missing: bash scripts/setup.sh" >&2; exit 1; }
bash scripts/build.sh release bsi-server >/dev/null
server_bin="$PWD/build/release/server/bsi-server"

work="$(mktemp -d /tmp/bsi-ingest.XXXXXX)"
chmod 755 "$work"
server_pid=""
pg_dir="$work/pg"
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  bash tests/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_server() {  # DB_URL DATA_DIR -> sets url, server_pid
  local port
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  "$server_bin" --listen "127.0.0.1:$port" --db "$1" --data-dir "$2" 2>"$2.log" &
  server_pid=$!
  for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  cat "$2.log" >&2
  return 1
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# Enrolls device_count devices; writes "id token" lines to $1.
enroll() {
  local admin="$2"
  local token
  token="$(curl -fsS -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    --data '{"name":"bench"}' "$url/api/v1/enrollment-tokens" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
  python3 - "$url" "$token" "$device_count" >"$1" <<'PY'
import http.client, json, sys, urllib.parse
url, token, n = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection(url.hostname, url.port)
for i in range(n):
    body = json.dumps({"format": 1, "device_id": f"bench-{i:06d}", "product": "acme-os",
                       "base_version": "26.3.1", "hostname": ""})
    conn.request("POST", "/api/v1/enroll", body,
                 {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = conn.getresponse()
    data = json.loads(r.read())
    if r.status != 201:
        sys.exit(f"enrollment failed: {r.status} {data}")
    print(data["device_id"], data["device_token"])
PY
}

run_engine() {  # NAME DB_URL
  local name="$1" db="$2" data="$work/$1"
  mkdir -p "$data"
  start_server "$db" "$data"
  enroll "$work/$name.tokens" "$(cat "$data/initial-admin.token")"
  for r in $(seq "$rounds"); do
    local out
    out="$(BSI_TOKENS="$work/$name.tokens" wrk -t2 -c"$connections" -d"$duration" \
      -s bench/server/ingest.lua "$url" 2>&1)"
    if grep -q "Non-2xx" <<<"$out"; then
      echo "$name round $r: some reports were refused:" >&2
      echo "$out" >&2
      exit 1
    fi
    awk '/Requests\/sec/ {print $2}' <<<"$out" >>"$work/$name.rps"
    echo "$name round $r: $(tail -1 "$work/$name.rps") reports/s"
  done
  stop_server
}

median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

pg_port="$(free_port)"
pg_url="$(BSI_POSTGRES_FSYNC=on bash tests/postgres.sh start "$pg_dir" "$pg_port" | tail -1)"

run_engine sqlite "sqlite:$work/sqlite/fleet.db"
run_engine postgresql "$pg_url"

sqlite_median="$(median "$work/sqlite.rps")"
pg_median="$(median "$work/postgresql.rps")"
mkdir -p bench/results
result="bench/results/server-ingest-$(date +%F).txt"
{
  echo "# bsi-server status report ingestion over HTTP ($(date -u +%FT%TZ))"
  echo "# wrk -t2 -c$connections -d$duration, $device_count devices, $rounds rounds, $(nproc) cores"
  echo "sqlite      median $sqlite_median reports/s   rounds: $(paste -sd' ' "$work/sqlite.rps")"
  echo "postgresql  median $pg_median reports/s   rounds: $(paste -sd' ' "$work/postgresql.rps")"
} | tee "$result"

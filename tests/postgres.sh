#!/usr/bin/env bash
# A throwaway PostgreSQL server for the fleet database's tests and
# benchmarks: a fresh cluster that listens on 127.0.0.1 only, with a
# superuser `bsi` (trust authentication: loopback, test data only) and a
# database `bsi`.
#
#   tests/postgres.sh start DIR [PORT]  initdb into DIR, start the server on
#                                       PORT (default: a free port), write
#                                       its URL to DIR/url and print it
#   tests/postgres.sh stop DIR          stop the server and remove DIR
#
# ctest runs `start` as the fixture postgres_start (and `stop` as
# postgres_stop) around the PostgreSQL tests, with DIR in the build tree.
#
# The cluster runs with fsync=off unless BSI_POSTGRES_FSYNC=on: without
# fsync a power cut can corrupt it, which a test cluster that lives for one
# test run can afford, and the tests run several times faster. Benchmarks
# set BSI_POSTGRES_FSYNC=on, so that commits cost what they cost in
# production.
#
# As root (CI, containers) the server runs as the `postgres` system user,
# since PostgreSQL refuses to run as root; otherwise as the caller.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR [PORT] | stop DIR" >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
command="$1"
dir="$2"
port="${3:-}"

bin="${BSI_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
if [[ ! -x "$bin/pg_ctl" ]]; then
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
fi
if [[ -z "$bin" || ! -x "$bin/pg_ctl" ]]; then
  echo "postgres.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2
  exit 1
fi

as_server() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop() {
  rm -f "$dir/url"
  if [[ -f "$dir/datadir" ]]; then
    local data
    data="$(cat "$dir/datadir")"
    if [[ -f "$data/PG_VERSION" ]]; then
      as_server "$bin/pg_ctl" -D "$data" stop -m fast -w >/dev/null 2>&1 || true
    fi
    rm -rf "$data"
  fi
  if [[ -f "$dir/socketdir" ]]; then rm -rf "$(cat "$dir/socketdir")"; fi
  rm -rf "$dir"
}

# Whether something accepts connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  stop  # whatever an interrupted run left there
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  local data="$dir/data"
  local sockets="$dir"
  if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres: "$dir"
    # The server user must reach DIR through its parents.
    if ! runuser -u postgres -- test -x "$dir"; then
      data="$(mktemp -d /tmp/bsi-postgres-data.XXXXXX)"
      sockets="$data"
      chown postgres: "$data"
    fi
  fi
  # A Unix socket path is limited to 107 bytes.
  if [[ ${#sockets} -gt 80 ]]; then
    sockets="$(mktemp -d /tmp/bsi-postgres-socket.XXXXXX)"
    echo "$sockets" >"$dir/socketdir"
    if [[ "$(id -u)" -eq 0 ]]; then chown postgres: "$sockets"; fi
  fi
  echo "$data" >"$dir/datadir"

  as_server "$bin/initdb" -D "$data" -U bsi --auth=trust --encoding=UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  local fsync="${BSI_POSTGRES_FSYNC:-off}"
  local attempt
  for attempt in $(seq 20); do
    local try="$port"
    if [[ -z "$try" ]]; then
      try=$((20000 + RANDOM % 30000))
      port_in_use "$try" && continue
    fi
    if as_server "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $try -k $sockets -c fsync=$fsync" >/dev/null; then
      port="$try"
      break
    fi
    # Another process took the port first (or it was given and busy).
    if [[ -n "$port" || "$attempt" -eq 20 ]]; then
      cat "$data/server.log" >&2
      exit 1
    fi
  done
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U bsi bsi
  local url="postgresql://bsi@127.0.0.1:$port/bsi"
  echo "$url" >"$dir/url.tmp"
  mv "$dir/url.tmp" "$dir/url"
  echo "$url"
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac

#!/usr/bin/env bash
# The fleet database's goals, measured on both engines with fleet_db_bench
# (bench/server/fleet_db_bench.cc):
#  - Exposure(cve) over 100,000 devices in under 100 ms (median of RUNS);
#  - reports ingested per second through IngestReports, 8 threads, batches
#    of 64 and of 1, REPORTS reports each, changing each device's state
#    and repeating it.
# SQLite: a file in a temporary directory (WAL, synchronous=FULL).
# PostgreSQL: a fresh cluster from tests/postgres.sh, with fsync ON (unlike
# the test cluster), so that commits cost what they cost in production.
# Writes bench/results/fleet-db-<date>.txt.
#
# Usage: bench/server/fleet_db.sh [DEVICES] [RUNS] [REPORTS]
#        defaults:                  100000    9      20000
# (about 10 minutes: populating 100,000 devices is most of it). Set
# BSI_FLEET_DB_BENCH to a built fleet_db_bench to skip the build.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
devices="${1:-100000}"
runs="${2:-9}"
reports="${3:-20000}"

bench="${BSI_FLEET_DB_BENCH:-}"
if [[ -z "$bench" ]]; then
  build="$root/build/fleet-db-bench"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBSI_BUILD_TESTS=OFF \
    -DBSI_BUILD_BENCH=ON >/dev/null
  ninja -C "$build" fleet_db_bench >/dev/null
  bench="$build/bench/server/fleet_db_bench"
fi

work="$(mktemp -d /tmp/bsi-fleet-db-bench.XXXXXX)"
chmod 755 "$work"
cleanup() {
  bash "$root/tests/postgres.sh" stop "$work/postgres" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

flags=(--devices="$devices" --runs="$runs" --reports="$reports" --threads=8)
psql="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# Each engine: populate (timed), then measure in a second run of the same
# database. PostgreSQL gets VACUUM ANALYZE in between, as autovacuum gives a
# database in service: without statistics its planner picks nested loops
# over a 100,000-row table it believes nearly empty.
"$bench" --url="sqlite:$work/fleet.db" "${flags[@]}" --populate_only=1 >"$work/sqlite.txt"
"$bench" --url="sqlite:$work/fleet.db" "${flags[@]}" | grep -v '^populated: reusing' \
  >>"$work/sqlite.txt"
sqlite_size="$(du -ch "$work"/fleet.db* | tail -n 1 | cut -f1)"
url="$(BSI_POSTGRES_FSYNC=on bash "$root/tests/postgres.sh" start "$work/postgres")"
"$bench" --url="$url" "${flags[@]}" --populate_only=1 >"$work/postgres.txt"
"$psql" "$url" -qc "VACUUM ANALYZE"
"$bench" --url="$url" "${flags[@]}" | grep -v '^populated: reusing' >>"$work/postgres.txt"
postgres_size="$("$psql" "$url" -Atc "SELECT pg_size_pretty(pg_database_size('bsi'))")"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$root/bench/results"
result="$root/bench/results/fleet-db-$(date +%F).txt"
{
  echo "# fleet database measures, $(date -u '+%F %T UTC')"
  echo "# command: bench/server/fleet_db.sh $devices $runs $reports"
  echo "# machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
    "$(uname -r); bsi $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), Release"
  echo "# load average before / after: $load_before / $load_after"
  echo "# SQLite $(pkg-config --modversion sqlite3 2>/dev/null || echo '?'): WAL, synchronous=FULL;" \
    "PostgreSQL $("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/postgres" --version |
      awk '{print $3}'): fsync=on, defaults otherwise, 127.0.0.1"
  echo
  echo "== SQLite (database files: $sqlite_size)"
  awk '!/^engine/ || !seen++' "$work/sqlite.txt"
  echo
  echo "== PostgreSQL (database size: $postgres_size)"
  awk '!/^engine/ || !seen++' "$work/postgres.txt"
} | tee "$result"
echo "written to $result" >&2

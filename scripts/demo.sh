#!/usr/bin/env bash
# The main job: the whole system on one machine, unprivileged, under a
# temporary directory.
#
#   1. The vendor creates a signed repository and publishes "26.3.1 (a)",
#      fixing a demo CVE in a sample component (webkit).
#   2. bsi-server serves the repository and runs the fleet manager (SQLite).
#   3. A small fleet of bsi-agent daemons, each with its own device tree,
#      enrolls, installs the improvement silently and reports.
#   4. The fleet's state and the CVE's exposure are shown.
#   5. The vendor withdraws (a): the devices roll back. Then (b) replaces it.
#   6. The server keeps running for you to explore (URL and admin token
#      printed) until Ctrl-C, which stops everything cleanly.
#
# Options: --devices N (default 4), --no-wait (stop at the end instead of
# waiting for Ctrl-C), --skip-setup (no apt/npm, reuse the build).
set -euo pipefail
cd "$(dirname "$0")/.."

devices=4
wait_at_end=1
setup=1
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) devices="$2"; shift 2 ;;
    --no-wait) wait_at_end=0; shift ;;
    --skip-setup) setup=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$setup" = 1 ]; then
  bash scripts/setup.sh
  echo "== building bsi, bsi-agent (with bsi-agent-scheduler) and bsi-server (release)"
  bash scripts/build.sh release bsi bsi-agent bsi-agent-scheduler bsi-server >/dev/null
fi
bin="$PWD/build/release"
BSI="$bin/cli/bsi"
AGENT="$bin/agent/bsi-agent"
SERVER="$bin/server/bsi-server"
# `bsi-agent run` exec's the scheduler next to it.
for b in "$BSI" "$AGENT" "$bin/agent/bsi-agent-scheduler" "$SERVER"; do
  [ -x "$b" ] || { echo "missing $b: run without --skip-setup" >&2; exit 1; }
done

work="$(mktemp -d /tmp/bsi-fleet-demo.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "== stopping"; exit 0' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

# A sample component tree: a "library" and a version file.
make_tree() {  # DIR VERSION
  mkdir -p "$1/lib"
  printf 'webkit %s\n' "$2" >"$1/VERSION"
  head -c 200000 /dev/zero | tr '\0' 'w' >"$1/lib/libwebkit.so"
  printf '%s\n' "$2" >>"$1/lib/libwebkit.so"
}

say "1. The vendor creates a signed repository and publishes 26.3.1 (a)"
make_tree "$work/vendor/base" 2.44.0
make_tree "$work/vendor/fix-a" 2.44.1
make_tree "$work/vendor/fix-b" 2.44.2
"$BSI" repo init --repo "$work/vendor/repo" --keys "$work/vendor/keys" \
  --publisher "Acme Corp" --publisher-url https://acme.example >/dev/null
release() {  # TREE CVE...
  local tree="$1"; shift
  local cves=()
  for c in "$@"; do cves+=(--cve "$c"); done
  "$BSI" release create --repo "$work/vendor/repo" --keys "$work/vendor/keys" \
    --product acme-os --base 26.3.1 --component "webkit=$work/vendor/base:$tree" \
    --waves 0:100 "${cves[@]}"
}
release "$work/vendor/fix-a" "CVE-2026-20643:critical:Use after free in the JIT compiler"

say "2. bsi-server serves the repository and manages the fleet"
"$SERVER" --listen "127.0.0.1:$port" --repo "$work/vendor/repo" --data-dir "$work/server" \
  2>"$work/server.log" &
pids+=($!)
for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$url/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }
admin="$(cat "$work/server/initial-admin.token")"
api() {  # METHOD PATH [JSON]
  if [ $# -ge 3 ]; then
    curl -fsS -X "$1" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      --data "$3" "$url$2"
  else
    curl -fsS -X "$1" -H "Authorization: Bearer $admin" "$url$2"
  fi
}
echo "bsi-server at $url (log: $work/server.log)"
api POST /api/v1/enrollment-tokens '{"name":"demo-fleet","group":"default"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' >"$work/enrollment.token"
echo "an enrollment token for the group \"default\" is in $work/enrollment.token"

say "3. $devices devices enroll and keep themselves patched in the background"
for i in $(seq 1 "$devices"); do
  d="$work/device-$i"
  mkdir -p "$d"
  cp -r "$work/vendor/base" "$d/base"
  printf 'ID=acme-os\nVERSION_ID=26.3.1\n' >"$d/os-release"
  cat >"$d/health-check" <<EOF
#!/bin/sh
# The device's own check: the component's library loads (here: is readable).
test -r "$d/opt/webkit/lib/libwebkit.so"
EOF
  chmod +x "$d/health-check"
  cat >"$d/agent.toml" <<EOF
[device]
id = "kiosk-$i"
product = "acme-os"
base_version_file = "$d/os-release"

[repository]
metadata_url = "$url/metadata/"
targets_url = "$url/targets/"
trusted_root = "$work/vendor/repo/metadata/1.root.json"

[agent]
state_dir = "$d/state"
poll_interval = "10s"

[fleet]
server_url = "$url"
enrollment_token_file = "$work/enrollment.token"

[[component]]
name = "webkit"
base_tree = "$d/base"
install_path = "$d/opt/webkit"
health_check = ["$d/health-check"]
EOF
  "$AGENT" --config "$d/agent.toml" run 2>"$d/agent.log" &
  pids+=($!)
done

# Waits until every device reports `running` equal to $1 ("null" for the base).
wait_fleet() {
  local want="$1" what="$2"
  for _ in $(seq 120); do
    if api GET "/api/v1/devices?limit=1000" | python3 -c '
import json, sys
want = None if sys.argv[1] == "null" else sys.argv[1]
devices = json.load(sys.stdin)["devices"]
ok = len(devices) == int(sys.argv[2]) and all(d["running"] == want for d in devices)
sys.exit(0 if ok else 1)' "$want" "$devices"; then
      echo "all $devices devices: $what"
      return 0
    fi
    sleep 1
  done
  echo "the fleet did not reach \"$what\" in 2 minutes; agent logs:" >&2
  tail -n 5 "$work"/device-*/agent.log >&2
  return 1
}

# Tables of what the fleet API answers.
cat >"$work/show.py" <<'PY'
import json, sys
what, data = sys.argv[1], json.load(sys.stdin)
if what == "fleet":
    print("%-10s %-8s %-8s %-22s %-12s %s" % ("device", "group", "base", "running", "state", "last report"))
    for d in data["devices"]:
        print("%-10s %-8s %-8s %-22s %-12s %s" % (d["id"], d["group"], d["base_version"],
              d["running"] or "(base)", d["install_state"], d["last_report"]))
elif what == "exposure":
    reasons = ", ".join("%s: %d" % kv for kv in sorted(data["by_reason"].items())) or "-"
    print("%s: %d device(s) still exposed (%s)" % (data["cve"], data["exposed"], reasons))
elif what == "progress":
    print("rollout of %s: %s" % (data["improvement"],
          ", ".join("%s %s" % kv for kv in data["total"].items())))
PY
show_fleet() { api GET "/api/v1/devices?limit=1000" | python3 "$work/show.py" fleet; }
show_exposure() { api GET "/api/v1/exposure?cve=$1" | python3 "$work/show.py" exposure; }

wait_fleet "acme-os 26.3.1 (a)" "installed 26.3.1 (a)"

say "4. The fleet's state and the CVE's exposure, from the fleet API"
show_fleet
show_exposure CVE-2026-20643
echo "on device 1, bsi-agent status says:"
"$AGENT" --config "$work/device-1/agent.toml" status | sed 's/^/    /'

say "5. The vendor withdraws 26.3.1 (a): the devices roll back to the base"
"$BSI" release withdraw "26.3.1 (a)" --reason "crashes some kiosks on start" \
  --repo "$work/vendor/repo" --keys "$work/vendor/keys" >/dev/null
wait_fleet null "rolled back to the base 26.3.1"
show_fleet
show_exposure CVE-2026-20643

say "   ... and publishes 26.3.1 (b), which replaces it"
release "$work/vendor/fix-b" "CVE-2026-20643:critical:Use after free in the JIT compiler" \
  "CVE-2026-20650:high:Out-of-bounds read in the image decoder"
wait_fleet "acme-os 26.3.1 (b)" "installed 26.3.1 (b)"
show_fleet
show_exposure CVE-2026-20643
show_exposure CVE-2026-20650
api GET "/api/v1/improvements/acme-os%2026.3.1%20(b)/progress" | python3 "$work/show.py" progress

if [ "$wait_at_end" = 0 ]; then
  say "done"
  exit 0
fi
say "6. Explore: the server and the $devices agents keep running"
cat <<EOF
  server:        $url   (openapi: $url/openapi.json, metrics: $url/metrics)
  admin token:   $admin
  try:           curl -H "Authorization: Bearer $admin" $url/api/v1/devices
                 curl -H "Authorization: Bearer $admin" "$url/api/v1/exposure?cve=CVE-2026-20650"
                 $AGENT --config $work/device-1/agent.toml status
  files:         $work
Press Ctrl-C to stop everything (the directory is removed).
EOF
while :; do sleep 3600; done

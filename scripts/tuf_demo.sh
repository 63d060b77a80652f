#!/usr/bin/env bash
# A TUF client demonstration: a TUF repository written by an independent
# implementation (securesystemslib, scripts/demo_repo.py) is served over
# HTTP on 127.0.0.1, and bsi-tuf-client trusts it, follows its updates and
# key rotations, and refuses tampering and stale metadata.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== building (release)"
bash scripts/build.sh release bsi-tuf-client >/dev/null
client="$PWD/build/release/tools/tuf_client/bsi-tuf-client"

work="$(mktemp -d /tmp/bsi-demo.XXXXXX)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
repo() { /usr/bin/python3 scripts/demo_repo.py "$@"; }

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
md="$work/device/metadata"
tg="$work/device/targets"
run() { "$client" --metadata-url "$url/metadata/" --metadata-dir "$md" "$@"; }
download() { run --target-name "$1" --target-dir "$tg" --target-base-url "$url/targets/" download; }

say "The vendor creates a signed repository and publishes webkit-fix.txt"
repo init "$work/vendor"
repo publish "$work/vendor" webkit-fix.txt "CVE-2026-20643 fixed in webkit 621.1.2"
(cd "$work/vendor/repo" && exec /usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 \
  >"$work/http.log" 2>&1) &
server_pid=$!
for _ in $(seq 50); do curl -fs "$url/" >/dev/null 2>&1 && break; sleep 0.1; done
echo "repository served at $url"

say "The device installs the vendor's first root (no request is made)"
"$client" --metadata-dir "$md" init "$work/vendor/repo/metadata/1.root.json"

say "The device refreshes and downloads the artifact; every byte is verified"
download webkit-fix.txt
echo "artifact: $(cat "$tg/webkit-fix.txt")"

say "The vendor rotates the timestamp key and the root key, then publishes an update"
repo rotate "$work/vendor" timestamp
repo rotate "$work/vendor" root
repo publish "$work/vendor" webkit-fix.txt "CVE-2026-20643 and CVE-2026-20700 fixed in webkit 621.1.3"
download webkit-fix.txt
echo "artifact: $(cat "$tg/webkit-fix.txt")"
echo "trusted root is now version $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["version"])' "$md/root.json")"

say "An attacker on the mirror replaces the artifact: the device refuses it"
repo publish "$work/vendor" tls-fix.txt "libssl 3.0.20"
for f in "$work/vendor/repo/targets/"*.tls-fix.txt; do printf "libssl 6.6.66" >"$f"; done
if download tls-fix.txt; then echo "UNEXPECTED: tampered artifact accepted"; exit 1; fi
echo "refused, and nothing was written: $(ls "$tg")"

say "An attacker freezes the device on old metadata: one year later it is refused as expired"
if faketime "$(date -u -d '+400 days' '+%Y-%m-%d %H:%M:%S')" "$client" \
    --metadata-url "$url/metadata/" --metadata-dir "$md" refresh; then
  echo "UNEXPECTED: expired metadata accepted"; exit 1
fi

say "Requests the device made (in order)"
grep -o "\"GET /[^ ]\+" "$work/http.log" | sed "s/\"GET /  /"
say "Done: bsi-tuf-client followed two key rotations and refused tampering and a freeze attack."

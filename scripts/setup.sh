#!/usr/bin/env bash
# Installs every Debian package bsi needs to build, test, fuzz and benchmark,
# and the Node packages the security-notes validation test runs (tests/js).
# Idempotent: packages already installed are left as they are, and npm ci
# runs only when tests/js/package-lock.json changed since it last ran.
# Non-interactive (fine under CI=true with no stdin). Needs root (or sudo)
# for apt.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev libfuzzer-14-dev
  # libraries (each fenced behind one module of libbsi)
  libssl-dev libcurl4-openssl-dev libboost1.81-dev libboost-json1.81-dev
  libcli11-dev libzstd-dev libdivsufsort-dev libtomlplusplus-dev libsystemd-dev
  libsqlite3-dev libpq-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev faketime nginx wrk postgresql
  python3 python3-securesystemslib python3-nacl python3-cryptography
  time curl strace systemd util-linux
  # delta benchmarks compare against these tools
  bsdiff xdelta3 zstd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

# Node runs the CSAF and OSV validators (tests/js/validate.mjs). Any node and
# npm on PATH will do, so Debian's are installed only when none is there.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The exact versions of tests/js/package-lock.json, reinstalled only when the
# lock file changed (the stamp lives in node_modules, which npm ci replaces).
js="$repo/tests/js"
stamp="$js/node_modules/.bsi-package-lock.sha256"
lock_sum="$(sha256sum "$js/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  echo "setup: tests/js/node_modules up to date"
else
  echo "setup: npm ci in tests/js"
  npm ci --prefix "$js" --no-audit --no-fund --loglevel=error </dev/null >/dev/null
  echo "$lock_sum" >"$stamp"
fi
echo "setup: done"

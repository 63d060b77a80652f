#!/usr/bin/env bash
# Installs every Debian package bsi needs to build, test, fuzz and benchmark.
# Idempotent: packages already installed are left as they are. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev libfuzzer-14-dev
  # libraries (each fenced behind one module of libbsi)
  libssl-dev libcurl4-openssl-dev libboost1.81-dev libboost-json1.81-dev
  libcli11-dev libzstd-dev libdivsufsort-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev faketime
  python3 python3-securesystemslib python3-nacl python3-cryptography
  time curl
  # delta benchmarks compare against these tools
  bsdiff xdelta3 zstd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"

#!/usr/bin/env bash
# Configures and builds one CMake preset (default: release), optionally
# only some targets.
#   scripts/build.sh [debug|release|asan|ci|fuzz] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
cmake --preset "$preset" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build --preset "$preset" -j "$(nproc)" --target "$@"
else
  cmake --build --preset "$preset" -j "$(nproc)"
fi

#!/usr/bin/env bash
# The test command: installs what the project needs, builds with
# AddressSanitizer + UndefinedBehaviorSanitizer and warnings as errors, and
# runs every test with ctest, then the static checks (scripts/lint.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh ci
ctest --preset ci -j "$(nproc)" --timeout 600
bash scripts/lint.sh

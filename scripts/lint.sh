#!/usr/bin/env bash
# Static checks: every C++ file in clang-format's style, and clang-tidy
# (.clang-tidy, warnings as errors) over libbsi, the programs and the test
# support. Uses the debug preset's compile_commands.json.
#   scripts/lint.sh [--format-only]
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc')
echo "lint: clang-format on ${#files[@]} files"
clang-format --dry-run -Werror "${files[@]}"
[ "${1:-}" = "--format-only" ] && exit 0
cmake --preset debug >/dev/null
mapfile -t sources < <(git ls-files 'bsi/*.cc' 'agent/*.cc' 'server/*.cc' 'tools/*.cc' 'testing/*.cc' | grep -v '_test\.cc$')
echo "lint: clang-tidy on ${#sources[@]} files"
run-clang-tidy -quiet -p build/debug -j "$(nproc)" "${sources[@]}" >/tmp/bsi-clang-tidy.log 2>&1 || {
  grep -E 'warning:|error:' /tmp/bsi-clang-tidy.log | sort -u | head -50
  echo "lint: clang-tidy found problems (full log: /tmp/bsi-clang-tidy.log)"
  exit 1
}
echo "lint: clean"

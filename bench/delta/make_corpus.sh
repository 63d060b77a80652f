#!/usr/bin/env bash
# Builds the delta benchmark corpus: real pairs of shared libraries from
# Debian security point releases.
#
# For each package that is installed at an older revision than apt's
# candidate (`apt list --upgradable`), the installed .so is "old" and the
# candidate's .so, fetched with `apt-get download` and unpacked with
# `dpkg-deb -x` (never installed), is "new":
#
#   bench/corpus/delta/<package>/<library>.old
#   bench/corpus/delta/<package>/<library>.new
#   bench/corpus/delta/MANIFEST   (package, library, old and new versions, sizes)
#
# bench/corpus/ is gitignored: the corpus is rebuilt, not committed.
#
# Usage: bench/delta/make_corpus.sh [PACKAGE...]
# Default packages: the security updates named in the delta issue. A package
# that is not upgradable on this machine is skipped with a note; the script
# fails if fewer than 6 pairs result.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/bench/corpus/delta"
packages=("$@")
if [[ ${#packages[@]} -eq 0 ]]; then
  packages=(libexpat1 libgcrypt20 libarchive13 libevent-2.1-7 libde265-0 libcups2 libaom3
            libbrotli1 libgnutls30 libkrb5-3)
fi

work="$(mktemp -d)"
chmod 755 "$work"  # apt-get download runs as _apt
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"
upgradable="$(apt list --upgradable 2>/dev/null)"
pairs=0
for package in "${packages[@]}"; do
  if ! grep -q "^${package}/" <<<"$upgradable"; then
    echo "skip $package: not upgradable on this machine" >&2
    continue
  fi
  installed="$(dpkg-query -W -f='${Version}' "$package")"
  candidate="$(apt-cache policy "$package" | awk '/Candidate:/ {print $2}')"
  (cd "$work" && apt-get download -qq "$package" >/dev/null)
  deb="$(ls "$work"/"${package}"_*.deb | head -n 1)"
  mkdir -p "$work/$package"
  dpkg-deb -x "$deb" "$work/$package"
  # Every shared library the package installs as a regular file.
  while read -r path; do
    [[ "$path" == *.so* && -f "$path" && ! -L "$path" ]] || continue
    new="$work/$package$path"
    [[ -f "$new" && ! -L "$new" ]] || continue
    if cmp -s "$path" "$new"; then
      echo "skip $path: identical in $candidate" >&2
      continue
    fi
    name="$(basename "$path")"
    mkdir -p "$out/$package"
    cp "$path" "$out/$package/$name.old"
    cp "$new" "$out/$package/$name.new"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$package" "$name" "$installed" "$candidate" \
      "$(stat -c %s "$path")" "$(stat -c %s "$new")" >>"$out/MANIFEST"
    pairs=$((pairs + 1))
  done < <(dpkg -L "$package")
  rm -rf "$work/$package" "$deb"
done

echo "$pairs pairs in $out" >&2
if [[ $pairs -lt 6 ]]; then
  echo "error: fewer than 6 pairs; the benchmark needs at least 6" >&2
  exit 1
fi

#!/usr/bin/env bash
# make deb [ARCH=amd64|arm64|armhf]: dist/egresswatch_<version>_<arch>.deb
# (and its -dbgsym .ddeb), built by dpkg-buildpackage from a copy of the
# tree with packaging/debian as its debian/ folder, so the top of the tree
# stays the project's. ARM packages are cross-built on this machine with
# Debian's cross toolchains and the :ARCH development libraries (installed by
# `make deb-deps ARCH=...`).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-$(dpkg --print-architecture)}
version=$(sed -n 's/^project(egresswatch VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || { echo "make-deb: no version in CMakeLists.txt" >&2; exit 1; }
work=build-deb/$arch
rm -rf "$work"
mkdir -p "$work/egresswatch-$version" dist
# The files git knows of (tracked, or new and not ignored), as they are now.
git ls-files -z --cached --others --exclude-standard |
  (cd . && xargs -0 cp --parents -t "$work/egresswatch-$version" 2>/dev/null || true)
src=$work/egresswatch-$version
cp -r packaging/debian "$src/debian"
# The version is written once, in CMakeLists.txt; the changelog takes it.
cat >"$src/debian/changelog" <<CHANGELOG
egresswatch ($version) unstable; urgency=medium

  * Built from the egresswatch tree (see the git history for changes).

 -- $(sed -n 's/^Maintainer: //p' packaging/debian/control)  $(date -R -d @"$(git log -1 --format=%ct 2>/dev/null || date +%s)")
CHANGELOG

host=()
# shellcheck disable=SC2054 # -P takes a comma-separated list of build profiles
[ "$arch" = "$(dpkg --print-architecture)" ] || host=(--host-arch "$arch" -Pcross,nocheck)
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
   dpkg-buildpackage -us -uc -b "${host[@]}" >"../build.log" 2>&1) || {
  tail -40 "$work/build.log" >&2
  echo "make-deb: dpkg-buildpackage failed for $arch (whole log: $work/build.log)" >&2
  exit 1
}
for f in "$work"/*.deb "$work"/*.ddeb; do
  [ -e "$f" ] && cp "$f" dist/
done
deb=dist/egresswatch_${version}_${arch}.deb
[ -f "$deb" ] || { echo "make-deb: $deb was not made" >&2; exit 1; }
echo "$deb"

#!/usr/bin/env bash
# Builds the Debian package of meshcall the way Debian builds packages
# (dpkg-buildflags' hardening flags, prefix /usr, stripped), then runs
# lintian on it: any lintian error fails the build; warnings are printed.
#   scripts/build-deb.sh [BUILD_DIR]     (default build-deb)
# Prints the path of the .deb as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-deb}

for tool in dpkg-buildflags dpkg-shlibdeps lintian fakeroot; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (scripts/setup.sh --deps installs it)" >&2; exit 1; }
done
mkdir -p "$dir"
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr -DMESHCALL_WERROR=ON \
  -DMESHCALL_WITH_SYSTEMD=ON -DBUILD_TESTING=OFF -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$LDFLAGS" \
  -DCMAKE_SHARED_LINKER_FLAGS="$LDFLAGS" >"$dir/configure.log" 2>&1 ||
  { cat "$dir/configure.log" >&2; exit 1; }
cmake --build "$dir" -j"$(nproc)" --target meshcall mc_docs >"$dir/build.log" 2>&1 || { tail -n 40 "$dir/build.log" >&2; exit 1; }
rm -f "$dir"/meshcall_*.deb
(cd "$dir" && fakeroot cpack -G DEB >cpack.log 2>&1) || { cat "$dir/cpack.log" >&2; exit 1; }
deb=$(ls "$dir"/meshcall_*.deb)

# lintian: exit 1 when it found errors (--fail-on error), 2 when it could not
# check; warnings and infos are listed. (As root it also says "running with
# root privileges is not recommended!", which is left out.)
rc=0
lintian --fail-on error --display-info "$deb" >"$dir/lintian.raw" 2>&1 || rc=$?
grep -v 'running with root privileges' "$dir/lintian.raw" >"$dir/lintian.log" || true
if [ "$rc" != 0 ]; then
  cat "$dir/lintian.log" >&2
  [ "$rc" = 1 ] && echo "build-deb: lintian found errors" >&2 || echo "build-deb: lintian failed ($rc)" >&2
  exit 1
fi
if [ -s "$dir/lintian.log" ]; then
  echo "build-deb: lintian (no errors):"
  sed 's/^/  /' "$dir/lintian.log"
fi
echo "$deb"

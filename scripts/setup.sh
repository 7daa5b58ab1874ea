#!/usr/bin/env bash
# Installs everything meshcall needs to build, run and test on Debian 12
# (bookworm), then builds it into ./build. Non-interactive and idempotent:
# packages already present are not fetched again.
#   scripts/setup.sh            install + build
#   scripts/setup.sh --deps     install only
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  # build
  build-essential cmake pkg-config git
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev libnice-dev
  libsoup-3.0-dev libjson-glib-dev libcurl4-openssl-dev libssl-dev glib-networking
  libsdl2-dev libsdl2-ttf-dev libfontconfig-dev fonts-dejavu-core libchafa-dev libyuv-dev libsystemd-dev
  # the Debian package: build, check, install on a clean system under systemd
  dpkg-dev fakeroot lintian man-db debootstrap systemd-container
  # run: GStreamer elements (webrtcbin, libnice, codecs, capture)
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-nice gstreamer1.0-alsa gstreamer1.0-pulseaudio gstreamer1.0-libav gstreamer1.0-tools
  gstreamer1.0-plugins-base-apps gstreamer1.0-x
  # test: display, terminal, browsers, TURN, sanitizers, fuzzing, leak checks
  xvfb xauth xdotool x11-utils tmux imagemagick coturn chromium
  clang-14 libclang-rt-14-dev valgrind procps psmisc iproute2 nftables curl python3 nodejs npm
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # Node and npm may come from elsewhere on this machine; only ask apt for
  # them when no node is on PATH.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    filtered=()
    for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || filtered+=("$p"); done
    missing=("${filtered[@]}")
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# The Firestore emulator (tests/integration/firestore_*.sh) comes with the
# Google Cloud CLI's package, not from Debian: present on these machines.
if ! dpkg-query -W -f='${Status}' google-cloud-cli-firestore-emulator 2>/dev/null | grep -q "install ok installed"; then
  echo "setup: warning: google-cloud-cli-firestore-emulator is not installed; the firestore_* tests will fail" >&2
fi

# Test-only peers (stock socket.io server/client, playwright-core, the
# Firebase JS SDK and firebase-tools for the Auth emulator) live in a
# local folder, never installed globally (from the npm cache when it has
# them: a fresh clone installs them every time).
if [ ! -d tests/node/node_modules ] || [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then
  echo "setup: installing npm test peers into tests/node/node_modules"
  (cd tests/node && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi

[ "${1:-}" = "--deps" ] && exit 0

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo ${MESHCALL_CMAKE_ARGS:-}
cmake --build build -j"$(nproc)"
echo "setup: built ./build/meshcall"

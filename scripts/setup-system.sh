#!/usr/bin/env bash
# setup-system.sh: install the Debian packages the build and the tests need, if missing.
#   build:  pkg-config libx11-dev (Bevy's X11 window backend), python3-venv, fonts-dejavu-core (chart text)
#   window: libvulkan1 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-xcb1 (winit/wgpu load them)
#   tests:  xvfb xauth xdotool x11-utils (xprop) mesa-vulkan-drivers (the real-window tests: Xvfb + software Vulkan +
#           real X key events), slurm-wlm munge (the single-node Slurm test), npm (BIDS validator),
#           chromium (the `priors serve` browser test; Playwright drives this system browser)
# Runs apt-get as root, or through sudo; otherwise lists what to install and fails.
set -euo pipefail
# package:test pairs; the test is a command on PATH, or dpkg:<package> for libraries and data.
NEEDS=(
  pkg-config:pkg-config
  libx11-dev:dpkg:libx11-dev
  fonts-dejavu-core:dpkg:fonts-dejavu-core
  xvfb:Xvfb
  xauth:xauth
  xdotool:xdotool
  x11-utils:xprop
  mesa-vulkan-drivers:dpkg:mesa-vulkan-drivers
  libvulkan1:dpkg:libvulkan1
  libxkbcommon-x11-0:dpkg:libxkbcommon-x11-0
  libxcursor1:dpkg:libxcursor1
  libxrandr2:dpkg:libxrandr2
  libxi6:dpkg:libxi6
  libx11-xcb1:dpkg:libx11-xcb1
  slurm-wlm:slurmctld
  munge:munged
  npm:npm
  chromium:chromium
)
missing=()
for n in "${NEEDS[@]}"; do
  pkg="${n%%:*}"; test="${n#*:}"
  if [[ "$test" == dpkg:* ]]; then
    dpkg -s "${test#dpkg:}" >/dev/null 2>&1 || missing+=("$pkg")
  else
    command -v "$test" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done
if ! python3 -m venv --help >/dev/null 2>&1; then missing+=(python3-venv); fi
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup-system: all Debian packages present"
  exit 0
fi
echo "setup-system: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
  echo "setup-system: not root and no sudo; please install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-system: done"

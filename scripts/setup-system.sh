#!/usr/bin/env bash
# setup-system.sh: install the Debian packages the build and the tests need, if missing.
#   build:  pkg-config libx11-dev (Bevy's X11 window backend), python3-venv
#   tests:  xvfb xauth xdotool mesa-vulkan-drivers (the real-window tests: Xvfb + software Vulkan +
#           real X key events), slurm-wlm munge (the single-node Slurm test)
# Runs apt-get as root, or through sudo; otherwise lists what to install and fails.
set -euo pipefail
PKGS=(pkg-config libx11-dev python3-venv xvfb xauth xdotool mesa-vulkan-drivers slurm-wlm munge)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
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

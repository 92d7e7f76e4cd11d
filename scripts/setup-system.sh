#!/usr/bin/env bash
# Installs the system packages kvscope's tests need on Debian 12 (bookworm). Idempotent.
#  - chromium: the renderer e2e tests drive Debian's Chromium through playwright-core.
#  - libvulkan1 + mesa-vulkan-drivers from bookworm-backports: software Vulkan (lavapipe) for
#    onnxruntime's WebGPU provider (Dawn refuses bookworm's own Mesa).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg-query -W -f='${Status}' xvfb 2>/dev/null | grep -q "install ok" || need+=(xvfb)
have_backports_mesa() {
  dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q bpo
}
if [ ${#need[@]} -eq 0 ] && have_backports_mesa && dpkg-query -W libvulkan1 >/dev/null 2>&1; then
  echo "setup-system: everything already installed"; exit 0
fi
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/kvscope-backports.list >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ ${#need[@]} -gt 0 ]; then $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null; fi
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports libvulkan1 mesa-vulkan-drivers >/dev/null
echo "setup-system: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"

#!/usr/bin/env bash
# Renders resources/icon.svg to resources/icon.png (512 x 512) with Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --default-background-color=00000000 \
  --window-size=512,512 --screenshot="$PWD/resources/icon.png" "file://$PWD/resources/icon.svg"

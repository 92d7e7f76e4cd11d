#!/usr/bin/env bash
# Packs what the GPU check (scripts/device-check.sh) needs on a bare machine that has neither
# Node nor the npm registry: this Node binary, onnxruntime-node (linux/x64 only), the CLI and the
# benchmarks bundled by esbuild, and the Vulkan loader packages. Output: .devpack/ and .gl/
# (both ignored by git; the device tool carries them). Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.devpack/' .git/info/exclude || echo /.devpack/ >>.git/info/exclude
grep -qx '/.gl/' .git/info/exclude || echo /.gl/ >>.git/info/exclude
rm -rf .devpack && mkdir -p .devpack .gl
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
banner="import{createRequire as __cr}from'module';const require=__cr(import.meta.url);"
printf "import { main } from '../src/cli/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n" >.devpack/cli-entry.ts
for pair in ".devpack/cli-entry.ts:kvscope.mjs" "bench/run.ts:bench.mjs" "bench/gpu-explore.ts:explore.mjs" "bench/gpu-forms.ts:gpuforms.mjs"; do
  npx esbuild "${pair%%:*}" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --external:onnxruntime-node --external:playwright-core --external:chart.js \
    --banner:js="$banner" --outfile="$stage/${pair##*:}"
done
rm .devpack/cli-entry.ts
mkdir -p "$stage/bin" "$stage/node_modules"
cp "$(command -v node)" "$stage/bin/node"
cp -r node_modules/onnxruntime-node node_modules/onnxruntime-common "$stage/node_modules/"
find "$stage/node_modules/onnxruntime-node/bin/napi-v6" -mindepth 1 -maxdepth 2 \
  -not -path '*/linux' -not -path '*/linux/x64' -exec rm -rf {} +
tar -C "$stage" -cf - . | xz -T2 -6 >.devpack/pack.tar.xz
if ! ls .gl/*.deb >/dev/null 2>&1; then
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -qq && (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh .devpack .gl

#!/usr/bin/env bash
# The GPU check run on a lent device machine (NVIDIA, no Node, no network): unpacks what
# scripts/device-pack.sh packed, then runs `kvscope devices`, the default sweep on WebGPU (through
# the NVIDIA Vulkan driver), and the form and roofline benchmarks. Everything goes to $OUT.
#   QUICK=1  small contexts only (to try the pack on this machine first)
#   ROUND=2  the default sweep and an fp16 decode+prefill sweep, no benchmarks
#   ROUND=3  bench/gpu-explore.ts (probe shapes, fp16 check errors) and an fp16 MLA sweep
#   ROUND=4  the next run: --ep auto, --layers 8, fp16 MLA, probe shapes (docs/measurements)
#   ROUND=5  op forms on the GPU (bench/gpu-forms.ts, about 5 min): per variant at 32K, fp32 and
#            fp16, the MatMul forms against onnxruntime's MultiHeadAttention and GroupQueryAttention,
#            the fastest with WebGPU graph capture on; blocked prefill at 8K with 3 block sizes;
#            then the CPU forms benchmark on the machine's 16 cores
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/kvscope-device-out}
mkdir -p "$OUT"
log="$OUT/log.txt"
say() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)" | tee -a "$log"; }
step() { # step LIMIT_SECONDS CMD...: SIGINT at the limit, so a sweep still writes its partial report
  local limit=$1
  shift
  say "$*"
  timeout -s INT -k 15 "$limit" "$@" 2>&1 | tee -a "$log"
  echo "exit ${PIPESTATUS[0]}" | tee -a "$log"
}
start=$(date +%s)
# (grep reads everything: with -q it could exit early, SIGPIPE ldconfig, and pipefail would say 'missing')
if [ -d .gl ] && ! ldconfig -p | grep libvulkan.so.1 >/dev/null; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
kv=/tmp/kvscope-pack
rm -rf "$kv" && mkdir -p "$kv" && xz -dc .devpack/pack.tar.xz | tar -C "$kv" -xf -
export PATH="$kv/bin:$PATH" XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/xdg}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
say "machine"
{
  node --version
  nproc
  grep -E 'MemTotal|MemAvailable' /proc/meminfo
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.max.sm --format=csv 2>&1
  ldconfig -p | grep -E 'libvulkan|libEGL_nvidia|libGLX_nvidia' | head
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
} 2>&1 | tee -a "$log"
K=(node "$kv/kvscope.mjs")
step 90 "${K[@]}" devices
if ! grep -qE '^webgpu +yes +yes' "$log" && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  step 90 "${K[@]}" devices
fi
if [ "${QUICK:-0}" = 1 ]; then
  step 200 "${K[@]}" sweep --ep webgpu --contexts 512,2k --out "$OUT/webgpu.json"
  step 100 node "$kv/gpuforms.mjs" webgpu 2048 512
elif [ "${ROUND:-1}" = 5 ]; then
  step 330 node "$kv/gpuforms.mjs" webgpu 32768 8192
  step 240 node "$kv/bench.mjs" forms cpu
elif [ "${ROUND:-1}" = 4 ]; then
  # the checks left open by the first H200 session (docs/measurements/README.md), about 4 min:
  # --ep auto must pick WebGPU; the probe with its MHA candidate; --layers 8 amortizing the run
  # cost; fp16 MLA passing the reference check; which MatMul shapes read fastest.
  step 150 "${K[@]}" sweep --ep auto --out "$OUT/auto.json"
  step 120 "${K[@]}" sweep --ep webgpu --layers 8 --variants mha,gqa,mla-absorbed --contexts 2k,8k,32k --out "$OUT/webgpu-layers8.json"
  step 90 "${K[@]}" sweep --ep webgpu --variants mla --cache-dtype fp16 --modes decode,prefill --contexts 2k,32k --max-prefill 2k --out "$OUT/webgpu-mla-fp16.json"
  step 90 node "$kv/explore.mjs" webgpu
  step 90 node "$kv/bench.mjs" roofline webgpu
elif [ "${ROUND:-1}" = 3 ]; then
  step 150 node "$kv/explore.mjs" webgpu
  step 150 "${K[@]}" sweep --ep webgpu --variants mla --cache-dtype fp16 --modes decode,prefill --contexts 2k,32k --max-prefill 2k --out "$OUT/webgpu-mla-fp16.json"
elif [ "${ROUND:-1}" = 2 ]; then
  step 200 "${K[@]}" sweep --ep webgpu --out "$OUT/webgpu.json"
  step 200 "${K[@]}" sweep --ep webgpu --cache-dtype fp16 --modes decode,prefill --contexts 2k,8k,32k --max-prefill 8k --out "$OUT/webgpu-fp16.json"
else
  step 260 "${K[@]}" sweep --ep webgpu --out "$OUT/webgpu.json"
  step 100 node "$kv/bench.mjs" forms webgpu 4096
  step 90 node "$kv/bench.mjs" roofline
fi
say "done in $(($(date +%s) - start)) s"

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nvidiaFreeBytes, nvidiaGpus, nvidiaProcessMemory } from './system.js';

// A stand-in nvidia-smi on PATH that prints what the real one prints for these two queries.
const dirs: string[] = [];
const savedPath = process.env.PATH;
function fakeNvidiaSmi(gpuCsv: string, appsCsv: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'kvscope-smi-'));
  dirs.push(dir);
  const script = join(dir, 'nvidia-smi');
  writeFileSync(
    script,
    `#!/bin/sh\ncase "$1" in\n  --query-gpu=*) printf '%s\\n' '${gpuCsv}' ;;\n  --query-compute-apps=*) printf '%s' '${appsCsv}' ;;\nesac\n`,
  );
  chmodSync(script, 0o755);
  process.env.PATH = `${dir}:${savedPath}`;
}
afterEach(() => {
  process.env.PATH = savedPath;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('nvidia-smi readings', () => {
  it('reads name, driver, total and used memory, and the free memory from them', () => {
    fakeNvidiaSmi('NVIDIA H200, 580.159.04, 143771, 1024', '');
    const gpus = nvidiaGpus();
    expect(gpus).toEqual([{ name: 'NVIDIA H200', vendor: 'NVIDIA', driver: '580.159.04', memoryBytes: 143771 * 2 ** 20, usedBytes: 1024 * 2 ** 20 }]);
    expect(nvidiaFreeBytes(gpus)).toBe((143771 - 1024) * 2 ** 20);
  });
  it('sums this process in the compute apps, and says "unknown" (null) when it is not listed, not 0', () => {
    fakeNvidiaSmi('NVIDIA H200, 580.159.04, 143771, 1024', `${process.pid}, 300\n${process.pid}, 200\n1, 999\n`);
    expect(nvidiaProcessMemory()).toBe(500 * 2 ** 20);
    // a WebGPU (Vulkan) process is a graphics client: --query-compute-apps leaves it out
    fakeNvidiaSmi('NVIDIA H200, 580.159.04, 143771, 1024', '1, 999\n');
    expect(nvidiaProcessMemory()).toBeNull();
  });
  it('reads "[N/A]" as unknown, not NaN, and gives no free memory for several GPUs', () => {
    fakeNvidiaSmi('NVIDIA GB10, 580.1, [N/A], [N/A]', `${process.pid}, [N/A]\n`);
    const gpus = nvidiaGpus();
    expect(gpus).toEqual([{ name: 'NVIDIA GB10', vendor: 'NVIDIA', driver: '580.1', memoryBytes: null }]);
    expect(nvidiaFreeBytes(gpus)).toBeNull();
    expect(nvidiaProcessMemory()).toBeNull();
    const two = [
      { name: 'A', memoryBytes: 80 * 2 ** 30, usedBytes: 0 },
      { name: 'B', memoryBytes: 80 * 2 ** 30, usedBytes: 79 * 2 ** 30 },
    ];
    expect(nvidiaFreeBytes(two)).toBeNull(); // which one the adapter is cannot be told
  });
  it('gives nothing where nvidia-smi is missing', () => {
    process.env.PATH = mkdtempSync(join(tmpdir(), 'kvscope-empty-'));
    dirs.push(process.env.PATH);
    expect(nvidiaGpus()).toEqual([]);
    expect(nvidiaFreeBytes()).toBeNull();
    expect(nvidiaProcessMemory()).toBeNull();
  });
});

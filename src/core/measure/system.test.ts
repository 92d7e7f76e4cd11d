import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeNvidiaSmi as installFakeNvidiaSmi } from '../testing/nvidia-smi.js';
import { drmGpus, nvidiaFreeBytes, nvidiaGpus, nvidiaGpusAsync, nvidiaProcessMemory } from './system.js';

const dirs: string[] = [];
const restores: (() => void)[] = [];
const savedPath = process.env.PATH;
function fakeNvidiaSmi(gpuCsv: string, appsCsv: string): void {
  restores.push(installFakeNvidiaSmi(gpuCsv, appsCsv).restore);
}
afterEach(() => {
  for (const r of restores.splice(0).reverse()) r();
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
  it('reads the same without blocking (the engine queries)', async () => {
    fakeNvidiaSmi('NVIDIA H200, 580.159.04, 143771, 1024', '');
    expect(await nvidiaGpusAsync()).toEqual(nvidiaGpus());
    fakeNvidiaSmi('NVIDIA H200, 580.159.04, [N/A], [N/A]', '');
    expect((await nvidiaGpusAsync())[0]!.memoryBytes).toBeNull();
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

describe('GPUs from the kernel (DRM sysfs)', () => {
  // A stand-in /sys/class/drm: card0 an AMD GPU (amdgpu, VRAM), card1 an Intel iGPU (i915),
  // card2 the same AMD device again (a second node of one GPU), card0-DP-1 a connector.
  function fakeSysfs(): string {
    const root = mkdtempSync(join(tmpdir(), 'kvscope-drm-'));
    dirs.push(root);
    const pci = join(root, 'pci');
    const device = (bdf: string, files: Record<string, string>, driver: string): string => {
      const d = join(pci, bdf);
      mkdirSync(join(pci, 'drivers', driver), { recursive: true });
      mkdirSync(d, { recursive: true });
      for (const [k, v] of Object.entries(files)) writeFileSync(join(d, k), `${v}\n`);
      symlinkSync(join(pci, 'drivers', driver), join(d, 'driver'));
      return d;
    };
    const amd = device(
      '0000:03:00.0',
      { vendor: '0x1002', device: '0x744c', mem_info_vram_total: String(24 * 2 ** 30), product_name: 'Radeon RX 7900 XTX' },
      'amdgpu',
    );
    const intel = device('0000:00:02.0', { vendor: '0x8086', device: '0xa780' }, 'i915');
    const drm = join(root, 'drm');
    for (const [card, dev] of [
      ['card0', amd],
      ['card1', intel],
      ['card2', amd],
    ] as const) {
      mkdirSync(join(drm, card), { recursive: true });
      symlinkSync(dev, join(drm, card, 'device'));
    }
    mkdirSync(join(drm, 'card0-DP-1'));
    return drm;
  }
  it('names vendor, driver and VRAM where the driver tells it, once per device', () => {
    expect(drmGpus(fakeSysfs())).toEqual([
      { name: 'Radeon RX 7900 XTX', vendor: 'AMD', driver: 'amdgpu (kernel driver)', memoryBytes: 24 * 2 ** 30 },
      { name: 'Intel GPU 0xa780', vendor: 'Intel', driver: 'i915 (kernel driver)', memoryBytes: null },
    ]);
  });
  it('gives nothing where there is no DRM', () => {
    expect(drmGpus(join(tmpdir(), 'kvscope-no-such-dir'))).toEqual([]);
  });
});

/**
 * What the OS says about memory and the machine. Linux reads /proc; elsewhere Node's os module
 * (and the report says which figures are not available there).
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import os from 'node:os';

export interface ProcMemory {
  rssBytes: number;
  /** Peak RSS since the last resetPeak() (VmHWM). */
  peakBytes: number;
  /** Anonymous (private) resident bytes; null where the OS does not tell. */
  anonBytes: number | null;
  /** File-backed resident bytes (mapped files); null where the OS does not tell. */
  fileBytes: number | null;
}

function kb(status: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : null;
}

export function processMemory(): ProcMemory {
  if (process.platform === 'linux') {
    try {
      const s = readFileSync('/proc/self/status', 'utf8');
      return {
        rssBytes: kb(s, 'VmRSS') ?? process.memoryUsage().rss,
        peakBytes: kb(s, 'VmHWM') ?? process.memoryUsage().rss,
        anonBytes: kb(s, 'RssAnon'),
        fileBytes: kb(s, 'RssFile'),
      };
    } catch {
      // fall through
    }
  }
  const rss = process.memoryUsage().rss;
  return { rssBytes: rss, peakBytes: rss, anonBytes: null, fileBytes: null };
}

/** Resets the peak-RSS watermark (Linux: echo 5 > /proc/self/clear_refs). */
export function resetPeak(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Memory the OS could give us now: MemAvailable on Linux, os.freemem() elsewhere. */
export function availableMemory(): number {
  if (process.platform === 'linux') {
    try {
      const v = kb(readFileSync('/proc/meminfo', 'utf8'), 'MemAvailable');
      if (v !== null) return v;
    } catch {
      // fall through
    }
  }
  return os.freemem();
}

export interface GpuInfo {
  name: string;
  vendor?: string;
  driver?: string;
  memoryBytes: number | null;
  usedBytes?: number;
}

/** Bytes from nvidia-smi's MiB figure, or null for "[N/A]", "Not Supported" and the like. */
function mib(field: string | undefined): number | null {
  const v = Number(field);
  return field !== undefined && field !== '' && Number.isFinite(v) && v >= 0 ? v * 2 ** 20 : null;
}

const GPU_QUERY = ['--query-gpu=name,driver_version,memory.total,memory.used', '--format=csv,noheader,nounits'];

function parseGpus(out: string): GpuInfo[] {
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, driver, total, used] = line.split(',').map((x) => x.trim());
      // "[N/A]" or "Not Supported" (unified-memory parts): unknown, not NaN
      const totalMiB = mib(total);
      const usedMiB = mib(used);
      return {
        name: name ?? '?',
        vendor: 'NVIDIA',
        driver,
        memoryBytes: totalMiB,
        ...(usedMiB !== null ? { usedBytes: usedMiB } : {}),
      };
    });
}

/** NVIDIA GPUs through nvidia-smi; [] where there is none or it is not installed. */
export function nvidiaGpus(): GpuInfo[] {
  try {
    return parseGpus(execFileSync('nvidia-smi', GPU_QUERY, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return [];
  }
}

/**
 * nvidiaGpus without blocking the thread: for the engine's queries, which may interleave with a
 * running sweep's timed steps (a synchronous nvidia-smi would stretch one).
 */
export function nvidiaGpusAsync(): Promise<GpuInfo[]> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', GPU_QUERY, { encoding: 'utf8', timeout: 5000 }, (err, out) => resolve(err ? [] : parseGpus(out)));
  });
}

/**
 * This process's memory on NVIDIA GPUs (compute apps), or null where nvidia-smi cannot tell:
 * no nvidia-smi, or this process is not listed (a Vulkan/WebGPU process is a graphics client,
 * which --query-compute-apps leaves out).
 */
export function nvidiaProcessMemory(pid = process.pid): number | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let total = 0;
    let found = false;
    for (const line of out.trim().split('\n')) {
      const [p, used] = line.split(',').map((x) => x.trim());
      const bytes = mib(used);
      if (Number(p) === pid && bytes !== null) {
        total += bytes;
        found = true;
      }
    }
    return found ? total : null;
  } catch {
    return null;
  }
}

/** Free memory of the only NVIDIA GPU (total - used, device-wide); null where nvidia-smi cannot tell or there are several. */
export function nvidiaFreeBytes(gpus: GpuInfo[] = nvidiaGpus()): number | null {
  // With several GPUs, which one a provider's adapter is cannot be told from here.
  if (gpus.length !== 1) return null;
  const g = gpus[0];
  if (!g || g.memoryBytes === null || g.usedBytes === undefined || !Number.isFinite(g.memoryBytes - g.usedBytes)) return null;
  return g.memoryBytes - g.usedBytes;
}

/** PCI vendor ids of GPU makers (sysfs gives the id, not the name). */
const PCI_VENDORS: Record<string, string> = {
  '0x10de': 'NVIDIA',
  '0x1002': 'AMD',
  '0x8086': 'Intel',
  '0x13b5': 'ARM',
  '0x5143': 'Qualcomm',
  '0x1af4': 'virtio',
  '0x15ad': 'VMware',
  '0x1414': 'Microsoft',
};

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * GPUs the Linux kernel's DRM subsystem lists (/sys/class/drm/cardN): vendor, PCI device id,
 * kernel driver, and VRAM where the driver tells it (amdgpu's mem_info_vram_total). This is what
 * can be said of an AMD or Intel adapter: onnxruntime-node does not name the WebGPU adapter.
 */
export function drmGpus(root = '/sys/class/drm'): GpuInfo[] {
  let cards: string[];
  try {
    cards = readdirSync(root).filter((n) => /^card\d+$/.test(n));
  } catch {
    return [];
  }
  const seen = new Set<string>();
  const out: GpuInfo[] = [];
  for (const card of cards.sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))) {
    const dev = join(root, card, 'device');
    let id: string;
    try {
      id = realpathSync(dev);
    } catch {
      continue;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    const vendorId = readTrimmed(join(dev, 'vendor'));
    if (!vendorId) continue;
    const vendor = PCI_VENDORS[vendorId] ?? vendorId;
    let driver: string | undefined;
    try {
      driver = basename(readlinkSync(join(dev, 'driver')));
    } catch {
      driver = undefined;
    }
    const vram = Number(readTrimmed(join(dev, 'mem_info_vram_total')) ?? NaN);
    const product = readTrimmed(join(dev, 'product_name'));
    const deviceId = readTrimmed(join(dev, 'device')) ?? '?';
    out.push({
      name: product || `${vendor} GPU ${deviceId}`,
      vendor,
      ...(driver ? { driver: `${driver} (kernel driver)` } : {}),
      memoryBytes: Number.isFinite(vram) && vram > 0 ? vram : null,
    });
  }
  return out;
}

/** The machine's GPUs: NVIDIA through nvidia-smi (names, driver, memory), the others through DRM. */
export function gpuFacts(nvidia: GpuInfo[] = nvidiaGpus()): GpuInfo[] {
  const others = drmGpus().filter((g) => !(nvidia.length > 0 && g.vendor === 'NVIDIA'));
  return [...nvidia, ...others];
}

export function cpuModel(): string {
  return os.cpus()[0]?.model.trim() ?? 'unknown';
}

export function osDescription(): string {
  return `${os.type()} ${os.release()} ${os.arch()}`;
}

/**
 * What the OS says about memory and the machine. Linux reads /proc; elsewhere Node's os module
 * (and the report says which figures are not available there).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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

/** NVIDIA GPUs through nvidia-smi; [] where there is none or it is not installed. */
export function nvidiaGpus(): GpuInfo[] {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total,memory.used', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
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
  } catch {
    return [];
  }
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

export function cpuModel(): string {
  return os.cpus()[0]?.model.trim() ?? 'unknown';
}

export function osDescription(): string {
  return `${os.type()} ${os.release()} ${os.arch()}`;
}

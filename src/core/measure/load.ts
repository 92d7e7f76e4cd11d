/**
 * Competing load: what the OS says other work took from the machine while something was timed.
 * Linux: CPU time of the whole machine (/proc/stat) minus this process's own (process.cpuUsage,
 * which counts onnxruntime's threads), steal time (a hypervisor running other guests), the load
 * average and the CPU frequency governor. Elsewhere: the load average where the OS gives one
 * (os.loadavg is 0s on Windows), and "not available" for the rest.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface LoadMark {
  wallMs: number;
  ownCpuUs: number;
  /** Jiffies from /proc/stat's first line; null off Linux. */
  jiffies: { busy: number; steal: number; total: number } | null;
}

/** Load while a point or probe ran: shares of the machine's CPU time (0..1). */
export interface LoadFigures {
  /** Share of all cores' time used by other processes; null where the OS does not tell. */
  otherCpuShare: number | null;
  /** Share of CPU time stolen by the hypervisor; null where the OS does not tell. */
  stealShare: number | null;
  /** 1-minute load average at the end (null where the OS reports none). */
  loadAvg1: number | null;
}

/** Another process took more than this share of the machine: the point "ran while the machine was busy". */
export const BUSY_OTHER_CPU_SHARE = 0.15;
/** Steal above this share: the hypervisor gave the cores to other guests. */
export const BUSY_STEAL_SHARE = 0.05;
/** USER_HZ: /proc/stat's unit (100 on every Linux that Node runs on). */
const JIFFIES_PER_SECOND = 100;

function readJiffies(): LoadMark['jiffies'] {
  if (process.platform !== 'linux') return null;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    if (f.some((x) => !Number.isFinite(x))) return null;
    return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  } catch {
    return null;
  }
}

export function loadMark(): LoadMark {
  const u = process.cpuUsage();
  return { wallMs: performance.now(), ownCpuUs: u.user + u.system, jiffies: readJiffies() };
}

function loadAvg(): number | null {
  if (process.platform === 'win32') return null;
  const v = os.loadavg()[0];
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/** What other work took between two marks. Shares are clamped to 0..1 (jiffies tick at 10 ms). */
export function loadBetween(a: LoadMark, b: LoadMark): LoadFigures {
  const clamp = (x: number): number => Math.min(1, Math.max(0, x));
  if (!a.jiffies || !b.jiffies) return { otherCpuShare: null, stealShare: null, loadAvg1: loadAvg() };
  const total = b.jiffies.total - a.jiffies.total;
  const wallS = (b.wallMs - a.wallMs) / 1000;
  if (total <= 0 || wallS <= 0) return { otherCpuShare: null, stealShare: null, loadAvg1: loadAvg() };
  const busyS = (b.jiffies.busy - a.jiffies.busy) / JIFFIES_PER_SECOND;
  const ownS = (b.ownCpuUs - a.ownCpuUs) / 1e6;
  // the machine's CPU seconds over the interval: /proc/stat's total over all cores
  const capacityS = total / JIFFIES_PER_SECOND;
  return {
    otherCpuShare: clamp((busyS - ownS) / capacityS),
    stealShare: clamp((b.jiffies.steal - a.jiffies.steal) / total),
    loadAvg1: loadAvg(),
  };
}

/** Whether the figures say the machine was busy with other work, and in words why. */
export function busyReason(l: LoadFigures): string | null {
  const parts: string[] = [];
  if (l.otherCpuShare !== null && l.otherCpuShare > BUSY_OTHER_CPU_SHARE)
    parts.push(`other processes used ${(l.otherCpuShare * 100).toFixed(0)}% of the CPU time`);
  if (l.stealShare !== null && l.stealShare > BUSY_STEAL_SHARE) parts.push(`the hypervisor stole ${(l.stealShare * 100).toFixed(0)}% of the CPU time`);
  return parts.length > 0 ? parts.join(' and ') : null;
}

/** The CPU frequency governor (Linux cpufreq), or "not available". */
export function cpuGovernor(): string {
  try {
    return readFileSync('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor', 'utf8').trim() || 'not available';
  } catch {
    return 'not available';
  }
}

/** Where per-thread priorities live (Linux): each entry of /proc/self/task is a thread id. */
function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

/**
 * Sets the priority of the whole process. Linux keeps one nice value per thread and
 * setpriority(pid) changes only the thread with that id, so every thread (onnxruntime's
 * included) is set; elsewhere the priority is the process's.
 */
function setAll(priority: number): void {
  const tids = process.platform === 'linux' ? threadIds() : [];
  if (tids.length === 0) {
    os.setPriority(priority);
    return;
  }
  for (const tid of tids) {
    try {
      os.setPriority(tid, priority);
    } catch {
      // a thread that ended since the listing
    }
  }
}

export interface MeasurementPriority {
  /** What the report records (machine.processPriority). */
  note: string;
  /** Raises the priority while something is timed (true) and restores it after (false); a no-op where the OS refused. */
  set(timing: boolean): void;
  /** Runs `fn` at the raised priority. */
  during<T>(fn: () => Promise<T>): Promise<T>;
  /** Back to the priority the process had before (the sweep's end: the engine lives on for the next). */
  release(): void;
}

/**
 * The engine's scheduling priority: raised ("above normal", nice -7) while a point or a probe is
 * timed, so that other work on the machine preempts the measurement less, and below normal (+5)
 * between timed windows, so that the engine's graph building and verification never starve the
 * app's renderer (which renders between timed windows: on two cores a raised engine held the
 * renderer's main thread off the CPU for 50-80 ms); release() restores it at the sweep's end. Where the OS refuses (an unprivileged user on
 * Linux), nothing changes and the note says so.
 */
export function measurementPriority(target = os.constants.priority.PRIORITY_ABOVE_NORMAL): MeasurementPriority {
  const fixed = (note: string): MeasurementPriority => ({ note, set: () => {}, during: (fn) => fn(), release: () => {} });
  let before: number;
  try {
    before = os.getPriority();
  } catch (e) {
    return fixed(`priority not available (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (before <= target) return fixed(`priority ${before} (already at or above ${target})`);
  // Between timed windows the engine steps below normal, so the app's renderer wins the CPU while
  // the engine builds and checks the next graph (on two cores a fair share still stretched the
  // renderer's 20 ms tasks past 50 ms); raising it again needs the privilege the raise proved.
  const between = Math.min(19, before + 5);
  try {
    setAll(target);
    setAll(between);
  } catch (e) {
    return fixed(`priority ${before}: the OS refused to raise it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let depth = 0;
  const set = (timing: boolean): void => {
    depth = Math.max(0, depth + (timing ? 1 : -1));
    try {
      setAll(depth > 0 ? target : between);
    } catch {
      // refused later (limits changed): the measurement goes on at the priority it has
    }
  };
  return {
    note: `priority raised from ${before} to ${target} while timing, ${between} between timed windows`,
    set,
    release: () => {
      depth = 0;
      try {
        setAll(before);
      } catch {
        // the OS refused: the engine stays below normal until it exits
      }
    },
    during: async (fn) => {
      set(true);
      try {
        return await fn();
      } finally {
        set(false);
      }
    },
  };
}

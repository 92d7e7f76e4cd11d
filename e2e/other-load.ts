/**
 * How much of the CPU processes outside this test run used over a window: the e2e frame budgets
 * (main-thread tasks, chart redraws) are judged only where the machine was not busy with other
 * work, as the sweep's own timings are (src/core/measure/load.ts). "This test run" is the
 * Playwright runner and everything it started (the workers, Chromium, the bridge, the engine);
 * the rest of the machine's busy time is "other". Linux only (/proc); elsewhere it reports
 * nothing and the budgets are judged as they stand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Share of the machine's CPU time (all cores) other processes may use before a budget is not judged. */
export const OTHER_LOAD_LIMIT = 0.15;

interface Mark {
  /** Busy jiffies of the whole machine (all cores). */
  busy: number;
  total: number;
  /** Busy jiffies of this run's process tree. */
  ours: number;
}

function machine(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** utime + stime + the reaped children's of every process below `root` (and root itself). */
function treeJiffies(root: number): number {
  const parent = new Map<number, number>();
  const cpuOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // the command may hold spaces and parentheses: fields start after the last ')'
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
      cpuOf.set(Number(name), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // the process ended while the table was read
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) if (p === root) return true;
    return false;
  };
  let sum = 0;
  for (const [pid, j] of cpuOf) if (ours(pid)) sum += j;
  return sum;
}

/** The Playwright runner: the worker's parent. */
const runnerPid = (): number => process.ppid;

export function otherLoadMark(): Mark | null {
  if (process.platform !== 'linux') return null;
  return { ...machine(), ours: treeJiffies(runnerPid()) };
}

/** Other processes' share of the machine's CPU time between two marks (0..1), or null where it cannot be told. */
export function otherLoadBetween(a: Mark | null, b: Mark | null): number | null {
  if (!a || !b || b.total <= a.total) return null;
  // ours can shrink when one of our processes ended (its time leaves the tree): never below 0 then
  const other = b.busy - a.busy - Math.max(0, b.ours - a.ours);
  return Math.max(0, other) / (b.total - a.total);
}

/** A line for the log, and whether a budget can be judged over that window. */
export function judgeable(share: number | null): { judge: boolean; line: string } {
  const cores = cpus().length;
  if (share === null) return { judge: true, line: 'other processes: not measurable here' };
  const text = `other processes used ${(share * 100).toFixed(0)}% of the CPU time (${cores} cores)`;
  return share > OTHER_LOAD_LIMIT
    ? { judge: false, line: `${text}: over ${(OTHER_LOAD_LIMIT * 100).toFixed(0)}%, the frame budget is not judged (a busy machine, not the app)` }
    : { judge: true, line: text };
}

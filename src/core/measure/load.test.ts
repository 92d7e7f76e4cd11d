import { readdirSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { busyReason, cpuGovernor, loadBetween, loadMark, measurementPriority } from './load.js';

describe('competing load', () => {
  it('sees another process burning a core', async () => {
    if (process.platform !== 'linux') return;
    const { spawn } = await import('node:child_process');
    // burns until killed; says when it has started, so the window is all burning
    const burner = spawn(process.execPath, ['-e', 'process.stdout.write("go\\n"); for (;;);'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise<void>((resolve) => burner.stdout.once('data', () => resolve()));
      const a = loadMark();
      await new Promise((r) => setTimeout(r, 800));
      const l = loadBetween(a, loadMark());
      // one busy core of os.cpus().length; this process slept
      expect(l.otherCpuShare).toBeGreaterThan(0.5 / os.cpus().length);
    } finally {
      burner.kill('SIGKILL');
    }
  });
  it("takes this process's own CPU time out, and reads steal (arithmetic on two marks)", () => {
    // 2 s of wall on 2 cores (400 jiffies): 1.2 s busy of which 1.0 s this process, 20 jiffies stolen
    const a = { wallMs: 0, ownCpuUs: 0, jiffies: { busy: 0, steal: 0, total: 0 } };
    const b = { wallMs: 2000, ownCpuUs: 1e6, jiffies: { busy: 120, steal: 20, total: 400 } };
    const l = loadBetween(a, b);
    expect(l.otherCpuShare).toBeCloseTo(0.2 / 4, 10);
    expect(l.stealShare).toBeCloseTo(0.05, 10);
    expect(busyReason(l)).toBeNull();
    expect(busyReason({ otherCpuShare: 0.5, stealShare: 0.08, loadAvg1: 1 })).toBe(
      'other processes used 50% of the CPU time and the hypervisor stole 8% of the CPU time',
    );
    // no tick between the marks (under 10 ms): unknown, not zero
    expect(loadBetween(a, { ...a, wallMs: 5 }).otherCpuShare).toBeNull();
  });
  it('names the governor or says it is not available', () => {
    expect(cpuGovernor()).toMatch(/\S/);
  });
});

describe('scheduling priority', () => {
  const threadsAt = (): number[] => (process.platform === 'linux' ? readdirSync('/proc/self/task').map((t) => os.getPriority(Number(t))) : [os.getPriority()]);
  it('is raised only while timing, on every thread, and always says what it is', async () => {
    const before = os.getPriority();
    const p = measurementPriority();
    expect(p.note).toMatch(/priority/);
    // root (CI) may raise it: then every thread is at the target inside a window, and back after
    if (process.getuid?.() === 0 && before > os.constants.priority.PRIORITY_ABOVE_NORMAL) {
      expect(p.note).toMatch(/raised from .* while timing/);
      const between = Math.min(19, before + 5);
      // below normal between timed windows, so the app's renderer wins the CPU there
      expect(threadsAt().every((x) => x === between)).toBe(true);
      const inside = await p.during(async () => threadsAt());
      expect(Math.max(...inside)).toBe(os.constants.priority.PRIORITY_ABOVE_NORMAL);
      expect(threadsAt().every((x) => x === between)).toBe(true);
      // nested windows: the priority goes back only when the outer one ends
      p.set(true);
      await p.during(async () => undefined);
      expect(os.getPriority()).toBe(os.constants.priority.PRIORITY_ABOVE_NORMAL);
      p.set(false);
      expect(os.getPriority()).toBe(between);
      // the sweep's end: back to where it was, on every thread
      p.release();
      expect(threadsAt().every((x) => x === before)).toBe(true);
    } else {
      // unprivileged: nothing changes, and the window still runs
      expect(await p.during(async () => 42)).toBe(42);
      expect(os.getPriority()).toBe(before);
    }
  });
});

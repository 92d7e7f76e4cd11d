import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { busyReason, cpuGovernor, loadBetween, loadMark, raisePriority } from './load.js';

describe('competing load', () => {
  it('sees another process burning a core', async () => {
    if (process.platform !== 'linux') return;
    const { spawn } = await import('node:child_process');
    const burner = spawn(process.execPath, ['-e', 'const end = Date.now() + 1500; while (Date.now() < end);']);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const a = loadMark();
      await new Promise((r) => setTimeout(r, 800));
      const l = loadBetween(a, loadMark());
      // one busy core of os.cpus().length; this process slept
      expect(l.otherCpuShare).toBeGreaterThan(0.5 / os.cpus().length);
      expect(busyReason({ ...l, otherCpuShare: Math.max(l.otherCpuShare!, 0.5) })).toMatch(/other processes used \d+% of the CPU time/);
    } finally {
      burner.kill();
    }
  });
  it('does not count its own work as competing load', () => {
    if (process.platform !== 'linux') return;
    const a = loadMark();
    const end = performance.now() + 300;
    while (performance.now() < end);
    const l = loadBetween(a, loadMark());
    expect(l.otherCpuShare).not.toBeNull();
    // on a 2-core machine this process alone is 50%: the share of others stays well under it
    expect(l.otherCpuShare!).toBeLessThan(0.45);
  });
  it('names the governor or says it is not available', () => {
    expect(cpuGovernor()).toMatch(/\S/);
  });
});

describe('scheduling priority', () => {
  it('raises it where allowed and always reports what it is', () => {
    const r = raisePriority();
    expect(r.note).toMatch(/priority/);
    if (r.priority !== null) expect(os.getPriority()).toBe(r.priority);
    // root (CI) may raise it: then it is at the target
    if (process.getuid?.() === 0) expect(os.getPriority()).toBeLessThanOrEqual(os.constants.priority.PRIORITY_ABOVE_NORMAL);
  });
});

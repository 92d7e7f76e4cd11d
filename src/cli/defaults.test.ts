/** The CLI and the app share their defaults and their answers: each pair here must be equal. */
import { afterAll, describe, expect, it } from 'vitest';
import type { CapacityRequest } from '@/contract/api.js';
import { CHANNEL_SCHEMAS } from '@/contract/channels.js';
import { DEFAULT_BUDGET_SECONDS, DEFAULT_MAX_STEP_SECONDS, DEFAULT_SWEEP } from '@/contract/defaults.js';
import { SweepConfigSchema, type SweepConfig } from '@/contract/schemas.js';
import { CONFIGS } from '@/core/model/fixtures/configs.js';
import { capacity } from '@/main/report-service.js';
import { configFromFlags, main, type Io, type SweepFlags } from './main.js';
import { buildProgram } from './main.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', tty: false, out: (s: string) => void (io.stdout += s), err: (s: string) => void (io.stderr += s) };
  return io;
}

/** The config `kvscope sweep` builds from these flags, the defaults without any (the sweep itself is not run). */
async function cliConfig(args: string[] = []): Promise<SweepConfig> {
  let config: SweepConfig | null = null;
  const program = buildProgram(capture(), { code: 0 });
  program.commands
    .find((c) => c.name() === 'sweep')!
    .action((flags: SweepFlags) => {
      config = configFromFlags(flags);
    });
  await program.parseAsync(['sweep', ...args], { from: 'user' });
  return config!;
}

describe('one set of defaults', () => {
  // src/renderer/src/lib/config-form.test.ts holds the app's first-run form to the same config
  it('the default flags sweep DEFAULT_SWEEP with the schema defaults, setting for setting', async () => {
    const cli = await cliConfig();
    expect(cli).toEqual(
      SweepConfigSchema.parse({
        model: { source: 'preset', preset: DEFAULT_SWEEP.preset },
        variants: [...DEFAULT_SWEEP.variants],
        contexts: [512, 2048, 8192, 32768, 131072],
      }),
    );
    expect(cli.model).toEqual({ source: 'preset', preset: 'deepseek-v3' });
    expect(cli.budgetSeconds).toBe(DEFAULT_BUDGET_SECONDS);
    expect(cli.maxStepSeconds).toBe(DEFAULT_MAX_STEP_SECONDS);
  });
});

describe('one capacity answer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvscope-answer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'llama.json');
  writeFileSync(cfg, JSON.stringify(CONFIGS['llama-3.1-8b']));
  const cases: [string, string[], CapacityRequest][] = [
    [
      'a preset',
      ['--preset', 'mistral-7b', '--context', '32k', '--memory', '24GB'],
      { model: { kind: 'preset', id: 'mistral-7b' }, memoryBytes: 24e9, weightDtype: 'bf16', cacheDtype: 'bf16', context: 32768, batch: 1, gqaGroups: 8 },
    ],
    [
      'a config.json with an MLA rank',
      ['--config', cfg, '--context', '128k', '--memory', '80GB', '--weight-dtype', 'fp8', '--cache-dtype', 'int4', '--batch', '4', '--mla-rank', '256'],
      {
        model: { kind: 'hf-config', name: cfg, config: CONFIGS['llama-3.1-8b'] as Record<string, unknown> },
        memoryBytes: 80e9,
        weightDtype: 'fp8',
        cacheDtype: 'int4',
        context: 131072,
        batch: 4,
        gqaGroups: 8,
        mlaRank: 256,
      },
    ],
  ];
  it.each(cases)('%s: `kvscope plan --json` prints the object the planner:capacity handler returns', async (_, flags, request) => {
    const io = capture();
    expect(await main(['plan', ...flags, '--json'], io)).toBe(0);
    // what main's IPC handler (and the e2e bridge) answer: the argument validated, report-service's capacity, the reply validated
    const schemas = CHANNEL_SCHEMAS.plannerCapacity;
    const ipc = schemas.result.parse(capacity(schemas.arg.parse(request), 1, null));
    expect(JSON.parse(io.stdout)).toEqual(JSON.parse(JSON.stringify(ipc)));
    expect(ipc.kvBytesPerToken).toBe(ipc.variants.find((v) => v.isModel)!.kvBytesPerToken);
  });
});

describe('--cache-dtype', () => {
  it('takes the quantized caches', async () => {
    expect((await cliConfig(['--cache-dtype', 'int8,int4,fp8'])).dtypes).toEqual(['int8', 'int4', 'fp8']);
  });
  it('refuses an unknown one, naming the flag and the choices', async () => {
    await expect(cliConfig(['--cache-dtype', 'int3'])).rejects.toThrow(/--cache-dtype.*unknown value "int3"; choose from fp32, fp16, fp8, int8, int4/);
  });
});

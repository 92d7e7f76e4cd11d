/**
 * The GPU form comparison (scripts/device-check.sh ROUND=5; on software Vulkan here at small
 * dims): per variant, decode at T in fp32 and fp16, every candidate op form (MatMul forms against
 * onnxruntime's fused MultiHeadAttention and GroupQueryAttention), the fastest form again with
 * WebGPU graph capture on, and blocked prefill at Tp with the derived block and 4x and 1/4 of it.
 * Prints median ms with the 95% interval, and the efficiency against this provider's probes.
 *   npx tsx bench/gpu-forms.ts [provider=webgpu] [T=32768] [Tp=8192] [preset=llama-3.1-8b]
 */
import { rmSync } from 'node:fs';
import { attainableSeconds } from '../src/contract/roofline.js';
import { buildGraph, type BuiltGraph, type GraphRequest } from '../src/core/graph/builders.js';
import { scratchDir } from '../src/core/graph/resident.js';
import { timingFeeds } from '../src/core/graph/verify.js';
import { measure, POLICIES, type Measurement } from '../src/core/measure/harness.js';
import { resolveModel, variantSpec } from '../src/core/measure/planner.js';
import { probeDevice } from '../src/core/measure/probes.js';
import { candidateForms } from '../src/core/measure/runner.js';
import type { Dtype, Variant } from '../src/core/model/spec.js';
import { PROVIDERS, type Provider } from '../src/core/runtime/providers.js';
import { MeasuredSession } from '../src/core/runtime/session.js';
import { prefillBlockRows } from '../src/core/graph/prefill-blocks.js';

const [providerArg = 'webgpu', tArg = '32768', tpArg = '8192', preset = 'llama-3.1-8b'] = process.argv.slice(2);
const provider = providerArg as Provider;
const T = Number(tArg);
const Tp = Number(tpArg);
if (!PROVIDERS.includes(provider) || !Number.isInteger(T) || T < 2 || !Number.isInteger(Tp) || Tp < 1) {
  process.stderr.write(`usage: gpu-forms.ts [${PROVIDERS.join('|')}] [T >= 2] [Tp >= 1] [preset]; got ${process.argv.slice(2).join(' ')}\n`);
  process.exit(2);
}
const log = (s: string): void => void process.stdout.write(`${s}\n`);
const POLICY = { ...POLICIES.calibration, budgetMs: 1500 };
const probes = await probeDevice(provider);
log(
  `# gpu-forms on ${provider} (${new Date().toISOString()}), ${preset} dims; probes ${probes.bandwidthGBs.toFixed(1)} GB/s, ${probes.gflops.toFixed(1)} GFLOP/s`,
);
const model = resolveModel({ source: 'preset', preset });
const dir = scratchDir('bench', 2 ** 30);

async function time(req: GraphRequest, name: string, graphCapture = false): Promise<{ g: BuiltGraph; m: Measurement } | string> {
  const g = buildGraph(req, dir, name);
  try {
    const s = await MeasuredSession.open(g.modelPath, { provider, graphCapture });
    try {
      const feeds = timingFeeds(g.inputs, 11);
      return { g, m: await measure(() => s.run(feeds), POLICY) };
    } finally {
      await s.dispose();
    }
  } catch (e) {
    return (e as Error).message.split('\n')[0]!.slice(0, 160);
  } finally {
    rmSync(g.modelPath, { force: true });
    if (g.dataPath) rmSync(g.dataPath, { force: true });
  }
}
const cell = (r: { g: BuiltGraph; m: Measurement } | string): string => {
  if (typeof r === 'string') return `failed: ${r}`;
  const { m, g } = r;
  const eff = (attainableSeconds({ bytes: g.bytesRead, flops: g.flops }, probes) * 1000) / m.summary.median;
  return `${m.summary.median.toFixed(3)} ms [${m.summary.ci95[0].toFixed(3)}, ${m.summary.ci95[1].toFixed(3)}] eff ${(eff * 100).toFixed(1)}%${m.noisy ? ' (noisy)' : ''}`;
};

try {
  for (const variant of ['mha', 'gqa', 'mqa', 'mla-absorbed'] as Variant[]) {
    const spec = variantSpec(model, variant, 8);
    for (const dtype of ['fp32', 'fp16'] as Dtype[]) {
      log(`\n## ${variant} decode, T = ${T}, ${dtype}`);
      let best: { form: GraphRequest['form']; ms: number } | null = null;
      for (const form of candidateForms({ spec, mode: 'decode', cacheTokens: T })) {
        const r = await time({ variant, spec, mode: 'decode', batch: 1, context: T, dtype, layers: 1, form }, `${variant}-${dtype}-${form}`);
        log(`  ${form!.padEnd(11)} ${cell(r)}`);
        if (typeof r !== 'string' && (!best || r.m.summary.median < best.ms)) best = { form, ms: r.m.summary.median };
      }
      if (best && provider === 'webgpu') {
        const r = await time({ variant, spec, mode: 'decode', batch: 1, context: T, dtype, layers: 1, form: best.form }, `${variant}-${dtype}-capture`, true);
        log(`  ${best.form} with graph capture: ${cell(r)}`);
      }
    }
    const rows = prefillBlockRows(spec, variant, 1, Tp, 'fp32');
    log(`\n## ${variant} prefill, T = ${Tp}, fp32, blocked (derived block ${rows} queries)`);
    for (const block of new Set([Math.max(1, Math.floor(rows / 4)), rows, Math.min(Tp, rows * 4)])) {
      const r = await time(
        { variant, spec, mode: 'prefill', batch: 1, context: Tp, dtype: 'fp32', layers: 1, form: 'blocked', prefillBlock: block },
        `${variant}-pf-${block}`,
      );
      log(`  ${String(block).padStart(5)} queries per block: ${cell(r)}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Execution providers: what onnxruntime-node has compiled in, and which really work here (a
 * tiny session is opened and run on each; the reason is kept when one does not).
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { PROVIDERS } from '@/contract/lists.js';
import { GraphBuilder } from '../graph/onnx.js';
import { scratchDir } from '../graph/resident.js';

export { PROVIDERS };
export type Provider = (typeof PROVIDERS)[number];

/** The status of one provider: defined once, in the contract. */
export type { ProviderStatus } from '@/contract/api.js';
import type { ProviderStatus } from '@/contract/api.js';

export function ortVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common ?? 'unknown';
}

/** The provider entry for session options; webgpu accepts no deviceId. */
export function providerOption(p: Provider): ort.InferenceSession.ExecutionProviderConfig {
  return p === 'cpu' ? 'cpu' : { name: p };
}

function tinyModel(dir: string): string {
  const g = new GraphBuilder('probe');
  const a = g.input('a', 'fp32', [1, 64]);
  const b = g.constant(
    'b',
    'fp32',
    [64, 64],
    Array.from({ length: 64 * 64 }, (_, i) => (i % 7) / 7),
  );
  g.node('MatMul', [a, b], { outputs: ['y'], name: 'probe_matmul' });
  g.output('y', 'fp32', [1, 64]);
  const path = join(dir, 'probe.onnx');
  writeFileSync(path, g.encode());
  return path;
}

/** Opens and runs a tiny session on every provider; never throws. */
export async function detectProviders(): Promise<ProviderStatus[]> {
  const compiled = new Set(ort.listSupportedBackends().map((b) => b.name));
  const dir = scratchDir('detect', 1 << 20);
  try {
    const model = tinyModel(dir);
    const out: ProviderStatus[] = [];
    for (const name of PROVIDERS) {
      if ((!compiled.has(name) && name !== 'cpu') || (name === 'cuda' && !cudaLibraryPresent())) {
        out.push({ name, compiledIn: false, works: false, reason: notCompiledReason(name) });
        continue;
      }
      const t0 = performance.now();
      try {
        // Severity 4 (fatal only): a provider whose libraries are missing is an answer, not an error to print.
        const s = await ort.InferenceSession.create(model, { executionProviders: [providerOption(name)], logSeverityLevel: 4 });
        try {
          await s.run({ a: new ort.Tensor('float32', new Float32Array(64).fill(1), [1, 64]) });
        } finally {
          await s.release();
        }
        out.push({ name, compiledIn: true, works: true, probeMs: performance.now() - t0 });
      } catch (err) {
        out.push({ name, compiledIn: true, works: false, reason: firstLine(err), probeMs: performance.now() - t0 });
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether the CUDA provider library was installed beside the binding (it is downloaded at
 * install time only with ONNXRUNTIME_NODE_INSTALL=cuda12). Checked first so that a missing
 * library is an answer, not an error line onnxruntime prints on stderr.
 */
export function cudaLibraryPresent(): boolean {
  try {
    const binDir = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin');
    const stack = [binDir];
    while (stack.length > 0) {
      const d = stack.pop()!;
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) stack.push(join(d, e.name));
        else if (/onnxruntime_providers_cuda/.test(e.name)) return true;
      }
    }
  } catch {
    return true; // cannot tell: let the probe session decide
  }
  return false;
}

function notCompiledReason(name: Provider): string {
  switch (name) {
    case 'cuda':
      return process.platform === 'linux'
        ? 'CUDA libraries not installed: reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 (see README)'
        : 'onnxruntime-node ships CUDA for Linux x64 only';
    case 'dml':
      return 'DirectML ships with onnxruntime-node on Windows only';
    case 'coreml':
      return 'CoreML ships with onnxruntime-node on macOS only';
    default:
      return `${name} is not compiled into this onnxruntime-node build`;
  }
}

export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 400);
}

/** Preference order for `--ep auto`: GPU providers first. */
export const AUTO_ORDER: Provider[] = ['cuda', 'dml', 'webgpu', 'coreml', 'cpu'];

export function pickAuto(statuses: ProviderStatus[]): Provider {
  for (const p of AUTO_ORDER) if (statuses.find((s) => s.name === p)?.works) return p;
  return 'cpu';
}

/**
 * A measured onnxruntime session: explicit options, optional profiling, and the placement of
 * every node read back from the profile. Wraps the binding with an explicit dispose().
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { providerOption, type Provider } from './providers.js';

export interface SessionConfig {
  provider: Provider;
  /** Intra-op threads for CPU kernels (0 = onnxruntime's default: one per physical core). */
  threads?: number;
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Write an onnxruntime profile to read node placement from. */
  profile?: boolean;
  /**
   * WebGPU only: capture the session's GPU work once and replay it (onnxruntime's
   * ep.webgpuexecutionprovider.enableGraphCapture; bench/gpu-forms.ts compares on and off).
   */
  graphCapture?: boolean;
  /** onnxruntime's CPU memory arena (default on; scripts/prefill-long.ts --no-arena compares). */
  arena?: boolean;
  /**
   * Let kernels prepack their constant inputs (off by default). Only the nbits form's packed cache
   * is constant (builders-quant.ts): MatMulNBits takes its packed kernel only for a prepacked B.
   */
  prepack?: boolean;
}

/** Where each node ran, from the profile's `cat: "Node"` events. */
export interface NodePlacement {
  node: string;
  op: string;
  provider: string;
  /** Total microseconds over the profiled runs. */
  durUs: number;
}

export type Feeds = Record<string, ort.Tensor>;

export class MeasuredSession {
  readonly #session: ort.InferenceSession;
  readonly #profilePrefix: string | null;
  #disposed = false;

  private constructor(
    session: ort.InferenceSession,
    profilePrefix: string | null,
    readonly config: SessionConfig,
  ) {
    this.#session = session;
    this.#profilePrefix = profilePrefix;
  }

  static async open(modelPath: string, config: SessionConfig): Promise<MeasuredSession> {
    const profilePrefix = config.profile ? join(dirname(modelPath), `${basename(modelPath, '.onnx')}-profile`) : null;
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [providerOption(config.provider)],
      graphOptimizationLevel: config.graphOptimization ?? 'all',
      intraOpNumThreads: config.threads ?? 0,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // Errors only: constant-folding notes about fp16 kernels are noise in a profiler's output.
      logSeverityLevel: 3,
      enableCpuMemArena: config.arena ?? true,
      enableMemPattern: true,
      // Prepacking would keep a second, repacked copy of constant MatMul inputs (our cache).
      extra: {
        ...(config.prepack ? {} : { session: { disable_prepacking: '1' } }),
        ...(config.graphCapture ? { ep: { webgpuexecutionprovider: { enableGraphCapture: '1' } } } : {}),
      },
      ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
    };
    const session = await ort.InferenceSession.create(modelPath, options);
    return new MeasuredSession(session, profilePrefix, config);
  }

  get inputNames(): readonly string[] {
    return this.#session.inputNames;
  }

  /**
   * One run. `fetches` may give tensors to write outputs into (preallocated; onnxruntime-node wraps
   * their memory), e.g. a fed tensor again, so an op whose output may share its input's buffer
   * (GroupQueryAttention's past and present) works in place; null names an output to return.
   */
  async run(feeds: Feeds, fetches?: Record<string, ort.Tensor | null>): Promise<Record<string, ort.Tensor>> {
    if (this.#disposed) throw new Error('session already disposed');
    return fetches ? this.#session.run(feeds, fetches) : this.#session.run(feeds);
  }

  /**
   * Ends profiling and returns the placement of every node that ran (profile file deleted), its
   * time summed over the runs after the first `skipRuns` (warm-up: first-touch page faults).
   */
  placement(skipRuns = 0): NodePlacement[] {
    if (!this.#profilePrefix) throw new Error('session was opened without profile: true');
    this.#session.endProfiling();
    const dir = dirname(this.#profilePrefix);
    const prefix = basename(this.#profilePrefix);
    const files = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));
    if (files.length === 0) throw new Error(`onnxruntime wrote no profile with prefix ${this.#profilePrefix}`);
    const byNode = new Map<string, NodePlacement>();
    for (const f of files) {
      const path = join(dir, f);
      const events = JSON.parse(readFileSync(path, 'utf8')) as {
        cat?: string;
        name?: string;
        ts?: number;
        dur?: number;
        args?: { op_name?: string; provider?: string };
      }[];
      rmSync(path, { force: true });
      const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
      const skipped = skipRuns > 0 ? runs[skipRuns - 1] : undefined;
      const from = skipped ? (skipped.ts ?? 0) + (skipped.dur ?? 0) : -Infinity;
      for (const e of events) {
        if (e.cat !== 'Node' || !e.args?.provider || !e.name?.endsWith('_kernel_time') || (e.ts ?? 0) < from) continue;
        const node = e.name.slice(0, -'_kernel_time'.length);
        const prev = byNode.get(node);
        if (prev) prev.durUs += e.dur ?? 0;
        else byNode.set(node, { node, op: e.args.op_name ?? '?', provider: e.args.provider, durUs: e.dur ?? 0 });
      }
    }
    return [...byNode.values()];
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#session.release();
  }
}

/** Short provider name as the profile writes it ("CPUExecutionProvider" -> "cpu"). */
export function providerShortName(profileProvider: string): string {
  const map: Record<string, string> = {
    CPUExecutionProvider: 'cpu',
    WebGpuExecutionProvider: 'webgpu',
    JsExecutionProvider: 'webgpu',
    CUDAExecutionProvider: 'cuda',
    DmlExecutionProvider: 'dml',
    CoreMLExecutionProvider: 'coreml',
    TensorrtExecutionProvider: 'tensorrt',
  };
  return map[profileProvider] ?? profileProvider;
}

export interface PlacementReport {
  /** Attention nodes by where they ran. */
  attention: { node: string; op: string; provider: string }[];
  /** Attention nodes that ran elsewhere than the provider asked for. */
  fellBack: string[];
  /** Attention nodes that never showed in the profile (fused or folded away by the optimizer). */
  notSeen: string[];
}

/** Which attention nodes ran where; a fallback is reported, never hidden. */
export function placementReport(placement: NodePlacement[], attentionNodes: string[], asked: Provider): PlacementReport {
  const seen = new Map(placement.map((p) => [p.node, p]));
  const attention: PlacementReport['attention'] = [];
  const notSeen: string[] = [];
  for (const n of attentionNodes) {
    const p = seen.get(n);
    if (p) attention.push({ node: n, op: p.op, provider: providerShortName(p.provider) });
    else notSeen.push(n);
  }
  // Nodes the optimizer fused get new names: attribute any other node with the same op type.
  return { attention, fellBack: attention.filter((a) => a.provider !== asked).map((a) => a.node), notSeen };
}

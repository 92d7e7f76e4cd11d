/**
 * A whole-model decode estimate on N GPUs (pure; an estimate, labelled so on every surface): one
 * step for every sequence a GPU serves is its active weights read once, plus each layer's
 * attention step for the cache that GPU holds, plus one ring all-reduce per layer under TP.
 * Pipeline stages run one after another for a token (no micro-batch overlap), so a step covers
 * every layer. The attention step is a measured per-layer step scaled by the bytes the GPU holds
 * (a sweep report's points, within 2x of those bytes), else bytes / bandwidth (the roofline
 * of a memory-bound decode).
 */
import type { PerGpuAnswer } from '@/contract/parallel-api.js';
import { gpuCacheBytes, type ParallelInput, type PerGpuFigures } from './parallel.js';

/** One measured per-layer decode step of a variant: its time and the cache bytes the measured layer read. */
export interface MeasuredStep {
  perLayerMs: number;
  /** kvBytesPerTokenPerLayer x cacheTokens x batch of the measured point. */
  bytes: number;
  context: number;
}

export type StepSource =
  { kind: 'roofline'; bandwidthGBs: number } | { kind: 'measured'; bandwidthGBs: number; label: string; steps: Record<string, MeasuredStep[]> };

export interface EstimateInput {
  /** GB/s of the link the TP all-reduce runs over. */
  linkGBs: number;
  /** Bytes per element of the activations the all-reduce moves. */
  activationBytes: number;
  /** Where the step comes from; null = no estimate, for the reason in `missing`. */
  step: StepSource | null;
  missing?: string;
}

/** Milliseconds of one ring all-reduce of `bytes` over `tp` ranks at `linkGBs`: 2 (tp - 1) / tp x bytes / bandwidth. */
export function ringAllReduceMs(bytes: number, tp: number, linkGBs: number): number {
  return tp <= 1 ? 0 : (((2 * (tp - 1)) / tp) * bytes * 1000) / (linkGBs * 1e9);
}

const g3 = (x: number) => x.toLocaleString('en-US', { maximumSignificantDigits: 3 });

/** Adds the decode estimate to per-GPU figures. */
export function withDecodeEstimate(f: PerGpuFigures, i: ParallelInput, e: EstimateInput): PerGpuAnswer {
  const { layout: l, model: m } = i;
  const seqs = f.sequencesPerGpu;
  const allReduceBytes = seqs * m.hiddenSize * e.activationBytes;
  const perLayerAllReduce = ringAllReduceMs(allReduceBytes, l.tp, e.linkGBs);
  const interconnect =
    l.tp > 1
      ? `one ring all-reduce per layer under TP ${l.tp}: 2 x (${l.tp} - 1) / ${l.tp} x ${allReduceBytes.toLocaleString('en-US')} B (${seqs} sequence${seqs === 1 ? '' : 's'} x hidden ${m.hiddenSize} x ${e.activationBytes} B) at ${e.linkGBs} GB/s = ${g3(perLayerAllReduce)} ms per layer (Megatron-style TP has two per layer, after attention and after the MLP: a lower bound); no latency term${l.pp > 1 ? ', no PP sends' : ''}${l.dpAttention ? ', no MoE all-to-all' : ''}`
      : `no TP all-reduce (TP 1)${l.pp > 1 ? '; PP sends not counted' : ''}${l.dpAttention ? '; MoE all-to-all not counted' : ''}`;
  const s = e.step;
  const { variants: _v, stageOf: _s, shares, ...rest } = f;
  const base = { ...rest, variants: f.variants };
  if (!s) return { ...base, estimate: { label: 'estimate', basis: null, interconnect, allReduceBytes, missing: e.missing ?? 'no step source' } };
  const bw = s.bandwidthGBs * 1e9;
  const activeGpuBytes = l.dpAttention
    ? m.attentionWeightBytes / l.tp + (m.activeWeightBytes - m.attentionWeightBytes) / (l.tp * l.dp)
    : m.activeWeightBytes / l.tp;
  const weightsMs = (activeGpuBytes / bw) * 1000;
  const variants = f.variants.map((v) => {
    const layers = i.variants.find((x) => x.variant === v.variant)!.layers;
    const share = shares[v.variant]!.share;
    const points = s.kind === 'measured' ? (s.steps[v.variant] ?? []) : [];
    let attentionMs = 0;
    let measured = 0;
    let ratio = 0;
    let at = 0;
    for (const layer of layers) {
      const bytes = gpuCacheBytes([layer], share, l.dcp, i.context) * seqs;
      const near = points.filter((p) => p.bytes > 0).sort((a, b) => Math.abs(Math.log(a.bytes / bytes)) - Math.abs(Math.log(b.bytes / bytes)))[0];
      if (near && bytes > 0 && bytes / near.bytes >= 0.5 && bytes / near.bytes <= 2) {
        attentionMs += near.perLayerMs * (bytes / near.bytes);
        measured++;
        ratio = bytes / near.bytes;
        at = near.context;
      } else attentionMs += (bytes / bw) * 1000;
    }
    const allReduceMs = perLayerAllReduce * layers.length;
    const stepMs = weightsMs + attentionMs + allReduceMs;
    const attentionBasis =
      measured === layers.length
        ? `measured step at ${at} tokens scaled by the bytes this GPU holds (x${g3(ratio)})`
        : measured > 0
          ? `measured steps for ${measured} of ${layers.length} layers, cache bytes / ${g3(s.bandwidthGBs)} GB/s for the rest`
          : `cache bytes this GPU holds / ${g3(s.bandwidthGBs)} GB/s${s.kind === 'measured' ? ' (no measured step within 2x of those bytes)' : ''}`;
    return { ...v, estimate: { tokensPerSecond: (i.batch * 1000) / stepMs, stepMs, weightsMs, attentionMs, allReduceMs, attentionBasis } };
  });
  const basis =
    s.kind === 'roofline'
      ? `estimate, analytic roofline: active weights and cache bytes per GPU / ${s.bandwidthGBs} GB/s (memory-bound decode), plus the all-reduce`
      : `estimate built on ${s.label}: measured per-layer steps scaled by the cache bytes each GPU holds, active weights / the measured ${g3(s.bandwidthGBs)} GB/s, plus the all-reduce; assumes each GPU is as fast as that device`;
  return { ...base, variants, estimate: { label: 'estimate', basis, interconnect, allReduceBytes, missing: null } };
}

/**
 * From points (and the plan) to plain chart models: one series per variant (and per dtype or
 * batch where the sweep has several), x = context. Pure, and one definition for the app's charts
 * and the standalone HTML report's (which bundles this module); the renderer's chart-setup maps
 * a model onto chart.js for both.
 */
import type { PlannedPointSummary } from '@/contract/api.js';
import type { Point } from '@/contract/schemas.js';
import { fitYAxis } from './chart-ticks.js';
import { OVER_BUDGET_TEXT, wholeModelFits } from './fit.js';
import { graphLayersOf } from './field-kit.js';
import { formatBytes, formatContext } from './format.js';
import { savingsVsMha } from './savings.js';
import { modelInterval } from './timing.js';
import { group, type Keyed } from './chart-group.js';
import { VARIANT_LABELS, type Variant } from './variants.js';

export type ValueFormat = 'bytes' | 'ms' | 'number' | 'percent' | 'ratio';

export interface XY {
  x: number;
  y: number;
  /** The 95% interval of a measured value, in y's units (drawn as an error bar). */
  lo?: number;
  hi?: number;
  /** The timing is noisy (drawn as a hollow, larger marker; the tooltip says why). */
  noisy?: boolean;
  /** The value measured where y cannot show it (at or below 0 on a log axis): y is then the axis floor. */
  raw?: number;
  /** A line the tooltip adds under the value. */
  note?: string;
  /** The tooltip's value where y is not the point's value (a largest-fit marker: its context). */
  value?: string;
  /** The whole model's cache at this point is over the device's memory budget (fit.ts wholeModelFits). */
  overBudget?: boolean;
}

export interface SeriesModel {
  label: string;
  variant: Variant | 'budget';
  /** line: analytic or connected measurements; scatter: measured points only. */
  style: 'line' | 'dashed' | 'scatter' | 'marker';
  /** Line dash overriding the style's (the compare view draws one dash per report). */
  dash?: number[];
  data: XY[];
}

export interface ChartModel {
  id: string;
  title: string;
  yLabel: string;
  yLog: boolean;
  format: ValueFormat;
  series: SeriesModel[];
  /** Shown instead of an empty plot. */
  empty: string;
  /** A line under the chart that says what a series measures. */
  note?: string;
  /** The smallest and largest plotted y (chart-ticks.ts fitYAxis); the drawn axis spans it. */
  yRange?: { min: number; max: number } | null;
}

export interface ChartInputs {
  points: readonly Point[];
  planned: readonly PlannedPointSummary[];
  /** The model's layer count and the layers built into each graph (null: each point's own), to scale measured memory. */
  modelLayers: number | null;
  measuredLayers: number | null;
  budgetBytes: number | null;
  largestContextThatFits: Record<string, number | null> | null;
  /** Device read bandwidth (GB/s) from the report's probes, once known. */
  bandwidthGBs: number | null;
}

const ok = (p: Point): boolean => p.status === 'ok';

/** A measured step's interval and noise flag, scaled like `value` (which is the median times a factor). */
/** The whole-model step's interval (a hybrid model's: the bootstrap of its sum over layer kinds). */
function modelUncertainty(p: Point): Omit<XY, 'x' | 'y'> {
  const ci = modelInterval(p.timing);
  return { ...(ci ? { lo: ci[0], hi: ci[1] } : {}), ...(p.timing?.noisy ? { noisy: true } : {}) };
}

/**
 * Measured memory is the RSS growth of the measured layers (memory.measuredDeltaBytes: after the
 * session was built minus before), scaled to the model's layers like the analytic line. The
 * session's fixed cost is inside that growth and is scaled too: the label says the layers and the
 * factor, the axis title and each tooltip say the rest.
 */
function measuredMemoryLabel(measuredLayers: number | null, modelLayers: number | null): string {
  if (measuredLayers === null) return modelLayers ? ' measured (RSS, scaled to the model)' : ' measured (RSS)';
  const n = Math.max(1, measuredLayers);
  const layers = `${n} layer${n === 1 ? '' : 's'}`;
  return !modelLayers || modelLayers === n ? ` measured (RSS, ${layers})` : ` measured (RSS, ${layers} ×${formatScale(modelLayers / n)})`;
}

const MEASURED_MEMORY_NOTE = "measured = RSS growth, the session's fixed cost included";

const formatScale = (f: number): string => (Number.isInteger(f) ? String(f) : f.toFixed(2));

export function memoryChart(inp: ChartInputs): ChartModel {
  // Analytic line from the plan where there is one (it covers points not yet run), else from points.
  const analyticSrc: (Keyed & { modelCacheBytes: number })[] = inp.planned.length
    ? inp.planned.filter((p) => p.mode === 'decode')
    : inp.points.filter((p) => p.mode === 'decode');
  const over = (p: { modelCacheBytes: number }): boolean => wholeModelFits(p, inp.budgetBytes) === false;
  const series = group(
    analyticSrc,
    (p) => p.modelCacheBytes,
    'line',
    ' analytic',
    (p) => (over(p) ? { overBudget: true, note: `Not on this device: ${OVER_BUDGET_TEXT}` } : {}),
  );
  // The same points again as one flagged series, so the legend says what the marks mean.
  const overPoints = analyticSrc.filter(over);
  if (overPoints.length)
    series.push({
      label: 'whole model over the budget',
      variant: 'budget',
      style: 'scatter',
      data: overPoints
        .map((p) => ({ x: p.context, y: p.modelCacheBytes, overBudget: true, note: `${VARIANT_LABELS[p.variant]}: ${OVER_BUDGET_TEXT}` }))
        .sort((a, b) => a.x - b.x),
    });
  const measured = inp.points.filter((p) => ok(p) && p.mode === 'decode' && p.memory);
  // each point's graph layers (auto layers can differ per point); one count where they agree
  const layersOfPoint = (p: Point): number => Math.max(1, graphLayersOf(p, inp.measuredLayers) ?? 1);
  const counts = new Set(measured.map(layersOfPoint));
  const common = counts.size <= 1 ? ([...counts][0] ?? inp.measuredLayers ?? 1) : null;
  const scaleOf = (p: Point): number => (inp.modelLayers ? inp.modelLayers / layersOfPoint(p) : 1);
  series.push(
    ...group(
      measured,
      (p) => (p.memory ? p.memory.measuredDeltaBytes * scaleOf(p) : null),
      'scatter',
      measuredMemoryLabel(common, inp.modelLayers),
      (p) =>
        p.memory
          ? {
              note:
                `RSS growth ${formatBytes(p.memory.measuredDeltaBytes)}` +
                (scaleOf(p) !== 1 ? ` ×${formatScale(scaleOf(p))}` : '') +
                ` vs analytic cache ${formatBytes(p.memory.analyticCacheBytes)} of the measured layers; the session's fixed cost is included`,
            }
          : {},
    ),
  );
  if (inp.budgetBytes !== null) {
    const xs = analyticSrc.map((p) => p.context);
    const fits = Object.values(inp.largestContextThatFits ?? {}).filter((v): v is number => typeof v === 'number');
    const all = [...xs, ...fits];
    if (all.length) {
      series.push({
        label: 'memory budget',
        variant: 'budget',
        style: 'dashed',
        data: [
          { x: Math.min(...all), y: inp.budgetBytes },
          { x: Math.max(...all), y: inp.budgetBytes },
        ],
      });
    }
    for (const [variant, ctx] of Object.entries(inp.largestContextThatFits ?? {})) {
      if (typeof ctx !== 'number' || ctx <= 0) continue;
      series.push({
        label: `${VARIANT_LABELS[variant as Variant] ?? variant} largest fit`,
        variant: variant as Variant,
        style: 'marker',
        data: [{ x: ctx, y: inp.budgetBytes, value: formatContext(ctx) }],
      });
    }
  }
  return fitYAxis({
    id: 'memory',
    title: 'KV-cache memory vs context (whole model)',
    yLabel: 'bytes',
    ...(series.some((s) => s.style === 'scatter') ? { note: MEASURED_MEMORY_NOTE } : {}),
    yLog: true,
    format: 'bytes',
    series,
    empty: 'Plan a sweep to see the analytic cache size of each variant.',
  });
}

export function stepTimeChart(inp: ChartInputs): ChartModel {
  return fitYAxis({
    id: 'step-time',
    title: 'Decode step time vs context (scaled to all layers)',
    yLabel: 'ms per token',
    yLog: true,
    format: 'ms',
    series: group(
      inp.points.filter((p) => ok(p) && p.mode === 'decode' && p.timing),
      (p) => p.timing?.modelMs,
      'line',
      '',
      (p) => modelUncertainty(p),
    ),
    empty: 'Decode step times appear here as points are measured.',
  });
}

export function tokensChart(inp: ChartInputs): ChartModel {
  return fitYAxis({
    id: 'tokens',
    title: 'Decode throughput vs context (attention only, all layers)',
    yLabel: 'tokens/s (attention only)',
    yLog: true,
    format: 'number',
    series: group(
      inp.points.filter((p) => ok(p) && p.mode === 'decode' && p.timing),
      (p) => p.timing?.tokensPerSecond,
      'line',
    ),
    empty: 'Tokens per second appear here as points are measured.',
  });
}

/** Achieved read bandwidth over the device's measured bandwidth (memory-bound points need no probe figure). */
export function bandwidthFraction(p: Point, bandwidthGBs: number | null): number | null {
  const r = p.roofline;
  if (!r) return null;
  if (bandwidthGBs && bandwidthGBs > 0) return r.achievedGBs / bandwidthGBs;
  return r.bound === 'memory' ? r.efficiency : null;
}

export function bandwidthChart(inp: ChartInputs): ChartModel {
  return fitYAxis({
    id: 'bandwidth',
    title: 'Achieved bandwidth / measured device limit',
    yLabel: 'fraction of limit',
    yLog: false,
    format: 'percent',
    series: group(
      inp.points.filter((p) => ok(p) && p.mode === 'decode'),
      (p) => bandwidthFraction(p, inp.bandwidthGBs),
      'line',
    ),
    empty: 'Bandwidth efficiency appears here as points are measured.',
  });
}

/**
 * Per variant other than MHA: its savings vs MHA (savings.ts: MHA's cache bytes / the variant's,
 * MHA's step time / the variant's; above 1: the variant saves). Ratios span 1x to tens of x, so
 * the axis is log.
 */
export function savingsChart(inp: ChartInputs): ChartModel {
  const savings = savingsVsMha(inp.points);
  const others = inp.points.filter((p) => p.mode === 'decode' && p.variant !== 'mha');
  const memory = group(others, (p) => savings.get(p.id)?.memory ?? null, 'dashed', ' memory ×');
  const speed = group(others.filter(ok), (p) => savings.get(p.id)?.speed ?? null, 'line', ' speed ×');
  return fitYAxis({
    id: 'savings',
    title: 'Savings vs MHA (memory ratio, speed ratio)',
    yLabel: '× vs MHA',
    yLog: true,
    format: 'ratio',
    series: [...memory, ...speed],
    empty: 'Include MHA and another variant to compare them.',
  });
}

export function prefillChart(inp: ChartInputs): ChartModel {
  return fitYAxis({
    id: 'prefill',
    title: 'Prefill: attention-only time to first token vs context (all layers)',
    yLabel: 'ms',
    yLog: true,
    format: 'ms',
    series: group(
      inp.points.filter((p) => ok(p) && p.mode === 'prefill' && p.timing),
      (p) => p.timing?.modelMs,
      'line',
      '',
      (p) => modelUncertainty(p),
    ),
    empty: 'Add the prefill mode to the sweep to measure prompt processing.',
  });
}

/**
 * What a quantized cache (fp8, int8, int4) costs in accuracy: the mean KL divergence of the
 * attention probabilities from the unquantized cache's (point.accuracy, nats; the figure llama.cpp's
 * users compare cache types by), per variant and cache type. It is measured on the point's
 * verification graph, at the cached tokens the note names, so it is the same at every context.
 */
export function accuracyChart(inp: ChartInputs): ChartModel {
  const quantized = inp.points.filter((p) => ok(p) && p.accuracy);
  const tokens = [...new Set(quantized.map((p) => p.accuracy!.context))];
  return fitYAxis({
    id: 'accuracy',
    title: 'Quantized caches: accuracy cost (KL divergence of the attention probabilities)',
    yLabel: 'KL divergence (nats)',
    yLog: true,
    format: 'number',
    series: group(
      quantized,
      (p) => p.accuracy?.klDivergence,
      'line',
      '',
      (p) => ({
        note: `output rel. L2 error ${p.accuracy!.relativeL2.toExponential(2)}, max abs ${p.accuracy!.maxAbsError.toExponential(2)}`,
      }),
    ),
    empty: 'Add a quantized cache (fp8, int8, int4) to the sweep to see what it costs in accuracy.',
    note: tokens.length
      ? `against the float64 reference over the unquantized cache, on the verification graph (${tokens.join(', ')} cached tokens)`
      : undefined,
  });
}

/**
 * The charts plot one point per variant and context: a hybrid model's whole-model points (its layer
 * kinds' shares are in the tables). The accuracy chart is there when a point has a quantized cache.
 */
export function allCharts(all: ChartInputs): ChartModel[] {
  const inp = { ...all, points: all.points.filter((p) => p.layerGroup?.primary !== false) };
  const charts = [memoryChart(inp), stepTimeChart(inp), tokensChart(inp), bandwidthChart(inp), savingsChart(inp), prefillChart(inp)];
  return inp.points.some((p) => p.accuracy) ? [...charts, accuracyChart(inp)] : charts;
}

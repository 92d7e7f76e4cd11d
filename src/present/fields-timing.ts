/** Entries of the per-point field registry, timing group: src/present/fields.ts assembles FIELDS from them in a fixed order. */
import { formatNumber, formatPercent, msText } from './format.js';
import { num, ms, perLayer, csvOnly, type Field } from './field-kit.js';
import { halfWidth, intervalText, modelInterval, modelStepText, noiseFlag } from './timing.js';

/** The step: its statistics, per layer and scaled to the model, and the throughput it gives. */
export const TIMING_FIELDS: readonly Field[] = [
  csvOnly('medianMs', 'median_ms', 'ms', 'Median step of the measured graph', (p) => num(p.timing?.medianMs)),
  csvOnly('p95Ms', 'p95_ms', 'ms', '95th percentile step of the measured graph', (p) => num(p.timing?.p95Ms)),
  csvOnly('minMs', 'min_ms', 'ms', 'Fastest step of the measured graph', (p) => num(p.timing?.minMs)),
  csvOnly('meanMs', 'mean_ms', 'ms', 'Mean step of the measured graph', (p) => num(p.timing?.meanMs)),
  {
    id: 'perLayerMs',
    label: 'step ms/layer',
    unit: 'ms',
    title: 'Median step over the layers in the measured graph',
    get: (p) => num(p.timing?.perLayerMs),
    format: (p) => ms(num(p.timing?.perLayerMs)),
    csv: 'per_layer_ms',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  {
    id: 'ciHalfWidth',
    label: '95% CI',
    unit: '',
    title: "Half the median's 95% interval, relative to it (n/a: a report from before version 2)",
    get: (p) => halfWidth(p.timing),
    format: (p) => (p.timing ? intervalText(p.timing) : null),
    surfaces: ['cli', 'html', 'app'],
    numeric: true,
  },
  {
    id: 'noisy',
    label: 'noisy',
    unit: '',
    title: 'Whether the timing is noisy (? : not known, a report from before version 2)',
    get: (p) => p.timing?.noisy ?? null,
    format: (p) => noiseFlag(p.timing),
    csv: 'noisy',
    surfaces: ['cli', 'csv', 'html', 'app'],
    warn: (p) => p.timing?.noisy === true,
  },
  {
    id: 'rounds',
    label: 'rounds',
    unit: 'ms',
    title: "Each round's median step (every round a freshly written cache and a new session): their spread is the drift the interval takes in",
    get: (p) => (p.timing?.rounds?.length ? p.timing.rounds.map((r) => msText(r.medianMs)).join(';') : null),
    format: (p) => {
      const r = p.timing?.rounds?.map((x) => x.medianMs);
      return r?.length ? `${r.length}: ${msText(Math.min(...r))}–${msText(Math.max(...r))}` : null;
    },
    csv: 'round_medians_ms',
    surfaces: ['csv', 'html', 'app'],
  },
  {
    id: 'p95PerLayerMs',
    label: 'p95 ms/layer',
    unit: 'ms',
    title: '95th percentile step over the layers in the measured graph',
    get: (p, ctx) => perLayer(p.timing?.p95Ms, p, ctx),
    format: (p, ctx) => ms(perLayer(p.timing?.p95Ms, p, ctx)),
    surfaces: ['app'],
    numeric: true,
  },
  {
    id: 'cv',
    label: 'cv',
    unit: '',
    title: 'Coefficient of variation of the samples, as a percentage (the CSV keeps the fraction)',
    get: (p) => num(p.timing?.cv),
    format: (p) => (p.timing ? formatPercent(p.timing.cv) : null),
    csv: 'cv',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  csvOnly('reps', 'reps', '', 'Timed runs', (p) => num(p.timing?.reps)),
  {
    // beside the step, never subtracted: on a GPU it can be most of a short step
    id: 'overheadPerLayerMs',
    label: 'T=16 ms/layer',
    unit: 'ms',
    title: "The same graph's step at 16 cached tokens (a run's fixed cost plus work that does not grow with the context) over its layers",
    get: (p, ctx) => perLayer(p.timing?.overheadMs, p, ctx),
    format: (p, ctx) => ms(perLayer(p.timing?.overheadMs, p, ctx)),
    surfaces: ['cli', 'app'],
    numeric: true,
  },
  csvOnly('overheadMs', 'overhead_ms', 'ms', "The same graph's step at 16 cached tokens", (p) => num(p.timing?.overheadMs)),
  {
    id: 'modelMs',
    label: 'model ms',
    unit: 'ms',
    title:
      'The step scaled to all layers of the model (a hybrid model: the sum over its layer kinds), with its 95% interval in brackets (a hybrid model: a bootstrap of the sum)',
    get: (p) => num(p.timing?.modelMs),
    format: (p) => modelStepText(p.timing),
    csv: 'model_ms',
    surfaces: ['cli', 'csv', 'app'],
    numeric: true,
  },
  {
    // prefill's model ms under the name long-context users wait for; the model's other layers (projections, MLP) are not in it
    id: 'ttftMs',
    label: 'TTFT (attn)',
    unit: 'ms',
    title:
      "Prefill: attention-only time to first token, the prompt's attention through all layers of the model (the step scaled to them, a hybrid model's summed over its layer kinds; projections and MLP not included), with its 95% interval in brackets",
    get: (p) => (p.mode === 'prefill' ? num(p.timing?.modelMs) : null),
    format: (p) => (p.mode === 'prefill' ? modelStepText(p.timing) : null),
    csv: 'attention_ttft_ms',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  {
    id: 'tokensPerSecond',
    label: 'tok/s (attention)',
    unit: 'tokens/s',
    title: "Tokens per second through the attention of all layers alone (no weights, no MLP): an upper bound on the model's decode speed",
    get: (p) => num(p.timing?.tokensPerSecond),
    format: (p) => (p.timing?.tokensPerSecond ? formatNumber(p.timing.tokensPerSecond) : null),
    csv: 'tokens_per_s',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
];

/** The median's interval, the robust spread and the noise (report version 2; CSV only). */
export const TIMING_SPREAD_FIELDS: readonly Field[] = [
  csvOnly('ci95LoMs', 'median_ci95_lo_ms', 'ms', "Low end of the median's 95% interval", (p) => num(p.timing?.ci95Ms?.[0])),
  csvOnly('ci95HiMs', 'median_ci95_hi_ms', 'ms', "High end of the median's 95% interval", (p) => num(p.timing?.ci95Ms?.[1])),
  csvOnly('modelCi95LoMs', 'model_ci95_lo_ms', 'ms', "Low end of the whole-model step's 95% interval (model_ms)", (p) => num(modelInterval(p.timing)?.[0])),
  csvOnly('modelCi95HiMs', 'model_ci95_hi_ms', 'ms', "High end of the whole-model step's 95% interval (model_ms)", (p) => num(modelInterval(p.timing)?.[1])),
  csvOnly('iqrMs', 'iqr_ms', 'ms', 'Interquartile range of the samples', (p) => num(p.timing?.iqrMs)),
  csvOnly('madMs', 'mad_ms', 'ms', 'Median absolute deviation of the samples', (p) => num(p.timing?.madMs)),
  csvOnly('outliers', 'outliers', '', 'Samples set aside as outliers', (p) => num(p.timing?.outliers)),
  csvOnly('stoppedBy', 'stopped_by', '', 'What ended the sampling', (p) => p.timing?.stoppedBy ?? null),
  csvOnly('noise', 'noise', '', 'Why the timing is noisy', (p) => p.timing?.noise.join('; ') ?? null),
  csvOnly('otherCpuShare', 'other_cpu_share', '', 'Share of the CPU other processes used while timing', (p) => num(p.timing?.load?.otherCpuShare)),
  csvOnly('stealShare', 'steal_share', '', 'Share of the CPU the hypervisor took while timing', (p) => num(p.timing?.load?.stealShare)),
];

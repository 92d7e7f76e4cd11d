/** Entries of the per-point field registry, roofline group: src/present/fields.ts assembles FIELDS from them in a fixed order. */
import { formatNumber, formatPercent, timesText } from './format.js';
import { num, csvOnly, type Field } from './field-kit.js';

/** The roofline: bytes and FLOPs per step, what the step achieved and what bounds it. */
export const ROOFLINE_FIELDS: readonly Field[] = [
  csvOnly('bytesPerStep', 'bytes_per_step', 'B', 'Bytes a step reads and writes (roofline model)', (p) => num(p.roofline?.bytes)),
  csvOnly('flopsPerStep', 'flops_per_step', 'FLOP', 'Floating-point operations per step (roofline model)', (p) => num(p.roofline?.flops)),
  {
    id: 'achievedGBs',
    label: 'GB/s',
    unit: 'GB/s',
    title: 'Bytes per step over the median step',
    get: (p) => num(p.roofline?.achievedGBs),
    format: (p) => (p.roofline ? formatNumber(p.roofline.achievedGBs) : null),
    csv: 'achieved_gb_per_s',
    surfaces: ['cli', 'csv', 'app'],
    numeric: true,
  },
  {
    id: 'achievedGflops',
    label: 'GFLOP/s',
    unit: 'GFLOP/s',
    title: 'FLOPs per step over the median step',
    get: (p) => num(p.roofline?.achievedGflops),
    format: (p) => (p.roofline ? formatNumber(p.roofline.achievedGflops) : null),
    csv: 'achieved_gflop_per_s',
    surfaces: ['cli', 'csv'],
    numeric: true,
  },
  csvOnly('attainableMs', 'attainable_ms', 'ms', 'The roofline: the step the probes say this machine could reach', (p) => num(p.roofline?.attainableMs)),
  {
    id: 'bound',
    label: 'bound',
    unit: '',
    title: 'What limits the step by the roofline: memory bandwidth or compute',
    get: (p) => p.roofline?.bound ?? null,
    csv: 'bound',
    surfaces: ['cli', 'csv', 'html', 'app'],
  },
  {
    id: 'efficiency',
    label: 'roofline',
    unit: '',
    title: 'The roofline over the median step (over 100%: faster than the probes measured)',
    get: (p) => num(p.roofline?.efficiency),
    format: (p) => (p.roofline ? formatPercent(p.roofline.efficiency) : null),
    csv: 'roofline_efficiency',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
];

/** Against MHA at the same mode, dtype, batch and context. */
export const SAVINGS_FIELDS: readonly Field[] = [
  {
    id: 'memorySaved',
    label: 'KV saved vs MHA',
    unit: '×',
    title: "MHA's cache over this one's at the same mode, dtype, batch and context: how many times smaller",
    get: (p, ctx) => ctx.savings.get(p.id)?.memory ?? null,
    format: (p, ctx) => {
      const s = ctx.savings.get(p.id);
      return s ? timesText(s.memory) : null;
    },
    surfaces: ['cli', 'html', 'app'],
    numeric: true,
  },
  {
    id: 'speedup',
    label: 'speed vs MHA',
    unit: '×',
    title: "MHA's median step over this one's at the same mode, dtype, batch and context: how many times faster (under 1×: slower)",
    get: (p, ctx) => ctx.savings.get(p.id)?.speed ?? null,
    format: (p, ctx) => {
      const s = ctx.savings.get(p.id)?.speed;
      return s === null || s === undefined ? null : timesText(s);
    },
    surfaces: ['cli', 'html', 'app'],
    numeric: true,
  },
];

/** The roofline efficiency's interval (report version 2; CSV only). */
export const ROOFLINE_SPREAD_FIELDS: readonly Field[] = [
  csvOnly('efficiencyCi95Lo', 'roofline_efficiency_ci95_lo', '', "Low end of the roofline efficiency's 95% interval", (p) =>
    num(p.roofline?.efficiencyCi95?.[0]),
  ),
  csvOnly('efficiencyCi95Hi', 'roofline_efficiency_ci95_hi', '', "High end of the roofline efficiency's 95% interval", (p) =>
    num(p.roofline?.efficiencyCi95?.[1]),
  ),
];

/**
 * Entries of the per-point field registry, accuracy group: what a quantized cache (fp8, int8,
 * int4) costs against the float64 reference over the same cache unquantized (point.accuracy,
 * docs/measurement.md "Quantized caches"). Shown only where some point has a quantized cache.
 */
import { csvOnly, num, type Field } from './field-kit.js';

const sci = (v: number | null): string | null => (v === null ? null : v === 0 ? '0' : v.toExponential(1));

export const ACCURACY_FIELDS: readonly Field[] = [
  {
    id: 'quantMaxAbsError',
    label: 'cache quant err',
    unit: '',
    title: 'Quantized cache: largest absolute error of the attention output against the float64 reference over the unquantized cache',
    get: (p) => num(p.accuracy?.maxAbsError),
    format: (p) => sci(num(p.accuracy?.maxAbsError)),
    csv: 'quant_max_abs_error',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
    onlyWhenSet: true,
  },
  {
    id: 'quantRelativeL2',
    label: 'cache quant rel L2',
    unit: '',
    title: 'Quantized cache: relative L2 error of the attention output against the float64 reference over the unquantized cache',
    get: (p) => num(p.accuracy?.relativeL2),
    format: (p) => sci(num(p.accuracy?.relativeL2)),
    csv: 'quant_relative_l2',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
    onlyWhenSet: true,
  },
  {
    id: 'quantKl',
    label: 'attn KL (nats)',
    unit: 'nats',
    title: 'Quantized cache: mean KL divergence of the attention probabilities over the unquantized cache from those over the stored one',
    get: (p) => num(p.accuracy?.klDivergence),
    format: (p) => sci(num(p.accuracy?.klDivergence)),
    csv: 'quant_kl_divergence',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
    onlyWhenSet: true,
  },
  csvOnly('quantAccuracyContext', 'quant_accuracy_context_tokens', '', 'Cached tokens of the verification graph the accuracy figures come from', (p) =>
    num(p.accuracy?.context),
  ),
];

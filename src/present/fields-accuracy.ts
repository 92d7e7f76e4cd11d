/**
 * Entries of the per-point field registry, accuracy group: what a quantized cache (fp8, int8,
 * int4) costs against the float64 reference over the same cache unquantized (point.accuracy,
 * docs/measurement.md "Quantized caches"). Shown only where some point has a quantized cache.
 */
import { csvOnly, num, type Field } from './field-kit.js';

const sci = (v: number | null): string | null => (v === null ? null : v === 0 ? '0' : v.toExponential(1));

type AccuracyFigure = 'maxAbsError' | 'relativeL2' | 'klDivergence';

/** One of point.accuracy's figures, on every surface, in scientific notation, where some point has it. */
function accuracyField(id: string, figure: AccuracyFigure, label: string, unit: string, title: string, csv: string): Field {
  return {
    id,
    label,
    unit,
    title,
    get: (p) => num(p.accuracy?.[figure]),
    format: (p) => sci(num(p.accuracy?.[figure])),
    csv,
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
    onlyWhenSet: true,
  };
}

export const ACCURACY_FIELDS: readonly Field[] = [
  accuracyField(
    'quantMaxAbsError',
    'maxAbsError',
    'cache quant err',
    '',
    'Quantized cache: largest absolute error of the attention output against the float64 reference over the unquantized cache',
    'quant_max_abs_error',
  ),
  accuracyField(
    'quantRelativeL2',
    'relativeL2',
    'cache quant rel L2',
    '',
    'Quantized cache: relative L2 error of the attention output against the float64 reference over the unquantized cache',
    'quant_relative_l2',
  ),
  accuracyField(
    'quantKl',
    'klDivergence',
    'attn KL (nats)',
    'nats',
    'Quantized cache: mean KL divergence of the attention probabilities over the unquantized cache from those over the stored one',
    'quant_kl_divergence',
  ),
  csvOnly('quantAccuracyContext', 'quant_accuracy_context_tokens', '', 'Cached tokens of the verification graph the accuracy figures come from', (p) =>
    num(p.accuracy?.context),
  ),
];

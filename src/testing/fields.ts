/** A per-point field that exists only in tests: the surface tests add it to the registry and look for it everywhere. */
import type { Field } from '@/present/fields';

/** Twice the context, shown as "twice=N", on all four surfaces. */
export const TWICE_CONTEXT: Field = {
  id: 'twiceContext',
  label: 'twice ctx',
  unit: 'tokens',
  title: 'Twice the context (a test field)',
  get: (p) => p.context * 2,
  format: (p) => `twice=${p.context * 2}`,
  csv: 'twice_context_tokens',
  surfaces: ['cli', 'csv', 'html', 'app'],
  numeric: true,
};

/** Runs `body` with `field` appended to the registry (as one more entry in a src/present/fields-*.ts group would), then takes it out. */
export function withField<T>(registry: readonly Field[], field: Field, body: () => T): T {
  const fields = registry as Field[];
  fields.push(field);
  try {
    return body();
  } finally {
    fields.splice(fields.indexOf(field), 1);
  }
}

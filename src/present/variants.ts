/** The attention variants in display order and the name each is shown under (app, charts, HTML report). */
import type { z } from 'zod';
import type { VariantSchema } from '../contract/schemas.js';

export type Variant = z.infer<typeof VariantSchema>;

export const ALL_VARIANTS: readonly Variant[] = ['mha', 'gqa', 'mqa', 'mla-naive', 'mla-absorbed'];

export const VARIANT_LABELS: Record<Variant, string> = {
  mha: 'MHA',
  gqa: 'GQA',
  mqa: 'MQA',
  'mla-naive': 'MLA (naive)',
  'mla-absorbed': 'MLA (absorbed)',
};

/** The attention variants in display order and the name each is shown under: the contract's one list (contract/lists.ts). */
export { VARIANTS as ALL_VARIANTS, VARIANT_LABELS, type Variant } from '@/contract/lists.js';

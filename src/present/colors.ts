/**
 * One colour per variant, wherever a variant is drawn: the app's charts and their PNG export,
 * the standalone HTML report and the CLI's PNG export (both render the report's charts). The
 * dark set keeps the same hues, lighter, for a dark background.
 */
import type { Variant } from './variants.js';

export const VARIANT_COLORS: { readonly light: Readonly<Record<Variant, string>>; readonly dark: Readonly<Record<Variant, string>> } = {
  light: { mha: '#d1495b', gqa: '#c98a1a', mqa: '#00798c', 'mla-naive': '#8e6cc0', 'mla-absorbed': '#30638e' },
  dark: { mha: '#ff7a8a', gqa: '#f2c14e', mqa: '#3fc1c9', 'mla-naive': '#b79cf0', 'mla-absorbed': '#6fa8ff' },
};

export function variantColors(dark: boolean): Record<Variant, string> {
  return { ...(dark ? VARIANT_COLORS.dark : VARIANT_COLORS.light) };
}

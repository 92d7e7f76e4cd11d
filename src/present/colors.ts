/**
 * One colour per variant, wherever a variant is drawn: the app's charts and their PNG export,
 * the standalone HTML report and the CLI's PNG export (both render the report's charts). The
 * colours are the theme tokens' (theme.ts, `series`): a light and a dark set.
 */
import { THEMES } from './theme.js';
import { ALL_VARIANTS, type Variant } from './variants.js';

const pick = (name: 'light' | 'dark'): Readonly<Record<Variant, string>> =>
  Object.fromEntries(ALL_VARIANTS.map((v) => [v, THEMES[name].series[v]])) as Record<Variant, string>;

export const VARIANT_COLORS: { readonly light: Readonly<Record<Variant, string>>; readonly dark: Readonly<Record<Variant, string>> } = {
  light: pick('light'),
  dark: pick('dark'),
};

export function variantColors(dark: boolean): Record<Variant, string> {
  return { ...(dark ? VARIANT_COLORS.dark : VARIANT_COLORS.light) };
}

/**
 * The theme tokens: one set of colours per theme, for the app (its CSS custom properties, built
 * into the renderer's stylesheet from themeCss), its charts (read back from those properties by
 * chart-setup's readPalette) and the standalone HTML report (its inline style, the same
 * properties, picked by the system's colour scheme). Pure.
 *
 * What the colours must meet is checked from these tokens in theme.test.ts (THEME_RULES):
 * text (fg, fg-muted, accent, danger, warn; chart ticks, titles and legends use fg-muted) and
 * every series at least 4.5:1 against the card (surface) and the page (bg); the chart grid, a
 * non-text element, at least 3:1 against the card; series pairwise at least 20 CIEDE2000 apart.
 */
import type { Variant } from './variants.js';

export type ThemeName = 'light' | 'dark';

export interface ThemeTokens {
  bg: string;
  surface: string;
  fg: string;
  'fg-muted': string;
  border: string;
  /** Chart grid lines. */
  grid: string;
  /** Progress bar track. */
  track: string;
  accent: string;
  /** Text on an accent background (primary buttons). */
  'accent-fg': string;
  danger: string;
  warn: string;
  /** One colour per variant, and the memory budget line's. */
  series: Readonly<Record<Variant | 'budget', string>>;
}

export const THEMES: Readonly<Record<ThemeName, ThemeTokens>> = {
  light: {
    bg: '#f4f5f8',
    surface: '#ffffff',
    fg: '#1b1e24',
    'fg-muted': '#5b6170',
    border: '#d9dce3',
    grid: '#8c919c',
    track: '#e3e6ec',
    accent: '#2a64c9',
    'accent-fg': '#ffffff',
    danger: '#c62a3a',
    warn: '#8f5c00',
    series: { mha: '#c0283c', gqa: '#8f5a00', mqa: '#00786b', 'mla-naive': '#a23ab5', 'mla-absorbed': '#1f5fc4', budget: '#5c5c5c' },
  },
  dark: {
    bg: '#121419',
    surface: '#1b1e25',
    fg: '#e6e8ee',
    'fg-muted': '#9aa1b2',
    border: '#30343f',
    grid: '#646a78',
    track: '#2a2e38',
    accent: '#5b93f5',
    'accent-fg': '#0d1117',
    danger: '#ff6b7a',
    warn: '#f0b44c',
    series: { mha: '#ff7a8a', gqa: '#f2c14e', mqa: '#4cc38a', 'mla-naive': '#df8cf0', 'mla-absorbed': '#6fa8ff', budget: '#b0b0b0' },
  },
};

/** The minimums theme.test.ts holds the tokens to (WCAG 2 contrast ratios; CIEDE2000 for series pairs). */
export const THEME_RULES = {
  /** Text, chart text and series against surface and bg (WCAG 1.4.3 AA, normal text). */
  text: 4.5,
  /** Grid lines against the card: a non-text graphic (WCAG 1.4.11). */
  grid: 3,
  /** Any two series colours (the variants and the budget line): clearly another colour, not a shade. */
  seriesDeltaE: 20,
} as const;

/** The token keys that are text colours (checked at THEME_RULES.text). */
export const TEXT_TOKENS = ['fg', 'fg-muted', 'accent', 'danger', 'warn'] as const;

/** The CSS custom property of a series colour. */
export const seriesVar = (key: Variant | 'budget'): string => `--series-${key}`;

/** A theme's custom property declarations ("--bg:#f4f5f8;..."), color-scheme included. */
export function themeDeclarations(name: ThemeName): string {
  const t = THEMES[name];
  const plain = Object.entries(t)
    .filter(([k]) => k !== 'series')
    .map(([k, v]) => `--${k}:${String(v)};`);
  const series = Object.entries(t.series).map(([k, v]) => `${seriesVar(k as Variant | 'budget')}:${v};`);
  return [...plain, ...series, `color-scheme:${name};`].join('');
}

/**
 * The stylesheet that defines the tokens: light on `:root`, dark under `dark` (a selector, as
 * the app's `:root[data-theme='dark']`, or an at-rule wrapping `:root`, as the report's
 * `@media (prefers-color-scheme:dark)`).
 */
export function themeCss(dark: { selector: string } | { media: string }): string {
  const light = `:root{${themeDeclarations('light')}}`;
  const darkRule = 'selector' in dark ? `${dark.selector}{${themeDeclarations('dark')}}` : `@media ${dark.media}{:root{${themeDeclarations('dark')}}}`;
  return `${light}\n${darkRule}\n`;
}

import { describe, expect, it } from 'vitest';
import { ciede2000, ciede2000Lab, contrastRatio, parseColor, relativeLuminance } from './contrast.js';
import { VARIANT_COLORS } from './colors.js';
import { TEXT_TOKENS, THEME_RULES, THEMES, themeCss, type ThemeName, type ThemeTokens } from './theme.js';
import { ALL_VARIANTS } from './variants.js';

describe('contrast and colour difference', () => {
  it('WCAG contrast: black on white is 21:1, a colour on itself 1:1', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 6);
    expect(contrastRatio('#777777', '#777777')).toBe(1);
    // WCAG's own example boundary: #767676 on white just passes 4.5:1, #777777 just fails
    expect(contrastRatio('#767676', '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio('#777777', '#ffffff')).toBeLessThan(4.5);
    expect(relativeLuminance('#fff')).toBeCloseTo(1, 9);
    expect(parseColor('rgb(27, 30, 37)')).toEqual([27, 30, 37]);
    expect(() => parseColor('rgba(0, 0, 0, 0.5)')).toThrow(/opaque/);
  });

  it("CIEDE2000 matches Sharma, Wu and Dalal's test pairs", () => {
    expect(ciede2000Lab([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 4);
    expect(ciede2000Lab([50, 2.5, 0], [73, 25, -18])).toBeCloseTo(27.1492, 4);
    expect(ciede2000Lab([22.7233, 20.0904, -46.694], [23.0331, 14.973, -42.5619])).toBeCloseTo(2.0373, 4);
    expect(ciede2000('#123456', '#123456')).toBe(0);
  });
});

/** Every failure of a theme's tokens against THEME_RULES, as sentences (empty: all pass). */
function violations(t: ThemeTokens): string[] {
  const out: string[] = [];
  const check = (what: string, fg: string, bg: string, min: number): void => {
    const r = contrastRatio(fg, bg);
    if (r < min) out.push(`${what} ${fg} on ${bg}: ${r.toFixed(2)}:1 < ${min}:1`);
  };
  for (const back of ['surface', 'bg'] as const) {
    for (const k of TEXT_TOKENS) check(k, t[k], t[back], THEME_RULES.text);
    for (const [k, c] of Object.entries(t.series)) check(`series ${k}`, c, t[back], THEME_RULES.text);
  }
  check('accent-fg', t['accent-fg'], t.accent, THEME_RULES.text);
  check('grid', t.grid, t.surface, THEME_RULES.grid);
  const series = Object.entries(t.series);
  for (let i = 0; i < series.length; i++)
    for (let j = i + 1; j < series.length; j++) {
      const d = ciede2000(series[i]![1], series[j]![1]);
      if (d < THEME_RULES.seriesDeltaE) out.push(`series ${series[i]![0]} / ${series[j]![0]}: ΔE2000 ${d.toFixed(1)} < ${THEME_RULES.seriesDeltaE}`);
    }
  return out;
}

describe('theme tokens', () => {
  for (const name of ['light', 'dark'] as ThemeName[]) {
    it(`${name}: text and series 4.5:1, grid 3:1, series pairwise ΔE2000 >= 20`, () => {
      expect(violations(THEMES[name])).toEqual([]);
    });
  }

  it('the check fails a token set to a bad value', () => {
    const bad: ThemeTokens = { ...THEMES.dark, grid: '#2a2e38', series: { ...THEMES.dark.series, mqa: '#3fc1c9', 'mla-absorbed': '#5fb0d0' } };
    const v = violations(bad);
    expect(v.some((s) => s.startsWith('grid'))).toBe(true);
    expect(v.some((s) => s.startsWith('series mqa / mla-absorbed'))).toBe(true);
    // the light theme's old GQA orange was 2.9:1 on white
    expect(violations({ ...THEMES.light, series: { ...THEMES.light.series, gqa: '#c98a1a' } })).toEqual([
      expect.stringMatching(/^series gqa #c98a1a on #ffffff: 2\.9/),
      expect.any(String),
    ]);
  });

  it('variant colours and the stylesheet come from the tokens', () => {
    for (const v of ALL_VARIANTS) {
      expect(VARIANT_COLORS.light[v]).toBe(THEMES.light.series[v]);
      expect(VARIANT_COLORS.dark[v]).toBe(THEMES.dark.series[v]);
    }
    const css = themeCss({ selector: ":root[data-theme='dark']" });
    expect(css).toContain(`--series-mqa:${THEMES.light.series.mqa};`);
    expect(css).toContain(`:root[data-theme='dark']{--bg:${THEMES.dark.bg};`);
    expect(css).toContain('color-scheme:dark;');
    expect(themeCss({ media: '(prefers-color-scheme:dark)' })).toContain(`@media (prefers-color-scheme:dark){:root{--bg:${THEMES.dark.bg};`);
  });
});

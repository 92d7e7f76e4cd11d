/** Number, byte and token formatting shared by the CLI, the HTML report and the app. Pure. */

export function formatBytes(b: number | null | undefined): string {
  if (b === null || b === undefined || !Number.isFinite(b)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = Math.abs(b);
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${b < 0 ? '-' : ''}${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

/** 65536 -> "64K", 1048576 -> "1M", 1000 -> "1000". Context lengths read best in binary units. */
export function formatTokens(t: number): string {
  if (t >= 2 ** 20 && t % 2 ** 20 === 0) return `${t / 2 ** 20}M`;
  if (t >= 1024 && t % 1024 === 0) return `${t / 1024}K`;
  return String(t);
}

/**
 * A context for a sentence or a tooltip: "16K tokens", "512 tokens", and one off the binary
 * grid with its exact count, "17.7K tokens (18,141)".
 */
export function formatContext(t: number): string {
  if (t < 1024 || formatTokens(t) !== String(t)) return `${formatTokens(t)} tokens`;
  const k = t / 1024;
  return `${t >= 2 ** 20 ? `${(t / 2 ** 20).toFixed(1)}M` : `${k.toFixed(k >= 100 ? 0 : 1)}K`} tokens (${INTEGER.format(t)})`;
}

// One formatter for all calls: toLocaleString builds a new Intl.NumberFormat each time, which
// showed up in profiles of chart redraws.
const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Three significant figures, with thousands separators above 1000. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return INTEGER.format(Math.round(v));
  return Number(v.toPrecision(3)).toString();
}

export function formatPercent(f: number | null | undefined): string {
  if (f === null || f === undefined || !Number.isFinite(f)) return '–';
  return `${(f * 100).toFixed(f < 0.1 ? 1 : 0)}%`;
}

/** Milliseconds without the unit (the column or sentence names it): "290", "9.33", "0.129". */
export function msText(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** A "how many times" figure: "57.0×", "2.31×", "0.812×". */
export function timesText(x: number): string {
  return `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3)}×`;
}

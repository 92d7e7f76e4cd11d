/**
 * Byte sizes as the CLI, the HTML report and the app print them: one formatter (pure), binary
 * units, one decimal below 100 of a unit, whole bytes; "–" where there is no figure.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(b: number | null | undefined): string {
  if (b === null || b === undefined || !Number.isFinite(b)) return '–';
  let i = 0;
  let v = Math.abs(b);
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${b < 0 ? '-' : ''}${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${UNITS[i]}`;
}

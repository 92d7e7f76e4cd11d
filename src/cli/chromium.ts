/**
 * The local Chromium kvscope drives (PNG export, the HTML report test, the e2e suite): where it
 * is and how it is started. No browser is ever downloaded.
 */
import { existsSync } from 'node:fs';

/**
 * Flags for a headless, offline Chromium: no sandbox (CI runs as root), no GPU, and none of the
 * background connections that a closed network refuses at every start.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];

/** KVSCOPE_CHROMIUM, else the first browser found in the usual places; null when none. */
export function chromiumPath(): string | null {
  for (const c of [process.env.KVSCOPE_CHROMIUM, ...CANDIDATES]) if (c && existsSync(c)) return c;
  return null;
}

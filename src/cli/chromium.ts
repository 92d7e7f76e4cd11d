/**
 * The local Chromium kvscope drives (PNG export, the HTML report test, the e2e suite): where it
 * is and how it is started. No browser is ever downloaded.
 */
import { existsSync } from 'node:fs';

/**
 * Flags for a headless, offline Chromium: no GPU, and none of the background connections that a
 * closed network refuses at every start.
 */
const OFFLINE_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Whether Chromium must run without its sandbox: as root it refuses to start sandboxed (CI, the
 * e2e containers), and KVSCOPE_CHROMIUM_NO_SANDBOX=1 forces it where the sandbox cannot start
 * (no user namespaces). Elsewhere the sandbox stays.
 */
export function needsNoSandbox(uid: number | undefined, env: Record<string, string | undefined>): boolean {
  return uid === 0 || env.KVSCOPE_CHROMIUM_NO_SANDBOX === '1';
}

/** Playwright launch options: it adds --no-sandbox itself unless `chromiumSandbox` is true. */
export function chromiumLaunchOptions(noSandbox: boolean): { args: string[]; chromiumSandbox: boolean } {
  return { args: noSandbox ? ['--no-sandbox', ...OFFLINE_ARGS] : [...OFFLINE_ARGS], chromiumSandbox: !noSandbox };
}

/** This process's launch options. */
export const CHROMIUM_LAUNCH = chromiumLaunchOptions(needsNoSandbox(process.getuid?.(), process.env));

/** This process's flags (for launchers that take flags only). */
export const CHROMIUM_ARGS = CHROMIUM_LAUNCH.args;

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];

/** KVSCOPE_CHROMIUM, else the first browser found in the usual places; null when none. */
export function chromiumPath(): string | null {
  for (const c of [process.env.KVSCOPE_CHROMIUM, ...CANDIDATES]) if (c && existsSync(c)) return c;
  return null;
}

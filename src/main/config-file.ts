/** Reading a config.json the user picked (pure Node, no electron: unit-tested). */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { OpenedConfig } from '@/contract/api.js';

const MAX_CONFIG_BYTES = 4 * 2 ** 20;

/** Reads and parses a config.json picked by the user. */
export async function readConfigFile(path: string): Promise<OpenedConfig> {
  const s = await stat(path);
  if (s.size > MAX_CONFIG_BYTES) throw new Error(`${basename(path)} is ${s.size} bytes; a config.json is far smaller`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${basename(path)} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${basename(path)} does not hold a JSON object`);
  const cfg = parsed as Record<string, unknown>;
  const name = typeof cfg._name_or_path === 'string' && cfg._name_or_path ? cfg._name_or_path : basename(dirname(path));
  return { path, name, config: cfg };
}

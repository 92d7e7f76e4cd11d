import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KVSCOPE_VERSION } from './version.js';

describe('version', () => {
  it('equals package.json', () => {
    expect(KVSCOPE_VERSION).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  });
});

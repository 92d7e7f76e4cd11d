import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from './config-file';

describe('readConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvscope-cfg-'));
  it('reads a config.json, named after _name_or_path or its folder', async () => {
    const p = join(dir, 'config.json');
    writeFileSync(p, JSON.stringify({ model_type: 'llama', num_attention_heads: 8 }));
    await expect(readConfigFile(p)).resolves.toEqual({ path: p, name: dir.split('/').pop(), config: { model_type: 'llama', num_attention_heads: 8 } });
    writeFileSync(p, JSON.stringify({ _name_or_path: 'org/model' }));
    await expect(readConfigFile(p)).resolves.toMatchObject({ name: 'org/model' });
  });
  it('BAD CALL - not JSON, not an object', async () => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, '{oops');
    await expect(readConfigFile(p)).rejects.toThrow('bad.json is not valid JSON');
    writeFileSync(p, '[1,2]');
    await expect(readConfigFile(p)).rejects.toThrow('bad.json does not hold a JSON object');
  });
});

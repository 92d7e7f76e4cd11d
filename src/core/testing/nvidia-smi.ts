/**
 * A stand-in nvidia-smi for tests: a script on PATH that prints what the real one prints for
 * kvscope's two queries (--query-gpu and --query-compute-apps). Returns the function that
 * removes it and restores PATH.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export function fakeNvidiaSmi(gpuCsv: string, appsCsv: string): () => void {
  const saved = process.env.PATH;
  const dir = mkdtempSync(join(tmpdir(), 'kvscope-smi-'));
  const script = join(dir, 'nvidia-smi');
  writeFileSync(
    script,
    `#!/bin/sh\ncase "$1" in\n  --query-gpu=*) printf '%s\\n' '${gpuCsv}' ;;\n  --query-compute-apps=*) printf '%s' '${appsCsv}' ;;\nesac\n`,
  );
  chmodSync(script, 0o755);
  process.env.PATH = `${dir}${delimiter}${saved ?? ''}`;
  return () => {
    if (saved === undefined) delete process.env.PATH;
    else process.env.PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  };
}

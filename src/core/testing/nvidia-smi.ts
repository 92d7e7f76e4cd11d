/**
 * A stand-in nvidia-smi for tests: a script on PATH that prints what the real one prints for
 * kvscope's two queries (--query-gpu and --query-compute-apps). `{used}` in the GPU line is
 * replaced by the MiB last given to `setUsedMiB` (so a test can change device usage mid-sweep).
 * `restore` removes it and restores PATH.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface FakeNvidiaSmi {
  (): void;
  restore: () => void;
  setUsedMiB: (mib: number) => void;
}

export function fakeNvidiaSmi(gpuCsv: string, appsCsv: string): FakeNvidiaSmi {
  const saved = process.env.PATH;
  const dir = mkdtempSync(join(tmpdir(), 'kvscope-smi-'));
  const script = join(dir, 'nvidia-smi');
  const usedFile = join(dir, 'used');
  writeFileSync(usedFile, '0');
  const [before, after] = gpuCsv.split('{used}');
  const gpuLine = after === undefined ? `printf '%s\\n' '${gpuCsv}'` : `printf '%s%s%s\\n' '${before}' "$(cat '${usedFile}')" '${after}'`;
  writeFileSync(script, `#!/bin/sh\ncase "$1" in\n  --query-gpu=*) ${gpuLine} ;;\n  --query-compute-apps=*) printf '%s' '${appsCsv}' ;;\nesac\n`);
  chmodSync(script, 0o755);
  process.env.PATH = `${dir}${delimiter}${saved ?? ''}`;
  const restore = (): void => {
    if (saved === undefined) delete process.env.PATH;
    else process.env.PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  };
  return Object.assign(restore, { restore, setUsedMiB: (mib: number) => writeFileSync(usedFile, String(mib)) });
}

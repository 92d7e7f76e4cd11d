/** Report files as they arrive from disk: a BOM, a string version, special files, huge files (issue 11, items 4 and 7). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { point, report } from '@/testing/fixtures.js';
import { openReportFile } from '@/main/report-service.js';
import { parseReport, readReport, ReportError } from './report.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-report-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const r = report([point({ variant: 'mha', context: 64 })]);

describe('report text', () => {
  it('a UTF-8 BOM (added by some editors) is skipped, not taken for truncation', () => {
    const path = join(dir, 'bom.json');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(r))]));
    expect(readReport(path)).toEqual(r);
    expect(parseReport(`\ufeff${JSON.stringify(r)}`)).toEqual(r);
  });
  it('"version": "1" says the version must be a number, not "update kvscope"', () => {
    const e = (() => {
      try {
        parseReport(JSON.stringify({ ...r, version: '1' }), 'r.json');
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(ReportError);
    expect(e!.message).toBe('r.json has "version": "1": the report version must be a number, not a string ("version": 1, not "1")');
    expect(e!.message).not.toMatch(/update kvscope/);
  });
});

describe('report files are checked before they are read', () => {
  it('a file over 64 MiB is refused from its size alone (a sparse 8 GiB file is not read)', () => {
    const path = join(dir, 'huge.json');
    writeFileSync(path, '');
    truncateSync(path, 8 * 2 ** 30);
    expect(() => readReport(path)).toThrow(
      new ReportError(`report ${path} is 8589934592 bytes (8192.0 MiB), over the report limit of 67108864 bytes (64.0 MiB)`),
    );
    expect(() => openReportFile(path)).toThrow(/^report huge\.json is 8589934592 bytes .* over the report limit of 67108864 bytes \(64\.0 MiB\)$/);
    rmSync(path);
  });
  it.runIf(process.platform !== 'win32')('/dev/zero and a FIFO are refused at once (no 2 GB read, no hang)', () => {
    expect(() => readReport('/dev/zero')).toThrow('cannot read report /dev/zero: it is a character device, not a regular file');
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    expect(() => readReport(fifo)).toThrow(`cannot read report ${fifo}: it is a FIFO, not a regular file`);
    expect(() => openReportFile(fifo)).toThrow('cannot read report fifo.json: it is a FIFO, not a regular file');
  });
  it('a directory is refused', () => {
    expect(() => readReport(dir)).toThrow(/it is a directory, not a regular file/);
  });
});

import { describe, expect, it } from 'vitest';
import { lineReader } from './lines';

describe('lineReader', () => {
  it('keeps a multi-byte UTF-8 character cut between chunks whole, and a line cut between chunks in one piece', () => {
    const lines: string[] = [];
    const reader = lineReader((l) => lines.push(l));
    const bytes = Buffer.from('ΣΣ €5 🙂 done\r\n\nsecond 日本\nlast');
    // Every cut point, one byte at a time at worst.
    for (let i = 0; i < bytes.length; i++) reader.write(bytes.subarray(i, i + 1));
    reader.end();
    expect(lines).toEqual(['ΣΣ €5 🙂 done', 'second 日本', 'last']);
    expect(lines.join('')).not.toContain('\uFFFD');
  });
});

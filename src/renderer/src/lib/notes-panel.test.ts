import { describe, expect, it } from 'vitest';
import { point } from '@/testing/fixtures';
import { panelNotes } from './notes-panel';

describe('the notes panel', () => {
  const short = (context: number) => {
    const p = point({ variant: 'mla-absorbed', context });
    return { ...p, timing: { ...p.timing!, medianMs: 1.1, overheadMs: 1.0 } };
  };

  it("says the report's notes in the app's words, and the CPU fallbacks", () => {
    const fell = { ...point({ variant: 'mha', context: 64 }), placement: { attention: [], fellBack: ['MatMul'], byProvider: {} } };
    const notes = panelNotes([short(512), fell], null, 1, 'webgpu');
    expect(notes.map((n) => n.kind)).toEqual(['run-cost', 'placement']);
    expect(notes[0]!.text).toContain('Measured layers');
    expect(notes.map((n) => n.text).join(' ')).not.toContain('--layers');
    expect(notes[1]!.text).toBe('decode/mha/fp32/b1/t64: MatMul ran on the CPU instead of webgpu');
  });

  it('is empty for a clean run', () => {
    expect(panelNotes([point({ variant: 'mha', context: 64 })], null, 1, null)).toEqual([]);
  });
});

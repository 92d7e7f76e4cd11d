import { describe, expect, it } from 'vitest';
import { answer } from '@/present/answer';
import { point, report } from '@/testing/fixtures';
import { answerCard } from './answer-card';

// The CLI and the HTML report show the same sentences: src/core/report/surfaces.test.ts.
describe('the answer card', () => {
  const sweep = report([64, 128].flatMap((c) => [point({ variant: 'mha', context: c }), point({ variant: 'mla-absorbed', context: c })]));
  it("shows the sweep's answer, the sentences the CLI prints", () => {
    const sentences = answerCard(sweep);
    expect(sentences).toEqual(answer(sweep));
    expect(sentences[0]).toMatch(/^KV cache of m \(\d+ layers, fp32\) at 128 tokens: MLA .* vs MHA-equivalent .* less: [\d.]+× smaller, analytic/);
    expect(sentences.at(-1)).toMatch(/^Largest context whose whole-model cache fits/);
  });
  it('adds that the machine slowed down mid-sweep where the reference read before each pass moved', () => {
    const drifted = { ...sweep, passes: [30, 29, 24].map((referenceGBs, i) => ({ pass: i + 1, referenceGBs })) };
    const sentences = answerCard(drifted);
    expect(sentences.slice(0, -1)).toEqual(answer(drifted));
    expect(sentences.at(-1)).toMatch(/^The machine's speed moved 25% while the sweep ran/);
  });
  it('shows nothing before a report with points is there', () => {
    expect(answerCard(null)).toEqual([]);
    expect(answerCard(report([]))).toEqual([]);
  });
});

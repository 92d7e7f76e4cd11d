/** Reports with point ids or sizes no sweep writes are refused on load (issue 11, item 7). */
import { describe, expect, it } from 'vitest';
import { parseReport, ReportError } from './report.js';
import { point, report } from '@/testing/fixtures.js';
import { ReportHeaderSchema, ReportSchema } from '@/contract/schemas.js';

const good = report([point({ variant: 'mha', context: 64 }), point({ variant: 'mha', context: 128 })]);

describe('ReportSchema', () => {
  it('accepts a sweep report, and the header schema still omits the points', () => {
    expect(ReportSchema.parse(good)).toEqual(good);
    const { points: _points, ...header } = good;
    expect(ReportHeaderSchema.parse(header)).toEqual(header);
  });

  it('BAD CALL - duplicate point ids are refused, naming the id', () => {
    const dup = report([point({ variant: 'mha', context: 64 }), point({ variant: 'mha', context: 64 })]);
    expect(dup.points[0]!.id).toBe(dup.points[1]!.id);
    expect(() => parseReport(JSON.stringify(dup), 'dup.json')).toThrow(ReportError);
    expect(() => parseReport(JSON.stringify(dup), 'dup.json')).toThrow(
      `dup.json is not a valid report: points.1.id: duplicate point id ${JSON.stringify(dup.points[0]!.id)} (ids must be unique)`,
    );
  });

  it('BAD CALL - a negative context or a zero batch is refused, naming the field, the value and the range', () => {
    const neg = report([{ ...point({ variant: 'mha', context: 64 }), id: 'decode/mha/fp32/b1/t-64', context: -64 }]);
    expect(() => parseReport(JSON.stringify(neg), 'neg.json')).toThrow(
      'neg.json is not a valid report: points.0.context: context -64 is out of range (1 or more)',
    );
    const zero = report([point({ variant: 'mha', context: 64, batch: 0 })]);
    expect(() => parseReport(JSON.stringify(zero), 'zero.json')).toThrow(
      'zero.json is not a valid report: points.0.batch: batch 0 is out of range (1 or more)',
    );
    expect(ReportSchema.safeParse(zero).success).toBe(false);
  });
});

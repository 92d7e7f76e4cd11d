import { describe, expect, it } from 'vitest';
import { ContextsError, flagWording, parseContextList } from './contexts.js';

describe('parseContextList', () => {
  it('lists, ranges of powers of two, and ranges with a step factor', () => {
    expect(parseContextList('4k, 512 1k;512')).toEqual([512, 1024, 4096]);
    expect(parseContextList('256..2k')).toEqual([256, 512, 1024, 2048]);
    expect(parseContextList('512..128k*4')).toEqual([512, 2048, 8192, 32768, 131072]);
    expect(parseContextList('1k..5k*4')).toEqual([1024, 4096, 5120]); // the end is always included
  });
  it('BAD CALL - the problem is carried, and worded by the caller', () => {
    const problem = (text: string) => {
      try {
        parseContextList(text, { max: 2 ** 24 }, flagWording('--contexts'));
      } catch (e) {
        return e instanceof ContextsError ? [e.problem.kind, e.message] : e;
      }
      return null;
    };
    expect(problem('lots')).toEqual(['syntax', '--contexts: "lots" is not a whole number from 1 to 16,777,216 (examples: 8, 512, 4k, 128k)']);
    expect(problem('32m')).toEqual(['range', '--contexts: "32m" is not a whole number from 1 to 16,777,216']);
    expect(problem('8k..1k')).toEqual(['descending', '--contexts: range "8k..1k" ends below its start']);
    expect(problem('1k..4k*1')).toEqual(['step', '--contexts: range step "*1" must be 2 or more']);
    expect(problem(' ')).toEqual(['empty', '--contexts: give at least one context, e.g. 1k,4k,16k or 512..32k']);
    expect(problem(Array.from({ length: 65 }, (_, i) => i + 1).join(','))).toEqual(['too-many', '--contexts: 65 contexts is too many (at most 64)']);
    expect(parseContextList('1..16m')).toHaveLength(25);
  });
});

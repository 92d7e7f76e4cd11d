import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatMs, formatTokens, parseContexts, parseIntList } from './format';

describe('format', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(64 * 2 ** 30)).toBe('64.0 GiB');
    expect(formatBytes(null)).toBe('–');
  });
  it('formats tokens, durations and milliseconds', () => {
    expect(formatTokens(65536)).toBe('64K');
    expect(formatTokens(2 ** 20)).toBe('1M');
    expect(formatTokens(1000)).toBe('1000');
    expect(formatDuration(0.2)).toBe('<1 s');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(3700)).toBe('1 h 01 min');
    expect(formatMs(0.005)).toBe('5.0 µs');
    expect(formatMs(2.5)).toBe('2.500 ms');
    expect(formatMs(2500)).toBe('2.50 s');
  });
});

describe('parseContexts', () => {
  it('reads lists with k/M suffixes, sorted and unique', () => {
    expect(parseContexts('4k, 512 1k;512')).toEqual([512, 1024, 4096]);
    expect(parseContexts('1M')).toEqual([2 ** 20]);
  });
  it('expands doubling ranges', () => {
    expect(parseContexts('256..2k')).toEqual([256, 512, 1024, 2048]);
  });
  it('BAD CALL - names the token at fault', () => {
    expect(() => parseContexts('64, lots')).toThrow('"lots" is not a token count');
    expect(() => parseContexts('')).toThrow('enter at least one context length');
    expect(() => parseContexts('8k..1k')).toThrow('goes down');
    expect(() => parseContexts('32M')).toThrow('16M-token limit');
    expect(() => parseContexts('0.5')).toThrow('whole positive');
  });
  it('parses integer lists', () => {
    expect(parseIntList('4 1 2 2', 'batch', 16)).toEqual([1, 2, 4]);
    expect(() => parseIntList('0', 'batch size', 16)).toThrow('"0" is not a valid batch size (1..16)');
  });
});

describe('parseContexts takes the CLI syntax', () => {
  it('a range with a step factor, as `kvscope sweep --contexts` takes it', () => {
    expect(parseContexts('512..128k*4')).toEqual([512, 2048, 8192, 32768, 131072]);
    expect(parseContexts('1k..64k*4')).toEqual([1024, 4096, 16384, 65536]);
  });
  it('BAD CALL - a step below 2', () => {
    expect(() => parseContexts('1k..4k*1')).toThrow('range step "*1" must be 2 or more');
  });
});

import { describe, expect, it } from 'vitest';
import { latest } from './latest';

/** A promise settled by hand, to make answers arrive in any order. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('latest', () => {
  it('delivers a lone call its value', async () => {
    const call = latest();
    expect(await call(() => Promise.resolve(3))).toEqual({ ok: true, value: 3 });
  });

  it('drops a stale answer that arrives after the newer one', async () => {
    const call = latest();
    const old = deferred<string>();
    const fresh = deferred<string>();
    const first = call(() => old.promise);
    const second = call(() => fresh.promise);
    fresh.resolve('new');
    expect(await second).toEqual({ ok: true, value: 'new' });
    old.resolve('old');
    expect(await first).toBeUndefined();
  });

  it('drops a stale answer that arrives before the newer one', async () => {
    const call = latest();
    const old = deferred<string>();
    const fresh = deferred<string>();
    const first = call(() => old.promise);
    const second = call(() => fresh.promise);
    old.resolve('old');
    expect(await first).toBeUndefined();
    fresh.resolve('new');
    expect(await second).toEqual({ ok: true, value: 'new' });
  });

  it('drops the error of a stale call', async () => {
    const call = latest();
    const old = deferred<string>();
    const first = call(() => old.promise);
    const second = call(() => 'sync');
    old.reject(new Error('stale failure'));
    expect(await first).toBeUndefined();
    expect(await second).toEqual({ ok: true, value: 'sync' });
  });

  it("delivers the newest call's error, and a synchronous throw makes older calls stale", async () => {
    const call = latest();
    const old = deferred<number>();
    const first = call(() => old.promise);
    const second = call((): number => {
      throw new Error('form error');
    });
    old.resolve(1);
    expect(await first).toBeUndefined();
    const out = await second;
    expect(out?.ok).toBe(false);
    expect(out && !out.ok && out.error.message).toBe('form error');
  });

  it('wraps a thrown non-Error so the store can show its message', async () => {
    const call = latest();
    const out = await call(() => Promise.reject('engine said no'));
    expect(out && !out.ok && out.error.message).toBe('engine said no');
  });

  it('sequences are independent', async () => {
    const a = latest();
    const b = latest();
    const pending = a(() => Promise.resolve('a'));
    await b(() => 'b');
    expect(await pending).toEqual({ ok: true, value: 'a' });
  });
});

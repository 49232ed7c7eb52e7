import { describe, expect, it } from 'vitest';
import { emptyState, learn, type PreferenceState } from '../core/ranking/index';
import { createPreferenceCache, memoryBackend, type PreferenceBackend } from './preference-cache';

const KEY = 'till:pref:https://shop.example|m_1';
const T0 = Date.UTC(2025, 0, 1);

function sample(): PreferenceState {
  let s = emptyState();
  s = learn(s, { method: 'pix', outcome: 'chosen', ctx: { device: 'mobile' }, at: T0 });
  s = learn(s, { method: 'pix', outcome: 'succeeded', ctx: { device: 'mobile' }, at: T0 });
  return learn(s, { method: 'card', outcome: 'chosen', ctx: { device: 'desktop' }, at: T0 + 1000 });
}

/** A memory backend whose raw contents the test can read and tamper with. */
function inspectable(): PreferenceBackend & { raw: Map<string, unknown>; deletes: number } {
  const raw = new Map<string, unknown>();
  const b = {
    name: 'test',
    raw,
    deletes: 0,
    get: async (k: string) => raw.get(k) ?? null,
    set: async (k: string, v: string) => void raw.set(k, v),
    delete: async (k: string) => {
      b.deletes++;
      raw.delete(k);
    },
  };
  return b;
}

describe('preference cache', () => {
  it('round-trips a state, keyed per merchant', async () => {
    const backend = inspectable();
    const cache = createPreferenceCache({ merchantKey: 'https://shop.example|m_1', backend });
    await cache.save(sample());
    expect([...backend.raw.keys()]).toEqual([KEY]);
    expect(await cache.load()).toEqual(sample());
    const other = createPreferenceCache({ merchantKey: 'https://other.example|m_2', backend });
    expect(await other.load()).toEqual(emptyState());
  });

  it('uses memory when no browser storage exists (Node)', async () => {
    const cache = createPreferenceCache({ merchantKey: 'x' });
    expect(cache.backend).toBe('memory');
    await cache.save(sample());
    expect(await cache.load()).toEqual(sample());
  });

  const bad: Array<[string, unknown]> = [
    ['corrupted JSON', '{"version":1,"at":0,'],
    ['not a string', { version: 1 }],
    ['old version', JSON.stringify({ ...sample(), version: 0 })],
    ['unknown future version', JSON.stringify({ ...sample(), version: 3 })],
    ['a context key the model never writes', JSON.stringify({ ...sample(), ctx: { 'x:<script>': { pix: 1 } } })],
    ['a context weight out of range', JSON.stringify({ ...sample(), ctx: { 'c:or': { pix: -1 } } })],
    ['too many contexts', JSON.stringify({ ...sample(), ctx: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`m:${i}`, { pix: 1 }])) })],
    ['too many methods in one context', JSON.stringify({ ...sample(), ctx: { 'c:or': { a: 1, b: 1, c: 1, d: 1, e: 1 } } })],
    ['a context that is not an object', JSON.stringify({ ...sample(), ctx: [] })],
    ['negative count', JSON.stringify({ ...sample(), methods: { pix: { w: 1, n: -3, s: 0, f: 0 } } })],
    ['NaN weight smuggled as a string', JSON.stringify({ ...sample(), methods: { pix: { w: 'NaN', n: 1, s: 0, f: 0 } } })],
    ['wrong types', JSON.stringify({ ...sample(), streak: '3' })],
    ['hostile method id', JSON.stringify({ ...sample(), last: '<img src=x onerror=alert(1)>' })],
    ['too many methods', JSON.stringify({ ...sample(), methods: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`m${i}`, { w: 0, n: 0, s: 0, f: 0 }])) })],
    ['too big', JSON.stringify({ ...sample(), padding: 'x'.repeat(5000) })],
    ['missing fields', JSON.stringify({ version: 1 })],
  ];
  it.each(bad)('discards and deletes a record with %s', async (_label, value) => {
    const backend = inspectable();
    backend.raw.set(KEY, value);
    const cache = createPreferenceCache({ merchantKey: 'https://shop.example|m_1', backend });
    await expect(cache.load()).resolves.toEqual(emptyState());
    expect(backend.raw.has(KEY)).toBe(false);
    expect(backend.deletes).toBe(1);
  });

  it('survives a quota error on write: keeps the state in memory and never throws', async () => {
    const backend = inspectable();
    backend.set = async () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    const cache = createPreferenceCache({ merchantKey: 'q', backend });
    await expect(cache.save(sample())).resolves.toBeUndefined();
    expect(cache.backend).toBe('memory');
    expect(await cache.load()).toEqual(sample());
  });

  it('falls back to priors (empty state) when reading throws SecurityError', async () => {
    const backend: PreferenceBackend = {
      name: 'blocked',
      get: async () => {
        throw new DOMException('access denied', 'SecurityError');
      },
      set: async () => {
        throw new DOMException('access denied', 'SecurityError');
      },
      delete: async () => {
        throw new DOMException('access denied', 'SecurityError');
      },
    };
    const cache = createPreferenceCache({ merchantKey: 's', backend });
    await expect(cache.load()).resolves.toEqual(emptyState());
    await expect(cache.save(sample())).resolves.toBeUndefined();
    await expect(cache.forget()).resolves.toBeUndefined();
  });

  it('forget() removes the record', async () => {
    const backend = inspectable();
    const cache = createPreferenceCache({ merchantKey: 'https://shop.example|m_1', backend });
    await cache.save(sample());
    await cache.forget();
    expect(backend.raw.size).toBe(0);
    expect(await cache.load()).toEqual(emptyState());
  });

  it('refuses to write an invalid state instead of persisting garbage', async () => {
    const backend = inspectable();
    const cache = createPreferenceCache({ merchantKey: 'k', backend });
    const broken = { ...sample(), streak: -1 } as PreferenceState;
    await cache.save(broken);
    expect(backend.raw.size).toBe(0);
  });

  it('memoryBackend is a plain key/value store', async () => {
    const m = memoryBackend();
    await m.set('a', '1');
    expect(await m.get('a')).toBe('1');
    await m.delete('a');
    expect(await m.get('a')).toBeNull();
  });
});

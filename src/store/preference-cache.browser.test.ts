import { afterEach, describe, expect, it } from 'vitest';
import { emptyState, learn, type PreferenceState } from '../core/ranking/index';
import { createPreferenceCache, indexedDbBackend, localStorageBackend } from './preference-cache';

// Runs in real Chromium: real IndexedDB and real localStorage, no fakes.
const MERCHANT = 'https://shop.example|m_browser';
const KEY = 'till:pref:' + MERCHANT;
const T0 = Date.UTC(2025, 0, 1);

function sample(): PreferenceState {
  let s = emptyState();
  for (let i = 0; i < 3; i++) s = learn(s, { method: 'pix', outcome: 'chosen', ctx: { device: 'mobile' }, at: T0 + i * 1000 });
  return learn(s, { method: 'pix', outcome: 'succeeded', ctx: { device: 'mobile' }, at: T0 + 3000 });
}

function idb<T>(op: (s: IDBObjectStore) => IDBRequest<T>, mode: IDBTransactionMode = 'readonly'): Promise<T> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('till', 1);
    open.onupgradeneeded = () => void open.result.createObjectStore('preferences');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('preferences', mode);
      const req = op(tx.objectStore('preferences'));
      tx.oncomplete = () => {
        db.close();
        resolve(req.result);
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

afterEach(async () => {
  localStorage.clear();
  await idb((s) => s.clear(), 'readwrite');
});

describe('preference cache in a real browser', () => {
  it('defaults to IndexedDB and persists across cache instances', async () => {
    const a = createPreferenceCache({ merchantKey: MERCHANT });
    expect(a.backend).toBe('indexedDB');
    await a.save(sample());
    expect(typeof (await idb((s) => s.get(KEY)))).toBe('string');
    const b = createPreferenceCache({ merchantKey: MERCHANT });
    expect(await b.load()).toEqual(sample());
    await b.forget();
    expect(await idb((s) => s.get(KEY))).toBeUndefined();
  });

  it('discards and deletes a corrupt record written directly into IndexedDB', async () => {
    await idb((s) => s.put('{"version":1,"methods":{"pix":{"w":-5', KEY), 'readwrite');
    const cache = createPreferenceCache({ merchantKey: MERCHANT, backend: indexedDbBackend() });
    expect(await cache.load()).toEqual(emptyState());
    expect(await idb((s) => s.get(KEY))).toBeUndefined();
  });

  it('discards a structured (non-string) value planted in IndexedDB', async () => {
    await idb((s) => s.put({ version: 1, methods: { pix: { w: 1e300 } } }, KEY), 'readwrite');
    const cache = createPreferenceCache({ merchantKey: MERCHANT });
    expect(await cache.load()).toEqual(emptyState());
    expect(await idb((s) => s.get(KEY))).toBeUndefined();
  });

  it('works on real localStorage, and discards a tampered record there', async () => {
    const cache = createPreferenceCache({ merchantKey: MERCHANT, backend: localStorageBackend() });
    await cache.save(sample());
    expect(JSON.parse(localStorage.getItem(KEY) ?? 'null')).toEqual(sample());
    expect(await cache.load()).toEqual(sample());

    const tampered = { ...sample(), methods: { pix: { w: 3, n: -1, s: 0, f: 0 } } };
    localStorage.setItem(KEY, JSON.stringify(tampered));
    expect(await cache.load()).toEqual(emptyState());
    expect(localStorage.getItem(KEY)).toBeNull();

    localStorage.setItem(KEY, 'not json at all');
    expect(await cache.load()).toEqual(emptyState());
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it('forget() clears localStorage', async () => {
    const cache = createPreferenceCache({ merchantKey: MERCHANT, backend: localStorageBackend() });
    await cache.save(sample());
    await cache.forget();
    expect(localStorage.getItem(KEY)).toBeNull();
  });
});

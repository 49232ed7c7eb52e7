import { loadSchemas } from '../core/load-schemas';
import { emptyState, MAX_RECORD_BYTES, type PreferenceState } from '../core/ranking/model';

/**
 * Local, per-merchant cache of the shopper's payment-method preferences.
 *
 * Storage is a convenience, never a requirement: every failure (private mode, SecurityError in
 * sandboxed iframes, quota, corrupt or tampered data) degrades to an in-memory copy or to an empty
 * state, which the ranking model turns into merchant priors. Nothing here throws to the caller.
 */

/** Minimal async key/value store. `get` resolves `null`/`undefined` for a missing key. */
export interface PreferenceBackend {
  readonly name: string;
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface PreferenceCache {
  load(): Promise<PreferenceState>;
  save(state: PreferenceState): Promise<void>;
  forget(): Promise<void>;
  /** Name of the backend currently in use (after any fallbacks). */
  readonly backend: string;
}

export interface PreferenceCacheOptions {
  /** Origin + merchant id: preferences are never shared across merchants. */
  merchantKey: string;
  /** Defaults to IndexedDB, then localStorage, then memory. */
  backend?: PreferenceBackend;
}

const KEY_PREFIX = 'till:pref:';

export function memoryBackend(): PreferenceBackend {
  const data = new Map<string, string>();
  return {
    name: 'memory',
    get: async (key) => data.get(key) ?? null,
    set: async (key, value) => void data.set(key, value),
    delete: async (key) => void data.delete(key),
  };
}

/** `storage` defaults to `globalThis.localStorage`; merely touching it can throw SecurityError. */
export function localStorageBackend(storage?: Storage): PreferenceBackend {
  const store = (): Storage => {
    const s = storage ?? globalThis.localStorage;
    if (!s) throw new Error('storage');
    return s;
  };
  return {
    name: 'localStorage',
    get: async (key) => store().getItem(key),
    set: async (key, value) => store().setItem(key, value),
    delete: async (key) => store().removeItem(key),
  };
}

export function indexedDbBackend(dbName = 'till', storeName = 'preferences', factory?: IDBFactory): PreferenceBackend {
  let db: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const idb = factory ?? globalThis.indexedDB;
      if (!idb) throw new Error('storage');
      const req = idb.open(dbName, 1);
      req.onupgradeneeded = () => void req.result.createObjectStore(storeName);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('storage'));
      req.onblocked = () => reject(new Error('storage'));
    }).catch((e: unknown) => {
      db = undefined; // allow a later retry instead of caching the failure
      throw e;
    }));
  /** Runs `op` in its own transaction; resolves with the request's result once the transaction commits. */
  const run = <T>(write: boolean, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> =>
    open().then(
      (d) =>
        new Promise<T>((resolve, reject) => {
          const tx = d.transaction(storeName, write ? 'readwrite' : 'readonly');
          const req = op(tx.objectStore(storeName));
          tx.oncomplete = () => resolve(req.result);
          tx.onerror = tx.onabort = () => reject(tx.error ?? req.error ?? new Error('storage'));
        }),
    );
  return {
    name: 'indexedDB',
    get: (key) => run(false, (s) => s.get(key)),
    set: async (key, value) => void (await run(true, (s) => s.put(value, key))),
    delete: async (key) => void (await run(true, (s) => s.delete(key))),
  };
}

function defaultBackends(): PreferenceBackend[] {
  const chain: PreferenceBackend[] = [];
  if (typeof indexedDB !== 'undefined') chain.push(indexedDbBackend());
  try {
    if (typeof localStorage !== 'undefined') chain.push(localStorageBackend());
  } catch {
    // Accessing localStorage itself throws SecurityError when storage is blocked.
  }
  return chain;
}

/** Serialises a state for storage, dropping the weakest methods if it would exceed the size bound. */
async function serialise(state: PreferenceState): Promise<string | null> {
  const s = (await loadSchemas()).validatePreferenceState(state);
  if (!s) return null; // never persist something load() would reject
  let text = JSON.stringify(s);
  const methods = Object.entries(s.methods).sort((a, b) => b[1].w - a[1].w);
  while (text.length > MAX_RECORD_BYTES && methods.length > 0) {
    methods.pop();
    text = JSON.stringify({ ...s, methods: Object.fromEntries(methods) });
  }
  return text.length <= MAX_RECORD_BYTES ? text : null;
}

export function createPreferenceCache(options: PreferenceCacheOptions): PreferenceCache {
  const key = KEY_PREFIX + options.merchantKey;
  // Ordered fallbacks; memory is always last and never fails. `index` never passes it, as only
  // a backend not named "memory" is ever left, so `chain[index]` always exists.
  const chain = [...(options.backend ? [options.backend] : defaultBackends()), memoryBackend()];
  let index = 0;
  const current = (): PreferenceBackend => chain[index] as PreferenceBackend;

  /** Runs `op` on the current backend, moving down the chain for good on any failure. */
  async function attempt<T>(op: (b: PreferenceBackend) => Promise<T>): Promise<T | undefined> {
    for (;;) {
      const b = current();
      try {
        return await op(b);
      } catch {
        if (b.name === 'memory') return undefined;
        index++;
      }
    }
  }

  return {
    get backend() {
      return current().name;
    },
    async load() {
      const raw = await attempt((b) => b.get(key));
      if (raw === null || raw === undefined) return emptyState();
      const state = await loadSchemas().then(
        (m) => m.parsePreferenceRecord(raw),
        () => emptyState(), // schemas unreachable: rank from priors, keep the record for next time
      );
      if (state) return state;
      // Corrupt, tampered, oversized or old-version record: delete it so it is not re-read.
      await attempt((b) => b.delete(key));
      return emptyState();
    },
    async save(state) {
      const text = await serialise(state).catch(() => null);
      if (text === null) return;
      await attempt((b) => b.set(key, text));
    },
    async forget() {
      // Clear every backend we may have written to, not only the current one.
      for (const b of chain) {
        try {
          await b.delete(key);
        } catch {
          // Unavailable storage holds nothing to forget.
        }
      }
    },
  };
}

import type { IdempotencyRecord, SessionRecord, StoredPayment, TillStorage } from './types';

/** One named lock per key, FIFO, within this process: what the embedded and memory stores use. */
export function processLocks(): TillStorage['lockPayment'] {
  const held = new Map<string, Promise<void>>();
  return async (name) => {
    const before = held.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    held.set(name, tail);
    await before;
    return async () => {
      release();
      if (held.get(name) === tail) held.delete(name);
    };
  };
}

/** Process memory only: for tests and throwaway scripts. Everything is gone when the process ends. */
export function memoryStorage(): TillStorage {
  const sessions = new Map<string, SessionRecord>();
  const payments = new Map<string, StoredPayment>();
  const idem = new Map<string, IdempotencyRecord>();
  // structuredClone so callers can never mutate what is stored through a returned reference.
  return {
    getSession: async (id) => structuredClone(sessions.get(id)),
    putSession: async (s) => void sessions.set(s.session.id, structuredClone(s)),
    getPayment: async (id) => structuredClone(payments.get(id)),
    putPayment: async (p) => void payments.set(p.id, structuredClone(p)),
    getIdempotency: async (k) => structuredClone(idem.get(k)),
    putIdempotency: async (k, r) => void idem.set(k, structuredClone(r)),
    // No await between the check and the write: atomic within this process.
    claimIdempotency: async (k, r) => (idem.has(k) ? structuredClone(idem.get(k)) : void idem.set(k, structuredClone(r))),
    lockPayment: processLocks(),
  };
}

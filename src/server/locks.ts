import type { TillStorage } from './storage/index';

export type WithLock = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/**
 * One change at a time per name (a payment, or `session:<id>` for charging): in this process by a
 * promise chain, across instances by the storage's lock (TillStorage.lockPayment). So a settle
 * cannot be overwritten by a concurrent cancel and two assertions cannot charge twice.
 */
export function createLocks(storage: TillStorage): WithLock {
  const locks = new Map<string, Promise<unknown>>();
  return function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      const release = await storage.lockPayment(name);
      try {
        return await fn();
      } finally {
        await release();
      }
    };
    const prev = locks.get(name) ?? Promise.resolve();
    const next = prev.then(run, run);
    const tail = next.catch(() => undefined);
    locks.set(name, tail);
    void tail.then(() => locks.get(name) === tail && locks.delete(name));
    return next;
  };
}

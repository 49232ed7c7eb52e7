import type { MerchantBackend, TillServerOptions } from './backend';
import { createLocks, type WithLock } from './locks';
import { randomId } from './secrets';
import { memoryStorage, type TillStorage } from './storage/index';

/** What every part of the server kit shares: the merchant's hooks, the storage, the clock, the locks. */
export interface Kit {
  options: TillServerOptions;
  backend: MerchantBackend;
  storage: TillStorage;
  now: () => number;
  newId: (prefix: string) => string;
  withLock: WithLock;
}

export function createKit(options: TillServerOptions): Kit {
  const storage = options.storage ?? memoryStorage();
  return {
    options,
    backend: options.backend,
    storage,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    newId: options.newId ?? randomId,
    withLock: createLocks(storage),
  };
}

// Runtime-neutral storage: the interface, the in-memory adapter, and SQL over any `SqlDb`.
export type { TillStorage, SessionRecord, StoredPayment, IdempotencyRecord, Release } from './types';
export { memoryStorage, processLocks } from './memory';
export { migrate, appliedMigrations, TILL_MIGRATIONS, MIGRATIONS_TABLE, type SqlDb, type Migration, type AppliedMigration } from './migrations';
export { sqlStorage, type SqlTillStorage } from './sql';

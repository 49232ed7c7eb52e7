// `till-checkout/server/storage`: the durable adapters, Node-only (node:fs, WebAssembly
// PostgreSQL, `pg`). `pg` and `@electric-sql/pglite` are optional peer dependencies: install the
// one you use.
export * from './index';
export { pgliteStorage, DataDirInUseError, type PgliteStorageOptions } from './pglite';
export { postgresStorage, advisoryLocks, type PostgresStorageOptions } from './postgres';

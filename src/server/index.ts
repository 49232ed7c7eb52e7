/** Server kit: mount `createTillServer(...).handle` on any runtime with web-standard Request/Response. */
export {
  createTillServer,
  type TillServer,
  type TillServerOptions,
  type MerchantBackend,
  type AuthorizeInput,
  type AuthorizeResult,
  type SessionDraft,
  type Shopper,
  type TillContext,
  type Agent,
  type Mandate,
  type Actor,
} from './handler';
export {
  memoryStorage,
  sqlStorage,
  migrate,
  appliedMigrations,
  TILL_MIGRATIONS,
  type TillStorage,
  type SessionRecord,
  type StoredPayment,
  type IdempotencyRecord,
  type Release,
  type SqlDb,
  type SqlTillStorage,
  type Migration,
} from './storage/index';
export { ACP_VERSION, type AcpOptions } from './acp/routes';
export { UCP_VERSION, ucpProfile, type UcpOptions } from './ucp/routes';
// Durable adapters (PGlite, PostgreSQL) are Node-only: import them from `till-checkout/server/storage`.
export * from '../protocol/index';

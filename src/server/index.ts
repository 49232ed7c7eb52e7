/** Server kit: mount `createTillServer(...).handle` on any runtime with web-standard Request/Response. */
export { createTillServer, type TillServer, type TillServerOptions, type MerchantBackend, type AuthorizeInput, type AuthorizeResult, type SessionDraft } from './handler';
export { memoryStorage, type TillStorage, type StoredPayment, type IdempotencyRecord } from './storage';
export * from '../protocol/index';

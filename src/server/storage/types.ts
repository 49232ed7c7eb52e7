import type { PaymentReply, Session } from '../../protocol/index';

/**
 * A checkout session as the server keeps it: the protocol session the browser sees, plus what
 * only the server may know. The browser never receives `secretHash` or `shopperId`.
 */
export interface SessionRecord {
  session: Session;
  /** SHA-256 (hex) of the session's client secret; the secret itself is never stored. */
  secretHash: string;
  /** The shopper the merchant's `authenticate` hook named when the session was created. */
  shopperId?: string;
  /** The agent that created it through an agent protocol (ACP): only that agent may act on it there. */
  agentId?: string;
  /** State an agent protocol keeps on the session (ACP: status, buyer, coupon codes, method). */
  agentState?: Record<string, unknown>;
}

export interface StoredPayment {
  id: string;
  sessionId: string;
  method: string;
  amount: { amount: number; currency: string };
  couponCodes: string[];
  reply: PaymentReply;
  createdAt: number;
  /** Who started it (absent on payments stored before agents: the shopper). */
  actor?: { type: 'shopper' } | { type: 'agent'; agentId: string; mandateId: string };
}

export interface IdempotencyRecord {
  /** SHA-256 of the canonical request body. */
  bodyHash: string;
  /**
   * The payment this key started. Written (without `reply`) *before* the processor is called, so
   * a replay after a crash or a failed write answers from that payment and never charges again.
   */
  paymentId?: string;
  /** The final HTTP status and reply; absent while (or if interrupted while) charging. */
  httpStatus?: number;
  reply?: unknown;
}

/** Releases a lock taken with {@link TillStorage.lockPayment}. */
export type Release = () => Promise<void>;

/**
 * Where the server kit keeps its state. Adapters: `memoryStorage()` (tests, one process),
 * `pgliteStorage()` (embedded PostgreSQL, one process, durable) and `postgresStorage()`
 * (PostgreSQL through `pg`, several instances). Every adapter passes the shared adapter suite
 * (src/server/storage/adapter-suite.ts).
 *
 * Keys are opaque strings chosen by the kit; idempotency keys arrive already scoped to their
 * session (`<sessionId>:<key>`).
 */
export interface TillStorage {
  getSession(id: string): Promise<SessionRecord | undefined>;
  putSession(record: SessionRecord): Promise<void>;
  getPayment(id: string): Promise<StoredPayment | undefined>;
  putPayment(payment: StoredPayment): Promise<void>;
  getIdempotency(key: string): Promise<IdempotencyRecord | undefined>;
  /** Overwrites the record under `key` (completing a reservation made with claimIdempotency). */
  putIdempotency(key: string, record: IdempotencyRecord): Promise<void>;
  /**
   * Stores `record` under `key` only if the key is free, atomically, and returns the record that
   * was already there (or `undefined` when this call stored it). This is what makes a key charge
   * at most once across several server instances: an insert that fails on a duplicate key (SQL
   * `INSERT … ON CONFLICT DO NOTHING`).
   */
  claimIdempotency(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | undefined>;
  /**
   * Holds the named lock (a payment id, or `session:<id>` for one session's charging) for the
   * caller across every instance sharing this storage, and resolves with its release. Settle,
   * cancel, passkey answers and expiry never interleave, nor do two charges of one session. A
   * holder that dies (process killed) must lose the lock without anyone's help: PostgreSQL's
   * session advisory locks end with their connection. Required: a shared store without locks
   * would let two instances charge one session twice.
   */
  lockPayment(name: string): Promise<Release>;
  /** Closes connections (pools, the embedded database). */
  close?(): Promise<void>;
}

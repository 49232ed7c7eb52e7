import type { PaymentReply, Session } from '../protocol/index';

export interface StoredPayment {
  id: string;
  sessionId: string;
  method: string;
  amount: { amount: number; currency: string };
  couponCodes: string[];
  reply: PaymentReply;
  createdAt: number;
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

/**
 * Where the server kit keeps its state. The in-memory default suits a demo or a single process;
 * a production backend implements this over its database (`claimIdempotency` must be atomic).
 */
export interface TillStorage {
  getSession(id: string): Promise<Session | undefined>;
  putSession(session: Session): Promise<void>;
  getPayment(id: string): Promise<StoredPayment | undefined>;
  putPayment(payment: StoredPayment): Promise<void>;
  getIdempotency(key: string): Promise<IdempotencyRecord | undefined>;
  putIdempotency(key: string, record: IdempotencyRecord): Promise<void>;
  /**
   * Stores `record` under `key` only if the key is free, atomically, and returns the record that
   * was already there (or `undefined` when this call stored it). This is what makes a key charge
   * at most once across several server instances: implement it as an insert that fails on a
   * duplicate key (SQL `INSERT … ON CONFLICT DO NOTHING`, Redis `SET NX`, a DynamoDB condition).
   */
  claimIdempotency(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | undefined>;
  /**
   * Optional: holds one payment (or, as `session:<id>`, one session's charging) for the caller
   * across server instances (a lease such as Redis `SET lock:<id> <token> NX PX <ttl>`, or a row
   * lock) and resolves with its release. Settle, cancel, passkey answers and expiry then never
   * interleave on two instances, nor do two charges of one session. Without it they are
   * serialised within one process only.
   */
  lockPayment?(paymentId: string): Promise<() => Promise<void>>;
}

export function memoryStorage(): TillStorage {
  const sessions = new Map<string, Session>();
  const payments = new Map<string, StoredPayment>();
  const idem = new Map<string, IdempotencyRecord>();
  const held = new Map<string, Promise<void>>();
  // structuredClone so callers can never mutate what is stored through a returned reference.
  return {
    getSession: async (id) => structuredClone(sessions.get(id)),
    putSession: async (s) => void sessions.set(s.id, structuredClone(s)),
    getPayment: async (id) => structuredClone(payments.get(id)),
    putPayment: async (p) => void payments.set(p.id, structuredClone(p)),
    getIdempotency: async (k) => structuredClone(idem.get(k)),
    putIdempotency: async (k, r) => void idem.set(k, structuredClone(r)),
    // No await between the check and the write: atomic within this process.
    claimIdempotency: async (k, r) => (idem.has(k) ? structuredClone(idem.get(k)) : void idem.set(k, structuredClone(r))),
    // Several kits sharing this store (tests, one process) take turns per payment, like a lease.
    async lockPayment(id) {
      const before = held.get(id) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = before.then(() => mine);
      held.set(id, tail);
      await before;
      return async () => {
        release();
        if (held.get(id) === tail) held.delete(id);
      };
    },
  };
}

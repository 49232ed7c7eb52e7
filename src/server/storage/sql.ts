import type { SqlDb } from './migrations';
import type { IdempotencyRecord, SessionRecord, StoredPayment, TillStorage } from './types';

/** A storage over SQL, with the database it runs on (for a merchant backend's own tables). */
export type SqlTillStorage = TillStorage & { db: SqlDb };

/** Records go in as JSON text and come out parsed from text: every read is a fresh object. */
const json = (v: unknown): string => JSON.stringify(v);
const parse = <T>(rows: { record: string }[]): T | undefined => (rows[0] ? (JSON.parse(rows[0].record) as T) : undefined);
/** The query columns beside a record take integers only; anything else is stored as NULL there. */
const int = (v: unknown): number | null => (Number.isSafeInteger(v) ? (v as number) : null);

/**
 * TillStorage over the kit's tables (see TILL_MIGRATIONS, which the caller has applied to `db`).
 * `lock` is the adapter's lock (in-process for PGlite, advisory locks for PostgreSQL); `close`
 * ends the connections.
 */
export function sqlStorage(db: SqlDb, lock: TillStorage['lockPayment'], close?: () => Promise<void>): SqlTillStorage {
  const getIdempotency = async (key: string) =>
    parse<IdempotencyRecord>(await db.query<{ record: string }>(`SELECT record::text AS record FROM till_idempotency WHERE key = $1`, [key]));
  const storage: SqlTillStorage = {
    db,
    getSession: async (id) =>
      parse<SessionRecord>(await db.query<{ record: string }>(`SELECT record::text AS record FROM till_sessions WHERE id = $1`, [id])),
    putSession: async (s) => {
      await db.query(
        `INSERT INTO till_sessions (id, record, shopper_id, expires_at) VALUES ($1, $2::json, $3, $4)
         ON CONFLICT (id) DO UPDATE SET record = excluded.record, shopper_id = excluded.shopper_id,
           expires_at = excluded.expires_at, updated_at = now()`,
        [s.session.id, json(s), s.shopperId ?? null, int(s.session.expiresAt)],
      );
    },
    getPayment: async (id) =>
      parse<StoredPayment>(await db.query<{ record: string }>(`SELECT record::text AS record FROM till_payments WHERE id = $1`, [id])),
    putPayment: async (p) => {
      await db.query(
        `INSERT INTO till_payments (id, session_id, record, created_at) VALUES ($1, $2, $3::json, $4)
         ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, record = excluded.record,
           created_at = excluded.created_at, updated_at = now()`,
        [p.id, p.sessionId, json(p), int(p.createdAt)],
      );
    },
    getIdempotency,
    putIdempotency: async (key, r) => {
      await db.query(
        `INSERT INTO till_idempotency (key, record) VALUES ($1, $2::json)
         ON CONFLICT (key) DO UPDATE SET record = excluded.record, updated_at = now()`,
        [key, json(r)],
      );
    },
    claimIdempotency: async (key, r) => {
      // The insert is the atomic step: of any number of concurrent claims (any instance), exactly
      // one inserts; the others wait for it to commit, insert nothing, and read its record. Rows
      // are never deleted by the kit, so the read finds it; if someone did delete it in between,
      // claim again rather than report a record that is gone.
      for (;;) {
        const won = await db.query(`INSERT INTO till_idempotency (key, record) VALUES ($1, $2::json) ON CONFLICT (key) DO NOTHING RETURNING key`, [key, json(r)]);
        if (won.length) return undefined;
        const existing = await getIdempotency(key);
        if (existing) return existing;
      }
    },
    lockPayment: lock,
  };
  if (close) storage.close = close;
  return storage;
}

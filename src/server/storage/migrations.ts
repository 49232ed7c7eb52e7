/**
 * The SQL schema of the server kit, as versioned migrations, and the runner that applies them.
 * Node-only (used by the PGlite and PostgreSQL adapters); nothing here touches the DOM.
 *
 * Several owners can share one database: each names its migrations with a namespace (`till` for
 * the kit, `demo` for the demo merchant backend), and `till_schema_migrations` records which
 * versions of which namespace are applied.
 */

/**
 * The little of a SQL connection pool the adapters need. Both `pgliteStorage().db` and
 * `postgresStorage().db` are one; a merchant backend may use it for its own tables.
 */
export interface SqlDb {
  /**
   * Runs `sql` and resolves with the rows of its result. With `params` (`$1`, `$2`, …) `sql` is
   * one statement; without, it may hold several separated by `;` and the rows are the last one's.
   * `json`/`jsonb` columns arrive parsed, `int8` as a JS number, `timestamptz` as a Date.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` on one connection between BEGIN and COMMIT, or ROLLBACK when it throws. Only `tx`
   * may be used inside `fn` (the outer db may wait for the transaction's connection). Calling
   * `tx.transaction` runs its function inside the same transaction.
   */
  transaction<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T>;
}

export interface Migration {
  /** Positive integer, strictly increasing within a namespace. Never renumber a shipped one. */
  version: number;
  /** Short description, recorded with the version; must not change once shipped. */
  name: string;
  /** One or more statements, run in one transaction. */
  sql: string;
}

export interface AppliedMigration {
  namespace: string;
  version: number;
  name: string;
  appliedAt: Date;
}

/** The migrations table every namespace records into. */
export const MIGRATIONS_TABLE = 'till_schema_migrations';

/** The server kit's tables (namespace `till`). Stored records are `json`, not `jsonb`: see below. */
export const TILL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions, payments, idempotency',
    // `json` keeps the text exactly as written: key order, number spelling, `\u0000` and lone
    // surrogates all round-trip, where `jsonb` reorders keys and rejects the last two. The columns
    // beside each record are copies for queries and clean-up; the record is the truth.
    sql: `
      CREATE TABLE till_sessions (
        id text PRIMARY KEY,
        record json NOT NULL,
        shopper_id text,
        expires_at bigint,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX till_sessions_expires_at ON till_sessions (expires_at);
      CREATE INDEX till_sessions_shopper_id ON till_sessions (shopper_id) WHERE shopper_id IS NOT NULL;
      CREATE TABLE till_payments (
        id text PRIMARY KEY,
        session_id text NOT NULL,
        record json NOT NULL,
        created_at bigint,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX till_payments_session_id ON till_payments (session_id);
      CREATE TABLE till_idempotency (
        key text PRIMARY KEY,
        record json NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

function check(namespace: string, migrations: readonly Migration[]): void {
  if (!/^[a-z][a-z0-9_]*$/.test(namespace)) throw new Error(`Migration namespace "${namespace}" must be lower-case letters, digits and _.`);
  let last = 0;
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version <= last) {
      throw new Error(`Migrations of "${namespace}" must have positive, strictly increasing integer versions (got ${m.version} after ${last}).`);
    }
    last = m.version;
  }
}

/**
 * Applies the pending `migrations` of `namespace`, in version order, each in its own transaction
 * that also records it, and resolves with the ones this call applied (none when up to date).
 * Safe when several instances start at once: every transaction first takes one transaction-level
 * advisory lock, so they queue, and each re-reads what is applied after getting it. A recorded
 * version whose name differs from the code's is refused (someone edited a shipped migration);
 * versions the database has but the code lacks (a newer instance ran them) are left alone.
 */
export async function migrate(db: SqlDb, namespace: string, migrations: readonly Migration[]): Promise<AppliedMigration[]> {
  check(namespace, migrations);
  const locked = async (tx: SqlDb) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [MIGRATIONS_TABLE]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
        namespace text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (namespace, version)
      )`,
    );
    const rows = await tx.query<{ version: number; name: string }>(`SELECT version, name FROM ${MIGRATIONS_TABLE} WHERE namespace = $1`, [namespace]);
    const done = new Map(rows.map((r) => [r.version, r.name]));
    for (const m of migrations) {
      const name = done.get(m.version);
      if (name !== undefined && name !== m.name) {
        throw new Error(`Migration ${namespace} v${m.version} was applied as "${name}" but the code calls it "${m.name}": shipped migrations must not change.`);
      }
    }
    return done;
  };
  const before = await db.transaction(locked);
  const applied: AppliedMigration[] = [];
  for (const m of migrations) {
    if (before.has(m.version)) continue;
    const row = await db.transaction(async (tx) => {
      if ((await locked(tx)).has(m.version)) return undefined; // another instance got here first
      await tx.query(m.sql);
      const [r] = await tx.query<{ applied_at: Date }>(
        `INSERT INTO ${MIGRATIONS_TABLE} (namespace, version, name) VALUES ($1, $2, $3) RETURNING applied_at`,
        [namespace, m.version, m.name],
      );
      return r;
    });
    if (row) applied.push({ namespace, version: m.version, name: m.name, appliedAt: row.applied_at });
  }
  return applied;
}

/** What `till_schema_migrations` records for `namespace` (empty before the first migrate). */
export async function appliedMigrations(db: SqlDb, namespace: string): Promise<AppliedMigration[]> {
  const [exists] = await db.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [MIGRATIONS_TABLE]);
  if (!exists?.t) return [];
  const rows = await db.query<{ version: number; name: string; applied_at: Date }>(
    `SELECT version, name, applied_at FROM ${MIGRATIONS_TABLE} WHERE namespace = $1 ORDER BY version`,
    [namespace],
  );
  return rows.map((r) => ({ namespace, version: r.version, name: r.name, appliedAt: r.applied_at }));
}

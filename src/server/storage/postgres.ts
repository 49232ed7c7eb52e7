import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, types, type PoolClient, type PoolConfig } from 'pg';
import { processLocks } from './memory';
import { migrate, TILL_MIGRATIONS, type SqlDb } from './migrations';
import { sqlStorage, type SqlTillStorage } from './sql';
import type { Release, TillStorage } from './types';

export interface PostgresStorageOptions {
  /** `postgres://user:password@host:port/database` */
  connectionString: string;
  /**
   * Connections per pool (default 10). There are two pools of this size: queries, and locks
   * (each outermost lock holder keeps one connection while it holds).
   */
  max?: number;
}

/** int8 as a JS number when exact, else a BigInt: what PGlite does, so `.db` reads alike. */
const INT8 = 20;
const typeParsers: NonNullable<PoolConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 && format !== 'binary') {
      return (v: string) => {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : BigInt(v);
      };
    }
    return format === 'binary' ? types.getTypeParser(oid, 'binary') : types.getTypeParser(oid, 'text');
  }) as NonNullable<PoolConfig['types']>['getTypeParser'],
};

function clientDb(c: Pool | PoolClient): SqlDb['query'] {
  return async <T>(sql: string, params?: unknown[]) => {
    // Without parameters `pg` uses the simple protocol, and several statements give an array.
    const r = (await c.query(sql, params)) as unknown as { rows: T[] } | { rows: T[] }[];
    return Array.isArray(r) ? (r.at(-1)?.rows ?? []) : r.rows;
  };
}

function poolDb(pool: Pool): SqlDb {
  return {
    query: clientDb(pool),
    transaction: async (fn) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A connection that drops mid-transaction fails its query; the event must not crash us.
      const onError = (e: Error) => (broken ??= e);
      client.on('error', onError);
      const tx: SqlDb = { query: clientDb(client), transaction: (inner) => inner(tx) };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch((err: Error) => (broken = err));
        throw e;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
  };
}

/** One connection of the lock pool and the locks this async call chain holds on it. */
interface Holder {
  state: 'pending' | 'held' | 'released';
  client?: PoolClient;
  /** Locks held or being taken on `client`; it goes back to the pool at zero. */
  count: number;
  /** The connection died: every lock on it is gone (PostgreSQL ended the session). */
  lost?: Error;
  onError?: (e: Error) => void;
  /** The holder that was current when this one started, while it is not released. */
  parent?: Holder;
}

const key = 'hashtextextended($1, 0)';

/**
 * Advisory locks across every instance on the database. The outermost lock of an async call
 * chain takes a connection of its own from `pool` and blocks in `pg_advisory_lock` there; locks
 * taken inside it (the kit holds `session:<id>` and then a payment id) reuse that connection,
 * found through AsyncLocalStorage, so holders never wait for a second connection and a small
 * pool cannot deadlock. Those inner locks poll `pg_try_advisory_lock` rather than block, so the
 * shared connection is never stuck behind a wait while an unlock for it is queued. Within this
 * process each name is also a FIFO in-process lock, which keeps siblings sharing a connection
 * apart (PostgreSQL would let one session take its own lock twice). A holder whose process dies
 * loses its locks with its connection.
 */
export function advisoryLocks(pool: Pool): TillStorage['lockPayment'] {
  const chain = new AsyncLocalStorage<Holder>();
  const local = processLocks();
  const live = (h: Holder | undefined, state: Holder['state'][]): Holder | undefined => {
    while (h && !state.includes(h.state)) h = h.parent;
    return h;
  };

  /** Returns the holder's connection (destroyed if it died or a lock on it could not be taken). */
  const giveBack = (h: Holder) => {
    h.state = 'released';
    if (!h.client) return;
    if (h.onError) h.client.off('error', h.onError);
    h.client.release(h.lost);
  };

  const releaser = (h: Holder, name: string, releaseLocal: Release): Release => {
    let done: Promise<void> | undefined;
    return () =>
      (done ??= (async () => {
        try {
          if (!h.lost) await h.client!.query(`SELECT pg_advisory_unlock(${key})`, [name]);
        } catch (e) {
          h.lost ??= e as Error;
        }
        if (h.lost) console.warn(`[till] The lock "${name}" was lost before its release: its database connection ended (${h.lost.message}).`);
        await releaseLocal();
        if (--h.count === 0) giveBack(h);
      })());
  };

  const outermost = async (h: Holder, name: string): Promise<Release> => {
    let releaseLocal: Release | undefined;
    try {
      const client = await pool.connect();
      h.client = client;
      h.onError = (e) => (h.lost ??= e);
      client.on('error', h.onError);
      releaseLocal = await local(name);
      await client.query(`SELECT pg_advisory_lock(${key})`, [name]);
      h.state = 'held';
      return releaser(h, name, releaseLocal);
    } catch (e) {
      await releaseLocal?.();
      h.lost ??= e as Error; // a connection whose lock query failed is not reused
      giveBack(h);
      throw e;
    }
  };

  const nested = async (h: Holder, name: string): Promise<Release> => {
    h.count++;
    let releaseLocal: Release | undefined;
    try {
      releaseLocal = await local(name);
      for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
        if (h.lost) throw h.lost;
        const [row] = await h.client!.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${key}) AS ok`, [name]).then((r) => r.rows);
        if (row?.ok) return releaser(h, name, releaseLocal);
        await sleep(wait);
      }
    } catch (e) {
      await releaseLocal?.();
      if (--h.count === 0) giveBack(h);
      throw e;
    }
  };

  // Not async: the holder must enter the caller's async context synchronously, so that what the
  // caller runs after `await lockPayment(…)` finds it.
  return (name) => {
    const current = chain.getStore();
    const held = live(current, ['held']);
    if (held) return nested(held, name);
    const h: Holder = { state: 'pending', count: 1 };
    const parent = live(current, ['held', 'pending']);
    if (parent) h.parent = parent;
    chain.enterWith(h);
    return outermost(h, name);
  };
}

/**
 * PostgreSQL through `pg`, for several server instances on one database: migrations run on
 * open (safe when instances start together), claims are atomic inserts, and locks are session
 * advisory locks on a separate pool (see {@link advisoryLocks}). `.db` is the query pool, for a
 * merchant backend's own tables. `close()` ends both pools. Node-only.
 */
export async function postgresStorage(opts: PostgresStorageOptions): Promise<SqlTillStorage> {
  const config: PoolConfig = { connectionString: opts.connectionString, max: opts.max ?? 10, types: typeParsers };
  const pool = new Pool({ ...config, application_name: 'till' });
  const lockPool = new Pool({ ...config, application_name: 'till-locks' });
  // An idle connection that drops (server restart, pg_terminate_backend) must not crash the
  // process; the pool discards it and opens another when needed.
  const ignore = () => undefined;
  pool.on('error', ignore);
  lockPool.on('error', ignore);
  let ended: Promise<void> | undefined;
  const close = () => (ended ??= Promise.all([pool.end(), lockPool.end()]).then(() => undefined));
  const db = poolDb(pool);
  try {
    await migrate(db, 'till', TILL_MIGRATIONS);
  } catch (e) {
    await close();
    throw e;
  }
  return sqlStorage(db, advisoryLocks(lockPool), close);
}

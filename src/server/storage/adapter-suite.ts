// The one test suite every TillStorage adapter passes (memory.test.ts, pglite.test.ts,
// postgres.test.ts call it). Each test uses fresh random ids, so a suite shares one database.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { appliedMigrations, migrate, TILL_MIGRATIONS, type Migration, type SqlDb } from './migrations';
import type { IdempotencyRecord, Release, SessionRecord, StoredPayment, TillStorage } from './types';

export interface AdapterHarness {
  /**
   * A storage on the suite's database. Where the adapter allows several instances on one
   * database (`instances: 'many'`), every call opens a new one (with its own connections);
   * otherwise it returns the one open storage. `small` asks for the smallest pools the adapter
   * has (PostgreSQL: 2 connections).
   */
  open(opts?: { small?: boolean }): Promise<TillStorage>;
  instances: 'one' | 'many';
  /** Closes every storage open() opened (the suite calls it last). */
  closeAll(): Promise<void>;
  /** Closes every open storage and opens the same database again. Omitted: not durable. */
  reopen?(): Promise<TillStorage>;
  /** The SQL database under a storage from open(), for SQL adapters. */
  sqlDb?(storage: TillStorage): SqlDb;
}

const uid = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;

/** JSON that breaks naive storage: deep nesting, unicode, big and negative integers, key order. */
const tricky = {
  zeta: 1,
  alpha: [0, -1, 42, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1), 0.1, 1e-7, 123456.789],
  text: 'Grüße, 你好, こんにちは, 🙂👩🏽‍💻, e\u0301, "quotes" \\ back\\slash \n\t',
  nul: 'a\u0000b',
  lone: '\ud800',
  nested: { a: { b: { c: { d: [{ e: null, f: true, g: false, h: '' }, [], {}] } } } },
  '': 'empty key',
  'key with spaces': 'ok',
};

function sessionRecord(id = uid('cs'), shopperId?: string): SessionRecord {
  // The storage keeps the protocol session opaque: a realistic subset is enough here.
  const session = {
    id,
    expiresAt: 1_900_000_000,
    currency: 'BRL',
    items: [{ productId: 'p_1', name: 'Café ☕ «especial»', quantity: 2, unitAmount: 1250 }],
    quote: { subtotal: 2500, total: 2250, discounts: [{ code: 'BEMVINDO', amount: 250 }] },
    methodQuotes: [],
    extra: tricky,
  } as unknown as SessionRecord['session'];
  const r: SessionRecord = { session, secretHash: 'ab'.repeat(32) };
  if (shopperId) r.shopperId = shopperId;
  return r;
}

function payment(sessionId: string, id = uid('pay')): StoredPayment {
  return {
    id,
    sessionId,
    method: 'pix',
    amount: { amount: 2250, currency: 'BRL' },
    couponCodes: ['BEMVINDO', 'ÉTÉ-2026'],
    reply: { status: 'requires_action', paymentId: id, action: { type: 'qr', payload: '000201…', expiresAt: 1_900_000_100 }, amount: { amount: 2250, currency: 'BRL' } },
    createdAt: 1_767_225_600_123,
  } as StoredPayment;
}

const idem = (i: number | string, extra: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({ bodyHash: `hash-${i}`, ...extra });

/** Resolves with `p`'s value, or rejects when it takes longer than `ms`. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function adapterSuite(name: string, h: AdapterHarness): void {
  describe(`TillStorage adapter: ${name}`, { timeout: 60_000 }, () => {
    afterAll(() => h.closeAll(), 60_000);
    /** Two storages on one database: two instances where the adapter has them. */
    const two = async (opts?: { small?: boolean }) => [await h.open(opts), await h.open(opts)] as const;

    describe('records', () => {
      it('round-trips sessions exactly (nested JSON, unicode, integers, key order) and overwrites', async () => {
        const [a, b] = await two();
        const s = sessionRecord(undefined, 'shopper_Ω');
        await a.putSession(s);
        const got = await b.getSession(s.session.id);
        expect(got).toEqual(s);
        expect(JSON.stringify(got)).toBe(JSON.stringify(s)); // same key order, same number spelling
        expect(Number.isInteger((got!.session as unknown as { extra: typeof tricky }).extra.alpha[4])).toBe(true);
        const anonymous = sessionRecord();
        await a.putSession(anonymous);
        expect(await b.getSession(anonymous.session.id)).toEqual(anonymous);
        expect(await b.getSession(anonymous.session.id)).not.toHaveProperty('shopperId');
        const changed = { ...s, secretHash: 'cd'.repeat(32), session: { ...s.session, expiresAt: 1_900_000_999 } };
        await b.putSession(changed);
        expect(await a.getSession(s.session.id)).toEqual(changed);
        expect(await a.getSession(uid('cs'))).toBeUndefined();
      });

      it('round-trips payments and overwrites them', async () => {
        const [a, b] = await two();
        const p = payment(uid('cs'));
        await a.putPayment(p);
        const got = await b.getPayment(p.id);
        expect(got).toEqual(p);
        expect(JSON.stringify(got)).toBe(JSON.stringify(p));
        expect(Number.isInteger(got!.createdAt) && Number.isInteger(got!.amount.amount)).toBe(true);
        const settled: StoredPayment = { ...p, reply: { status: 'succeeded', paymentId: p.id, amount: p.amount } as StoredPayment['reply'] };
        await b.putPayment(settled);
        expect(await a.getPayment(p.id)).toEqual(settled);
        expect(await a.getPayment(uid('pay'))).toBeUndefined();
      });

      it('round-trips idempotency records; putIdempotency overwrites', async () => {
        const [a, b] = await two();
        const key = `${uid('cs')}:${uid('k')}`;
        expect(await a.getIdempotency(key)).toBeUndefined();
        await a.putIdempotency(key, idem(1, { paymentId: 'pay_1' }));
        expect(await b.getIdempotency(key)).toEqual({ bodyHash: 'hash-1', paymentId: 'pay_1' });
        const done = idem(1, { paymentId: 'pay_1', httpStatus: 200, reply: { status: 'succeeded', nested: tricky } });
        await b.putIdempotency(key, done);
        const got = await a.getIdempotency(key);
        expect(got).toEqual(done);
        expect(JSON.stringify(got)).toBe(JSON.stringify(done));
      });

      it('returns copies: changing what was returned or what was stored changes nothing stored', async () => {
        const s = await h.open();
        const rec = sessionRecord();
        await s.putSession(rec);
        (rec.session as unknown as { extra: { zeta: number } }).extra.zeta = 999;
        const first = await s.getSession(rec.session.id);
        expect((first!.session as unknown as { extra: { zeta: number } }).extra.zeta).toBe(1);
        first!.secretHash = 'mutated';
        (first!.session as unknown as { items: unknown[] }).items.push('x');
        const again = await s.getSession(rec.session.id);
        expect(again!.secretHash).toBe('ab'.repeat(32));
        expect((again!.session as unknown as { items: unknown[] }).items).toHaveLength(1);
        expect(again).not.toBe(first);

        const p = payment(rec.session.id);
        await s.putPayment(p);
        const gotP = await s.getPayment(p.id);
        gotP!.couponCodes.push('HACK');
        gotP!.amount.amount = 1;
        expect(await s.getPayment(p.id)).toEqual(payment(rec.session.id, p.id));

        const key = uid('k');
        const r = idem(1, { reply: { list: [1, 2] } });
        expect(await s.claimIdempotency(key, r)).toBeUndefined();
        (r.reply as { list: number[] }).list.push(3);
        const gotI = await s.getIdempotency(key);
        expect(gotI).toEqual(idem(1, { reply: { list: [1, 2] } }));
        (gotI!.reply as { list: number[] }).list.push(4);
        const claimed = await s.claimIdempotency(key, idem(2));
        (claimed!.reply as { list: number[] }).list.push(5);
        expect(await s.getIdempotency(key)).toEqual(idem(1, { reply: { list: [1, 2] } }));
      });
    });

    describe('claimIdempotency', () => {
      it('stores on a free key and answers the stored record on a taken one, without overwriting', async () => {
        const [a, b] = await two();
        const key = uid('k');
        expect(await a.claimIdempotency(key, idem('first', { paymentId: 'pay_a' }))).toBeUndefined();
        expect(await b.claimIdempotency(key, idem('second'))).toEqual(idem('first', { paymentId: 'pay_a' }));
        expect(await a.getIdempotency(key)).toEqual(idem('first', { paymentId: 'pay_a' }));
        await b.putIdempotency(key, idem('first', { paymentId: 'pay_a', httpStatus: 200, reply: { ok: 1 } }));
        expect(await a.claimIdempotency(key, idem('third'))).toEqual(idem('first', { paymentId: 'pay_a', httpStatus: 200, reply: { ok: 1 } }));
      });

      it(`50 concurrent claims of one key${h.instances === 'many' ? ' over two instances' : ''}: exactly one wins, all others get its record`, async () => {
        const [a, b] = await two();
        const key = `${uid('cs')}:${uid('k')}`;
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? b : a).claimIdempotency(key, idem(i, { paymentId: `pay_${i}` }))));
        const winners = results.flatMap((r, i) => (r === undefined ? [i] : []));
        expect(winners).toHaveLength(1);
        const winner = idem(winners[0]!, { paymentId: `pay_${winners[0]}` });
        for (const r of results) if (r !== undefined) expect(r).toEqual(winner);
        expect(await a.getIdempotency(key)).toEqual(winner);
        expect(await b.getIdempotency(key)).toEqual(winner);
      });

      it('many keys claimed concurrently each get exactly one winner', async () => {
        const [a, b] = await two();
        const keys = Array.from({ length: 10 }, () => uid('k'));
        const claims = keys.flatMap((key) => Array.from({ length: 6 }, (_, i) => ({ key, i })));
        const results = await Promise.all(claims.map(({ key, i }) => (i % 2 ? a : b).claimIdempotency(key, idem(`${key}-${i}`))));
        for (const key of keys) {
          const mine = results.filter((_, j) => claims[j]!.key === key);
          expect(mine.filter((r) => r === undefined)).toHaveLength(1);
          const stored = await a.getIdempotency(key);
          for (const r of mine) if (r) expect(r).toEqual(stored);
        }
      });
    });

    describe('lockPayment', () => {
      /** Holds `name` for `ms` while counting holders; returns the most seen at once. */
      function exclusive(storages: readonly TillStorage[], name: string, holders: number, ms: number) {
        let inside = 0;
        let most = 0;
        const order: number[] = [];
        const run = async (i: number) => {
          const release = await storages[i % storages.length]!.lockPayment(name);
          try {
            inside++;
            most = Math.max(most, inside);
            order.push(i);
            await sleep(ms);
          } finally {
            inside--;
            await release();
          }
        };
        return Promise.all(Array.from({ length: holders }, (_, i) => run(i))).then(() => ({ most, order }));
      }

      it(`excludes: two holders of one name never overlap${h.instances === 'many' ? ' (across two instances)' : ''}`, async () => {
        const [a, b] = await two();
        const { most, order } = await within(30_000, exclusive([a, b], uid('pay'), 12, 10), 'exclusive holders');
        expect(most).toBe(1);
        expect(order.sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      });

      it('different names do not block each other', async () => {
        const [a, b] = await two();
        const held = await a.lockPayment(uid('pay'));
        try {
          const other = await within(5_000, b.lockPayment(uid('pay')), 'a different name');
          const third = await within(5_000, a.lockPayment(uid('pay')), 'a different name on the same storage');
          await other();
          await third();
        } finally {
          await held();
        }
      });

      it('a released lock is free again, and releasing twice is harmless', async () => {
        const [a, b] = await two();
        const name = uid('pay');
        const r1 = await a.lockPayment(name);
        await r1();
        await r1();
        const r2 = await within(5_000, b.lockPayment(name), 'a released name');
        await r2();
        const r3 = await within(5_000, a.lockPayment(name), 'a released name again');
        await r3();
      });

      it('waiters get the lock when the holder releases, one at a time', async () => {
        const [a, b] = await two();
        const name = uid('pay');
        const release = await a.lockPayment(name);
        let got = false;
        const waiting = b.lockPayment(name).then((r) => ((got = true), r));
        await sleep(100);
        expect(got).toBe(false);
        await release();
        const r = await within(5_000, waiting, 'the waiter');
        expect(got).toBe(true);
        await r();
      });

      it('nested locks in one async chain (session, then payment) do not deadlock, even with the smallest pool', async () => {
        const storages = await two({ small: true });
        let inside = new Map<string, number>();
        let overlap = false;
        const chain = async (i: number) => {
          const s = storages[i % 2]!;
          const outer = await s.lockPayment(`session:${uid('cs')}`);
          try {
            // The kit's pattern: the session's lock, then its payment's inside it.
            const pay = `pay_shared_${i % 3}`;
            const inner = await s.lockPayment(pay);
            try {
              inside.set(pay, (inside.get(pay) ?? 0) + 1);
              if (inside.get(pay)! > 1) overlap = true;
              await sleep(5);
              // And one level deeper, on a name of its own.
              const deeper = await s.lockPayment(`${pay}:${i}`);
              await deeper();
            } finally {
              inside.set(pay, inside.get(pay)! - 1);
              await inner();
            }
          } finally {
            await outer();
          }
        };
        inside = new Map();
        await within(30_000, Promise.all(Array.from({ length: 10 }, (_, i) => chain(i))), '10 nested holders');
        expect(overlap).toBe(false);
        // Everything was released: each name can be taken at once.
        for (let i = 0; i < 3; i++) await (await within(5_000, storages[0]!.lockPayment(`pay_shared_${i}`), 'a released nested name'))();
      });

      it('a lock released after its holder threw is free', async () => {
        const s = await h.open();
        const name = uid('pay');
        const failing = async () => {
          const release: Release = await s.lockPayment(name);
          try {
            throw new Error('boom');
          } finally {
            await release();
          }
        };
        await expect(failing()).rejects.toThrow('boom');
        await (await within(5_000, s.lockPayment(name), 'the name after a throw'))();
      });
    });

    if (h.sqlDb) {
      const sqlDb = h.sqlDb;
      describe('migrations', () => {
        it('are recorded, and opening again applies nothing new', async () => {
          const s = await h.open();
          const db = sqlDb(s);
          const recorded = await appliedMigrations(db, 'till');
          expect(recorded.map((m) => [m.version, m.name])).toEqual(TILL_MIGRATIONS.map((m) => [m.version, m.name]));
          expect(recorded.every((m) => m.appliedAt instanceof Date)).toBe(true);
          const again = await h.open();
          expect(await migrate(sqlDb(again), 'till', TILL_MIGRATIONS)).toEqual([]);
          expect(await appliedMigrations(sqlDb(again), 'till')).toEqual(recorded);
        });

        it('another namespace gets its own tables and versions; concurrent runs apply each version once', async () => {
          const [a, b] = await two();
          const ns = `suite_${randomUUID().slice(0, 8)}`;
          const table = `${ns}_orders`;
          const migrations: Migration[] = [
            { version: 1, name: 'orders', sql: `CREATE TABLE ${table} (id text PRIMARY KEY, doc jsonb NOT NULL); CREATE INDEX ${table}_doc ON ${table} USING gin (doc);` },
            { version: 2, name: 'orders.total', sql: `ALTER TABLE ${table} ADD COLUMN total bigint NOT NULL DEFAULT 0;` },
          ];
          const runs = await Promise.all([migrate(sqlDb(a), ns, migrations), migrate(sqlDb(b), ns, migrations), migrate(sqlDb(a), ns, migrations)]);
          expect(runs.flat().map((m) => m.version).sort()).toEqual([1, 2]);
          expect(await migrate(sqlDb(b), ns, migrations)).toEqual([]);
          await sqlDb(a).query(`INSERT INTO ${table} (id, doc, total) VALUES ($1, $2, $3)`, ['o1', JSON.stringify({ n: 1 }), 2 ** 40]);
          expect(await sqlDb(b).query(`SELECT id, doc, total FROM ${table}`)).toEqual([{ id: 'o1', doc: { n: 1 }, total: 2 ** 40 }]);
          expect((await appliedMigrations(sqlDb(a), ns)).map((m) => m.version)).toEqual([1, 2]);
          // A later version is applied on the next start; the till namespace is untouched.
          const more = [...migrations, { version: 3, name: 'orders.note', sql: `ALTER TABLE ${table} ADD COLUMN note text` }];
          expect((await migrate(sqlDb(b), ns, more)).map((m) => m.version)).toEqual([3]);
          expect((await appliedMigrations(sqlDb(a), 'till')).map((m) => m.version)).toEqual(TILL_MIGRATIONS.map((m) => m.version));
        });

        it('a failing migration rolls back whole and is not recorded', async () => {
          const s = await h.open();
          const db = sqlDb(s);
          const ns = `suite_${randomUUID().slice(0, 8)}`;
          const bad: Migration[] = [{ version: 1, name: 'half', sql: `CREATE TABLE ${ns}_t (id int); SELECT no_such_function();` }];
          await expect(migrate(db, ns, bad)).rejects.toThrow();
          expect(await appliedMigrations(db, ns)).toEqual([]);
          expect(await db.query(`SELECT to_regclass($1)::text AS t`, [`${ns}_t`])).toEqual([{ t: null }]);
        });

        it('refuses a shipped migration whose name changed, and bad versions', async () => {
          const s = await h.open();
          const db = sqlDb(s);
          const ns = `suite_${randomUUID().slice(0, 8)}`;
          await migrate(db, ns, [{ version: 1, name: 'one', sql: 'SELECT 1' }]);
          await expect(migrate(db, ns, [{ version: 1, name: 'renamed', sql: 'SELECT 1' }])).rejects.toThrow(/must not change/);
          await expect(migrate(db, ns, [{ version: 2, name: 'b', sql: '' }, { version: 2, name: 'c', sql: '' }])).rejects.toThrow(/strictly increasing/);
        });

        it('transactions commit together or roll back together', async () => {
          const s = await h.open();
          const db = sqlDb(s);
          const ns = `suite_${randomUUID().slice(0, 8)}`;
          await migrate(db, ns, [{ version: 1, name: 't', sql: `CREATE TABLE ${ns}_t (id int PRIMARY KEY)` }]);
          await db.transaction(async (tx) => {
            await tx.query(`INSERT INTO ${ns}_t VALUES (1)`);
            await tx.transaction((inner) => inner.query(`INSERT INTO ${ns}_t VALUES (2)`));
          });
          await expect(
            db.transaction(async (tx) => {
              await tx.query(`INSERT INTO ${ns}_t VALUES (3)`);
              await tx.query(`INSERT INTO ${ns}_t VALUES (1)`); // duplicate key
            }),
          ).rejects.toThrow();
          expect(await db.query(`SELECT id FROM ${ns}_t ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
        });
      });
    }

    if (h.reopen) {
      const reopen = h.reopen;
      it('is durable: after closing and opening again everything is there', async () => {
        const s = await h.open();
        const rec = sessionRecord(undefined, 'shopper_1');
        const p = payment(rec.session.id);
        const key = `${rec.session.id}:${uid('k')}`;
        await s.putSession(rec);
        await s.putPayment(p);
        expect(await s.claimIdempotency(key, idem(1, { paymentId: p.id }))).toBeUndefined();
        const after = await reopen();
        expect(await after.getSession(rec.session.id)).toEqual(rec);
        expect(await after.getPayment(p.id)).toEqual(p);
        expect(await after.claimIdempotency(key, idem(2))).toEqual(idem(1, { paymentId: p.id }));
        if (h.sqlDb) expect(await migrate(h.sqlDb(after), 'till', TILL_MIGRATIONS)).toEqual([]);
      });
    }
  });
}

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../scripts/pg-cluster';
import { shopperClient, type Opened } from './http-client';
import { spawnDemo, type DemoProcess } from './spawn';

/**
 * Several demo instances on one real PostgreSQL (a throwaway cluster from Debian's server
 * binaries): idempotency and the one-charge rule hold across processes, and an instance killed
 * with SIGKILL in the middle of a charge leaves an outcome the other instance resolves honestly.
 */

let cluster: Cluster;
let url: string;
const running: DemoProcess[] = [];

const instance = async (env: Record<string, string> = {}) => {
  const d = await spawnDemo({ env: { DATABASE_URL: url, ...env } });
  running.push(d);
  return d;
};

beforeAll(async () => {
  cluster = await startCluster();
  url = await cluster.createDatabase('till_instances');
}, 120_000);
afterAll(async () => {
  await Promise.all(running.map((d) => d.kill('SIGKILL')));
  await cluster?.stop();
});

const shopper = shopperClient();

async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}
const ordersOf = (sessionId: string) => rows<{ payment_id: string }>('SELECT payment_id FROM demo_orders WHERE session_id = $1', [sessionId]);

describe('two demo instances on one PostgreSQL', { timeout: 180_000 }, () => {
  let a: DemoProcess;
  let b: DemoProcess;

  beforeAll(async () => {
    [a, b] = await Promise.all([instance(), instance()]);
  }, 120_000);

  it('200 concurrent payments over 20 sessions × 1 key each, alternating instances: 20 orders, every replay the original', async () => {
    const sessions: (Opened & { body: Record<string, unknown> })[] = [];
    for (let i = 0; i < 20; i++) {
      const o = await shopper.open((i % 2 ? b : a).url);
      sessions.push({ ...o, body: await shopper.cardPayment(o.session) });
    }
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const s = sessions[i % 20]!;
        return shopper.post((Math.floor(i / 20) % 2 ? b : a).url, `/sessions/${s.session.id}/payments`, s.body, s.secret).then((r) => ({ ...r, session: s.session.id }));
      }),
    );
    const ms = performance.now() - started;
    console.log(`instances: 200 payments (20 sessions × 10 tries over 2 instances) in ${ms.toFixed(0)} ms; statuses ${JSON.stringify(replies.reduce<Record<number, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {}))}`);
    expect(replies.filter((r) => r.status >= 500)).toEqual([]);
    for (const s of sessions) {
      const mine = replies.filter((r) => r.session === s.session.id);
      expect(mine).toHaveLength(10);
      expect(mine[0]).toMatchObject({ status: 200, body: { status: 'succeeded' } });
      for (const r of mine) expect(r.body).toEqual(mine[0]!.body);
      expect(await ordersOf(s.session.id)).toEqual([{ payment_id: mine[0]!.body.paymentId }]);
    }
    expect(await rows('SELECT 1 FROM demo_orders')).toHaveLength(20);
  });

  /** Starts instance C with a charge that stalls, pays through it, and SIGKILLs it mid-charge. */
  async function crashMidCharge(when: 'before' | 'after') {
    const c = await instance({ TILL_DEMO_CHARGE_DELAY: `${when}:60000` });
    const open = await shopper.open(c.url);
    const body = await shopper.cardPayment(open.session);
    const lost = shopper.post(c.url, `/sessions/${open.session.id}/payments`, body, open.secret).then(
      () => 'answered',
      () => 'connection lost',
    );
    // The payment's record is written before the processor is called; the order (after) once it charged.
    const table = when === 'before' ? 'till_payments' : 'demo_orders';
    await expect.poll(async () => (await rows(`SELECT 1 FROM ${table} WHERE session_id = $1`, [open.session.id])).length, { timeout: 30_000, interval: 100 }).toBe(1);
    await c.kill('SIGKILL');
    expect(await lost).toBe('connection lost');
    return { open, body };
  }

  it('SIGKILL before the processor booked the charge: the replay on the other instance says not charged, and the shopper can pay', async () => {
    const { open, body } = await crashMidCharge('before');
    const replay = await shopper.post(b.url, `/sessions/${open.session.id}/payments`, body, open.secret);
    expect(replay.status).toBeLessThan(500);
    expect(replay.body).toMatchObject({ status: 'failed' });
    expect(await ordersOf(open.session.id)).toEqual([]);
    // The same answer again, from either instance.
    expect(await shopper.post(a.url, `/sessions/${open.session.id}/payments`, body, open.secret)).toEqual(replay);
    const again = await shopper.post(a.url, `/sessions/${open.session.id}/payments`, await shopper.cardPayment(open.session), open.secret);
    expect(again).toMatchObject({ status: 200, body: { status: 'succeeded' } });
    expect(await ordersOf(open.session.id)).toEqual([{ payment_id: again.body.paymentId }]);
  });

  it('SIGKILL after the charge was booked but before the reply: the replay on the other instance says succeeded, one order', async () => {
    const { open, body } = await crashMidCharge('after');
    const replay = await shopper.post(b.url, `/sessions/${open.session.id}/payments`, body, open.secret);
    expect(replay).toMatchObject({ status: 200, body: { status: 'succeeded' } });
    const orders = await ordersOf(open.session.id);
    expect(orders).toEqual([{ payment_id: replay.body.paymentId }]);
    expect(await shopper.post(a.url, `/sessions/${open.session.id}/payments`, body, open.secret)).toEqual(replay);
    expect(await ordersOf(open.session.id)).toEqual(orders);
  });

  it('restarting an instance loses and duplicates nothing', async () => {
    const before = await rows<{ order_id: string; payment_id: string }>('SELECT order_id, payment_id FROM demo_orders ORDER BY order_id');
    const payments = (await rows<{ n: string }>('SELECT count(*) AS n FROM till_payments'))[0]!.n;
    await a.kill('SIGTERM');
    a = await instance();
    expect(await rows('SELECT order_id, payment_id FROM demo_orders ORDER BY order_id')).toEqual(before);
    expect((await rows<{ n: string }>('SELECT count(*) AS n FROM till_payments'))[0]!.n).toBe(payments);
    expect((await shopper.ledger(a.url)).map((e) => e.paymentId).sort()).toEqual(before.map((o) => o.payment_id).sort());
    console.log(`instances: ${before.length} orders and ${payments} payment records intact after the restart`);
  });
});

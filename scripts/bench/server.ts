/**
 * The server kit under load on this machine, over real HTTP: the demo backend in a process of
 * its own (demo/spawn.ts) with the embedded storage (PGlite, in memory) or PostgreSQL (a
 * throwaway cluster, scripts/pg-cluster.ts), driven from this process with 16 requests in
 * flight. Create session, quote and pay (a card encrypted to the session's key, charged by the
 * demo processor, with the session's own best coupons and total); the JWE is made before the
 * clock starts. A reply of another kind counts as an error. Then the memory of one process
 * after 100,000 sessions (the kit in this process, the embedded storage, no HTTP).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { spawnDemo } from '../../demo/spawn';
import { startDemo } from '../../demo/server';
import { encryptCard } from '../../src/lazy/jwe';
import { CLIENT_SECRET_HEADER, PROTOCOL_VERSION, VERSION_HEADER } from '../../src/protocol/constants';
import { startCluster } from '../pg-cluster';

const CONCURRENCY = 16;
const ITEMS = [{ productId: 'tee-classic', quantity: 2 }, { productId: 'mug-enamel', quantity: 1 }];

interface Load {
  requests: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** Runs `count` calls of `one(i)` with CONCURRENCY in flight; `one` resolves true for a reply of the expected kind. */
async function drive(count: number, one: (i: number) => Promise<boolean>): Promise<Load> {
  const times: number[] = [];
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const a = performance.now();
        const ok = await one(i).catch(() => false);
        times.push(performance.now() - a);
        if (!ok) errors++;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN;
  return { requests: count, rps: Math.round(count / wall), p50_ms: r1(at(0.5)), p99_ms: r1(at(0.99)), errors };
}

async function post(url: string, body: unknown, secret?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', [VERSION_HEADER]: PROTOCOL_VERSION, ...(secret ? { [CLIENT_SECRET_HEADER]: secret } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

interface Created {
  id: string;
  secret: string;
  total: { amount: number; currency: string };
  codes: string[];
  publicKey: unknown;
}

async function createSession(api: string): Promise<Created | undefined> {
  const { json } = await post(`${api}/sessions`, { items: ITEMS, country: 'US' });
  if (json.status !== 'ok') return undefined;
  const session = json.session as { id: string; quote: { total: number; currency: string; applied: { code: string }[] }; tokenization: { provider: string; publicKey?: unknown } };
  return {
    id: session.id,
    secret: json.clientSecret as string,
    total: { amount: session.quote.total, currency: session.quote.currency },
    codes: session.quote.applied.map((c) => c.code),
    publicKey: session.tokenization.publicKey,
  };
}

async function loadOne(base: string, sizes: { create: number; quote: number; pay: number }) {
  const api = `${base}api/till/v1`;
  for (let i = 0; i < 50; i++) await createSession(api); // warm-up: JIT, connections, caches
  const create = await drive(sizes.create, async () => !!(await createSession(api)));
  const pool = (await Promise.all(Array.from({ length: 64 }, () => createSession(api)))).filter((s): s is Created => !!s);
  const codes = ['FREESHIP', 'WELCOME10', 'SAVEFIXED'];
  const quote = await drive(sizes.quote, async (i) => {
    const s = pool[i % pool.length]!;
    const r = await post(`${api}/sessions/${s.id}/quote`, { couponCodes: [codes[i % codes.length]!], method: 'card' }, s.secret);
    return r.json.status === 'ok';
  });
  // Each payment needs its own session (one cart, one charge) and its own encrypted card.
  const ready: (Created & { jwe: string })[] = [];
  for (let i = 0; i < sizes.pay; i++) {
    const s = (await createSession(api))!;
    const jwe = await encryptCard(s.publicKey as Parameters<typeof encryptCard>[0], { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' });
    ready.push({ ...s, jwe });
  }
  const pay = await drive(sizes.pay, async (i) => {
    const s = ready[i]!;
    const r = await post(
      `${api}/sessions/${s.id}/payments`,
      { idempotencyKey: `bench_${i}_${s.id}`.slice(0, 128), method: 'card', source: { type: 'card_jwe', jwe: s.jwe }, couponCodes: s.codes, expectedTotal: s.total },
      s.secret,
    );
    return r.json.status === 'succeeded';
  });
  return { create_session: create, quote, pay };
}

async function memoryAfter(sessions: number) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const demo = await startDemo({ port: 0, dataDir: 'memory' });
  const api = `${demo.url}api/till/v1/sessions`;
  const make = () =>
    demo.till.handle(new Request(api, { method: 'POST', headers: { 'Content-Type': 'application/json', [VERSION_HEADER]: PROTOCOL_VERSION }, body: JSON.stringify({ items: ITEMS, country: 'US' }) }));
  for (let i = 0; i < 200; i++) await make();
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  for (let i = 0; i < sessions; i += 50) await Promise.all(Array.from({ length: 50 }, make));
  const seconds = (performance.now() - t0) / 1000;
  gc();
  const after = process.memoryUsage();
  await demo.close();
  const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
  // JS heap plus memory outside it (PGlite's WebAssembly memory is there), after a full GC.
  const held = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external;
  return {
    sessions,
    sessions_per_s: Math.round(sessions / seconds),
    heap_used_mb: mb(after.heapUsed),
    heap_growth_mb: mb(after.heapUsed - before.heapUsed),
    external_growth_mb: mb(after.external - before.external),
    rss_mb: mb(after.rss),
    bytes_per_session: Math.round((held(after) - held(before)) / sessions),
  };
}

export async function benchServer(opts: { quick?: boolean } = {}) {
  const sizes = opts.quick ? { create: 300, quote: 300, pay: 100 } : { create: 2000, quote: 2000, pay: 500 };
  const out: Record<string, unknown> = {};
  const embedded = await spawnDemo({ args: ['--memory'] });
  try {
    out.embedded = await loadOne(embedded.url, sizes);
  } finally {
    await embedded.kill();
  }
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
  try {
    cluster = await startCluster();
  } catch (e) {
    out.postgres = { skipped: (e as Error).message };
  }
  if (cluster) {
    const pg = await spawnDemo({ env: { DATABASE_URL: await cluster.createDatabase('till_bench') } });
    try {
      out.postgres = await loadOne(pg.url, sizes);
    } finally {
      await pg.kill();
      await cluster.stop();
    }
  }
  out.memory = await memoryAfter(opts.quick ? 10_000 : 100_000);
  return out;
}

import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../core/client';
import { setLoaders } from '../core/lazy';
import { CLIENT_SECRET_HEADER, createTillServer, memoryStorage, PROTOCOL_VERSION, type AuthorizeResult, type MerchantBackend, type TillStorage } from '../server/index';
import { createCheckoutStore, type AttemptLog } from './checkout-store';
import { sessionAttemptLog } from './attempt-log';

/**
 * Money-safety regressions, run against the real server kit in-process (a merchant backend here
 * is test code playing the merchant, the part every integration writes itself).
 */
beforeAll(() => setLoaders({ pricing: () => import('../core/pricing/index'), learn: () => import('../core/ranking/learn') }));

const card = { id: 'card', flow: 'card', label: 'Card' } as const;
const pix = { id: 'pix', flow: 'qr', label: 'PIX' } as const;

function setup(authorize: MerchantBackend['authorize'], extra: Partial<MerchantBackend> = {}, storage?: TillStorage, now?: () => number) {
  const charges: string[] = [];
  const server = createTillServer({
    basePath: '/api',
    ...(storage ? { storage } : {}),
    ...(now ? { now } : {}),
    backend: {
      async createSession() {
        return {
          merchantId: 'm',
          currency: 'BRL',
          country: 'BR',
          locale: 'pt-BR',
          lines: [{ id: 'l1', productId: 'p', name: 'P', quantity: 1, unitPrice: 10000 }],
          shipping: 0,
          methods: [card, pix],
          savedMethods: [],
          coupons: [{ code: 'PIX5', class: 'order', kind: { type: 'percentage', bps: 500 }, conditions: { methods: ['pix'] } }],
          firstOrder: false,
          tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB' } },
        };
      },
      async authorize(input, ctx) {
        charges.push(`${input.method}:${input.amount.amount}`);
        return authorize(input, ctx);
      },
      ...extra,
    },
  });
  holdSecrets(server);
  let drop = 0;
  const fetchImpl: typeof fetch = async (url, init) => {
    const res = await server.handle(new Request(String(url), init));
    if (drop > 0 && String(url).endsWith('/payments')) {
      drop--;
      throw new TypeError('connection reset');
    }
    return res;
  };
  const store = createCheckoutStore({ client: createClient({ baseUrl: 'http://shop.test/api', fetch: fetchImpl }), sleep: async () => {} });
  return { server, store, charges, dropNext: (n: number) => (drop = n) };
}

/**
 * The page's part: it keeps each session's client secret from the create reply and sends it on
 * every call of that session (and its payments). Shared by every server in this file, as one
 * browser tab would be across two instances.
 */
const secrets = new Map<string, string>();
function holdSecrets(server: ReturnType<typeof createTillServer>) {
  const raw = server.handle.bind(server);
  server.handle = async (req: Request) => {
    const url = new URL(req.url);
    let sid = /\/sessions\/([^/]+)/.exec(url.pathname)?.[1];
    const pid = /\/payments\/([^/]+)/.exec(url.pathname)?.[1];
    if (!sid && pid) sid = (await server.getPayment(decodeURIComponent(pid)))?.sessionId;
    const secret = sid ? secrets.get(sid) : undefined;
    if (secret && !req.headers.has(CLIENT_SECRET_HEADER)) {
      const headers = new Headers(req.headers);
      headers.set(CLIENT_SECRET_HEADER, secret);
      req = new Request(req, { headers });
    }
    const res = await raw(req);
    if (req.method === 'POST' && url.pathname.endsWith('/sessions')) {
      const body = (await res.clone().json()) as { session?: { id: string }; clientSecret?: string };
      if (body.session && body.clientSecret) secrets.set(body.session.id, body.clientSecret);
    }
    return res;
  };
}

async function session(server: ReturnType<typeof createTillServer>) {
  const res = await server.handle(new Request('http://shop.test/api/sessions', { method: 'POST', headers: { 'Till-Version': PROTOCOL_VERSION }, body: JSON.stringify({ items: [{ productId: 'p', quantity: 1 }] }) }));
  return ((await res.json()) as { session: { id: string } }).session.id;
}

/**
 * What the widget sends for the selected method: a card source for the card method (this test's
 * processor never decrypts it), nothing for off-page methods (the server binds method to source).
 */
const sourceFor = (store: { getState(): { method?: string | undefined } }) => async () =>
  store.getState().method === 'card' ? ({ type: 'card_jwe', jwe: 'x'.repeat(40) } as const) : ({ type: 'none' } as const);

describe('payment safety', () => {
  it('a protocol-breaking backend reply is "outcome unknown", and pressing pay again never charges twice', async () => {
    const { server, store, charges } = setup(async (): Promise<AuthorizeResult> => ({ status: 'succeeded', orderId: 'ORD #1001' }));
    await store.getState().load(await session(server));
    store.getState().selectMethod('card');
    await store.getState().pay(sourceFor(store));
    expect(store.getState()).toMatchObject({ phase: 'ready', checking: true, failure: { code: 'network' } });
    expect(store.getState().failure!.message).not.toMatch(/not been charged/);
    await store.getState().pay(async () => {
      throw new Error('must not build a new request');
    });
    expect(charges).toEqual(['card:10000']);
  });

  it('after a lost reply the method and coupons are locked until the outcome is known', async () => {
    const { server, store, charges, dropNext } = setup(async (i) => ({ status: 'succeeded', orderId: `ord_${i.paymentId.slice(-6)}` }));
    await store.getState().load(await session(server));
    store.getState().selectMethod('card');
    dropNext(3); // the first try and both automatic retries lose their replies
    await store.getState().pay(sourceFor(store));
    expect(store.getState().checking).toBe(true);
    store.getState().selectMethod('pix');
    store.getState().setInstallments(3);
    expect(store.getState()).toMatchObject({ method: 'card', installments: 1 });
    await store.getState().pay(sourceFor(store));
    expect(store.getState()).toMatchObject({ phase: 'succeeded', checking: false, result: { method: 'card', amount: { amount: 10000 } } });
    expect(charges).toEqual(['card:10000']);
  });

  it('an error while a QR payment is pending keeps the payment pending instead of inviting a second one', async () => {
    let failStatus = false;
    const { server, store } = setup(async () => ({ status: 'requires_action', action: { type: 'qr', payload: 'x', expiresAt: Math.floor(Date.now() / 1000) + 60 } }));
    const original = server.handle;
    await store.getState().load(await session(server));
    store.getState().selectMethod('pix');
    await store.getState().pay(sourceFor(store));
    expect(store.getState().phase).toBe('action');
    failStatus = true;
    server.handle = async (req: Request) => (failStatus && req.method === 'GET' ? new Response(JSON.stringify({ status: 'error', code: 'internal', message: 'x', retryable: true }), { status: 500 }) : original(req));
    await store.getState().refreshPayment();
    expect(store.getState().phase).toBe('action');
    expect(store.getState().action).toBeDefined();
  });

  it('settle and cancel cannot both win: the final reply is never overwritten', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { server, store } = setup(async () => ({ status: 'requires_action', action: { type: 'qr', payload: 'x', expiresAt: Math.floor(Date.now() / 1000) + 60 } }), {
      cancel: () => gate,
    });
    await store.getState().load(await session(server));
    store.getState().selectMethod('pix');
    await store.getState().pay(sourceFor(store));
    const paymentId = store.getState().action!.paymentId;
    const cancel = server.handle(new Request(`http://shop.test/api/payments/${paymentId}/cancel`, { method: 'POST', headers: { 'Till-Version': PROTOCOL_VERSION }, body: '{}' }));
    const settled = server.settle(paymentId, { status: 'succeeded', orderId: 'ord_1' });
    release();
    const [c, s] = await Promise.all([cancel.then((r) => r.json()), settled]);
    const final = (await server.getPayment(paymentId))!.reply;
    // Whichever ran first decided; the other saw a final reply and left it alone.
    expect([c.status, s?.status].sort()).toEqual(c.status === 'failed' ? ['failed', 'failed'] : ['succeeded', 'succeeded']);
    expect(final.status).toBe(c.status);
  });

  it('a storage failure after the processor charged never leads to a second charge', async () => {
    const storage = memoryStorage();
    let failNext = true;
    const flaky: TillStorage = {
      ...storage,
      putPayment: async (p) => {
        // The write after the charge (the "outcome unknown" record before it went through).
        if (failNext && p.reply.status !== 'error') {
          failNext = false;
          throw new Error('database hiccup');
        }
        return storage.putPayment(p);
      },
    };
    const { server, store, charges } = setup(async (i) => ({ status: 'succeeded', orderId: `ord_${i.paymentId.slice(-6)}` }), {}, flaky);
    await store.getState().load(await session(server));
    store.getState().selectMethod('card');
    await store.getState().pay(sourceFor(store));
    expect(store.getState()).toMatchObject({ phase: 'ready', checking: true });
    await store.getState().pay(sourceFor(store));
    expect(charges).toEqual(['card:10000']);
  });

  it('a processor that throws is "outcome unknown", never "you were not charged"', async () => {
    const { server, store, charges } = setup(async () => {
      throw new Error('ETIMEDOUT after capture');
    });
    await store.getState().load(await session(server));
    store.getState().selectMethod('card');
    await store.getState().pay(sourceFor(store));
    expect(store.getState()).toMatchObject({ phase: 'ready', checking: true });
    expect(store.getState().failure!.message).not.toMatch(/not (been )?charged/);
    await store.getState().pay(sourceFor(store));
    expect(charges).toEqual(['card:10000']);
  });

  it('an unknown outcome holds the session until the merchant reconciles it with settle()', async () => {
    let throws = true;
    const { server, store, charges } = setup(async (i) => {
      if (throws) throw new Error('ETIMEDOUT after capture');
      return { status: 'succeeded', orderId: `ord_${i.paymentId.slice(-6)}` };
    });
    const id = await session(server);
    await store.getState().load(id);
    store.getState().selectMethod('card');
    await store.getState().pay(sourceFor(store));
    expect(store.getState()).toMatchObject({ checking: true });
    throws = false;
    // Another tab, another key: refused while the first payment may have taken the money.
    const other = await server.handle(new Request(`http://shop.test/api/sessions/${id}/payments`, { method: 'POST', headers: { 'Till-Version': PROTOCOL_VERSION }, body: JSON.stringify({ idempotencyKey: 'idem_other_tab_0123456789', method: 'card', source: { type: 'card_jwe', jwe: 'x'.repeat(40) }, couponCodes: [], expectedTotal: { amount: 10000, currency: 'BRL' } }) }));
    expect(await other.json()).toMatchObject({ status: 'error', code: 'internal' });
    expect(charges).toEqual(['card:10000']);
    // The merchant's reconciliation finds the processor did decline it: settle says so…
    const paymentId = (await server.storage.getIdempotency(`${id}:unknown`))!.paymentId!;
    expect(await server.settle(paymentId, { status: 'failed', code: 'card_declined' })).toMatchObject({ status: 'failed', code: 'card_declined' });
    // …the waiting page learns it on its next check, and the shopper may pay again, once.
    await store.getState().recheck();
    expect(store.getState()).toMatchObject({ phase: 'ready', checking: false, failure: { code: 'card_declined' } });
    await store.getState().pay(sourceFor(store));
    expect(store.getState().phase).toBe('succeeded');
    expect(charges).toEqual(['card:10000', 'card:10000']);
  });

  it('a proxy error while re-sending an unanswered payment does not unlock it', async () => {
    const { server, store, charges, dropNext } = setup(async (i) => ({ status: 'succeeded', orderId: `ord_${i.paymentId.slice(-6)}` }));
    await store.getState().load(await session(server));
    store.getState().selectMethod('card');
    dropNext(3);
    await store.getState().pay(sourceFor(store));
    const original = server.handle;
    server.handle = async (req: Request) =>
      req.url.endsWith('/payments') ? new Response(JSON.stringify({ status: 'error', code: 'rate_limited', message: 'Slow down', retryable: true }), { status: 429 }) : original(req);
    await store.getState().pay(sourceFor(store));
    expect(store.getState().checking).toBe(true);
    store.getState().selectMethod('pix');
    expect(store.getState().method).toBe('card');
    server.handle = original;
    await store.getState().pay(sourceFor(store));
    expect(store.getState().phase).toBe('succeeded');
    expect(charges).toEqual(['card:10000']);
  });

  it('a webhook settling the payment while the processor call is still running is not lost', async () => {
    const late: { server?: ReturnType<typeof createTillServer> } = {};
    let webhook: Promise<unknown> | undefined;
    const ctx = setup(async (i) => {
      // The processor's webhook arrives before authorize() has returned.
      webhook = late.server!.settle(i.paymentId, { status: 'succeeded', orderId: 'ord_hook' });
      return { status: 'requires_action', action: { type: 'qr', payload: 'x', expiresAt: Math.floor(Date.now() / 1000) + 60 } };
    });
    late.server = ctx.server;
    await ctx.store.getState().load(await session(ctx.server));
    ctx.store.getState().selectMethod('pix');
    await ctx.store.getState().pay(sourceFor(ctx.store));
    await webhook;
    await ctx.store.getState().refreshPayment();
    expect(ctx.store.getState()).toMatchObject({ phase: 'succeeded', result: { orderId: 'ord_hook' } });
  });
});

describe('a reload while the outcome is unknown', () => {
  /** A tab's sessionStorage, shared by the page before and after the reload. */
  function tab() {
    const items = new Map<string, string>();
    return sessionAttemptLog({ getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) });
  }
  /** A page load: a new store (nothing in memory) over the same tab storage and server. */
  function page(server: ReturnType<typeof createTillServer>, attempts: AttemptLog, fetchImpl?: typeof fetch) {
    const f: typeof fetch = fetchImpl ?? ((url, init) => server.handle(new Request(String(url), init)));
    return createCheckoutStore({ client: createClient({ baseUrl: 'http://shop.test/api', fetch: f }), sleep: async () => {}, attempts });
  }
  const succeed = async (i: { paymentId: string }): Promise<AuthorizeResult> => ({ status: 'succeeded', orderId: `ord_${i.paymentId.slice(-6)}` });

  it('the charge that happened is shown after the reload, never repeated', async () => {
    const { server, charges } = setup(succeed);
    const id = await session(server);
    const attempts = tab();
    // Every reply to /payments is lost (the request is processed, the answer never arrives).
    const before = page(server, attempts, async (url, init) => {
      const res = await server.handle(new Request(String(url), init));
      if (String(url).endsWith('/payments')) throw new TypeError('connection reset');
      return res;
    });
    await before.getState().load(id);
    before.getState().selectMethod('card');
    await before.getState().pay(sourceFor(before));
    expect(before.getState()).toMatchObject({ checking: true, failure: { code: 'network' } });
    expect(charges).toEqual(['card:10000']);
    // The shopper reloads. Only the key survived; the page asks what became of it.
    const after = page(server, attempts);
    await after.getState().load(id);
    expect(after.getState()).toMatchObject({ phase: 'succeeded', checking: false, result: { amount: { amount: 10000 } } });
    expect(attempts.get(id)).toBeUndefined();
    expect(charges).toEqual(['card:10000']);
  });

  it('a request that never arrived is voided, so a late copy cannot charge and Pay charges exactly once', async () => {
    const { server, charges } = setup(succeed);
    const id = await session(server);
    const attempts = tab();
    let stuck: Request | undefined;
    const before = page(server, attempts, async (url, init) => {
      if (String(url).endsWith('/payments')) {
        stuck ??= new Request(String(url), init); // still queued somewhere on the way
        throw new TypeError('connection reset');
      }
      return server.handle(new Request(String(url), init));
    });
    await before.getState().load(id);
    before.getState().selectMethod('card');
    await before.getState().pay(sourceFor(before));
    expect(charges).toEqual([]);
    const after = page(server, attempts);
    await after.getState().load(id);
    expect(after.getState()).toMatchObject({ phase: 'ready', checking: false });
    // The copy that was stuck on the way arrives now: refused, nothing charged.
    const late = await (await server.handle(stuck!)).json();
    expect(late).toMatchObject({ status: 'error', code: 'idempotency_conflict' });
    expect(charges).toEqual([]);
    await after.getState().pay(sourceFor(after));
    expect(after.getState().phase).toBe('succeeded');
    expect(charges).toEqual(['card:10000']);
  });

  it('while the server cannot say, nothing can be paid or changed, and Pay asks again', async () => {
    const { server, charges } = setup(succeed);
    const id = await session(server);
    const attempts = tab();
    attempts.set(id, { key: 'idem_0123456789abcdef0123', method: 'card' });
    let down = true;
    const after = page(server, attempts, async (url, init) => {
      if (down && String(url).endsWith('/payments/resolve')) throw new TypeError('offline');
      return server.handle(new Request(String(url), init));
    });
    await after.getState().load(id);
    // The checkout shows the attempt's method, and it cannot be changed.
    expect(after.getState()).toMatchObject({ phase: 'ready', checking: true, method: 'card', failure: { code: 'network' } });
    after.getState().selectMethod('pix');
    expect(after.getState().method).toBe('card');
    await after.getState().pay(async () => {
      throw new Error('must not build a new request');
    });
    expect(charges).toEqual([]);
    expect(attempts.get(id)).toEqual({ key: 'idem_0123456789abcdef0123', method: 'card' });
    // Back online: the key was never seen, so it is voided and this Pay goes ahead, once.
    down = false;
    await after.getState().pay(sourceFor(after));
    expect(after.getState()).toMatchObject({ phase: 'succeeded', checking: false });
    expect(charges).toEqual(['card:10000']);
  });

  it('a reload while the very first request is still on its way: voided, the late copy refused, one charge', async () => {
    const { server, charges } = setup(succeed);
    const id = await session(server);
    const attempts = tab();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let late: Promise<unknown> | undefined;
    const before = page(server, attempts, async (url, init) => {
      if (String(url).endsWith('/payments')) {
        const req = new Request(String(url), init);
        late = held.then(() => server.handle(req)).then((r) => r.json());
        return new Promise<Response>(() => {}); // the page is gone before any answer
      }
      return server.handle(new Request(String(url), init));
    });
    await before.getState().load(id);
    before.getState().selectMethod('card');
    void before.getState().pay(sourceFor(before));
    await vi.waitFor(() => expect(late).toBeDefined());
    expect(attempts.get(id)?.method).toBe('card'); // kept before the request left
    const after = page(server, attempts);
    await after.getState().load(id);
    expect(after.getState()).toMatchObject({ phase: 'ready', checking: false, failure: { code: 'cancelled' } });
    release();
    expect(await late).toMatchObject({ status: 'error', code: 'idempotency_conflict' });
    after.getState().selectMethod('card');
    await after.getState().pay(sourceFor(after));
    expect(after.getState().phase).toBe('succeeded');
    expect(charges).toEqual(['card:10000']);
  });

  it('a duplicated tab voided the key the first tab is retrying: that tab learns nothing was charged', async () => {
    const { server, charges } = setup(succeed);
    const id = await session(server);
    const attempts = tab(); // "Duplicate tab" copies sessionStorage
    let offline = true;
    const first = page(server, attempts, async (url, init) => {
      if (offline && String(url).endsWith('/payments')) throw new TypeError('offline');
      return server.handle(new Request(String(url), init));
    });
    await first.getState().load(id);
    first.getState().selectMethod('card');
    await first.getState().pay(sourceFor(first));
    expect(first.getState()).toMatchObject({ checking: true });
    const copy = page(server, attempts);
    await copy.getState().load(id); // voids the key nobody ever received
    offline = false;
    await first.getState().recheck(); // re-sends the same request: 409, then asks what the key means
    expect(first.getState()).toMatchObject({ phase: 'ready', checking: false, failure: { code: 'cancelled' } });
    await first.getState().pay(sourceFor(first));
    expect(first.getState().phase).toBe('succeeded');
    expect(charges).toEqual(['card:10000']);
  });

  it('a server that cannot look attempts up: the shopper is told and may decide, never stuck', async () => {
    const { server, charges } = setup(succeed);
    const id = await session(server);
    const attempts = tab();
    attempts.set(id, { key: 'idem_0123456789abcdef0123', method: 'card' });
    const old = page(server, attempts, async (url, init) =>
      String(url).endsWith('/payments/resolve')
        ? new Response(JSON.stringify({ status: 'error', code: 'not_found', message: 'Unknown route.', retryable: false }), { status: 404 })
        : server.handle(new Request(String(url), init)),
    );
    await old.getState().load(id);
    expect(old.getState()).toMatchObject({ phase: 'ready', checking: false, failure: { code: 'network' } });
    expect(old.getState().failure!.message).toMatch(/could not check/);
    expect(attempts.get(id)).toBeUndefined();
    old.getState().selectMethod('card');
    await old.getState().pay(sourceFor(old));
    expect(charges).toEqual(['card:10000']);

    // The same with a framework's HTML 404 page instead of protocol JSON.
    const id2 = await session(server);
    attempts.set(id2, { key: 'idem_0123456789abcdef0124', method: 'card' });
    const html = page(server, attempts, async (url, init) =>
      String(url).endsWith('/payments/resolve') ? new Response('<h1>Not Found</h1>', { status: 404, headers: { 'Content-Type': 'text/html' } }) : server.handle(new Request(String(url), init)),
    );
    await html.getState().load(id2);
    expect(html.getState()).toMatchObject({ phase: 'ready', checking: false });
    expect(html.getState().failure!.message).toMatch(/could not check/);
  });

  it('stays "loading" (nothing is being paid) while it asks about the lost attempt', async () => {
    const { server } = setup(succeed);
    const id = await session(server);
    const attempts = tab();
    attempts.set(id, { key: 'idem_0123456789abcdef0123', method: 'card' });
    let answer!: () => void;
    const held = new Promise<void>((r) => (answer = r));
    const events: string[] = [];
    const store = createCheckoutStore({
      client: createClient({ baseUrl: 'http://shop.test/api', fetch: async (url, init) => (String(url).endsWith('/payments/resolve') && (await held), server.handle(new Request(String(url), init))) }),
      attempts,
      onEvent: (e) => void events.push(e.type),
    });
    const loading = store.getState().load(id);
    await vi.waitFor(() => expect(store.getState().session).toBeDefined());
    expect(store.getState()).toMatchObject({ phase: 'loading', checking: true });
    answer();
    await loading;
    expect(store.getState()).toMatchObject({ phase: 'ready', checking: false, failure: { code: 'cancelled' } });
    expect(events).toEqual(['viewed', 'payment-failed']);
  });

  it('an expired session still voids an unknown key (a payment checked just before expiry may be on its way)', async () => {
    let t = 1_000_000;
    const { server } = setup(succeed, {}, undefined, () => t);
    const id = await session(server);
    t += 10 * 86_400; // long past any session lifetime
    const key = 'idem_expired_0123456789';
    const res = await server.handle(new Request(`http://shop.test/api/sessions/${id}/payments/resolve`, { method: 'POST', headers: { 'Till-Version': PROTOCOL_VERSION }, body: JSON.stringify({ idempotencyKey: key }) }));
    expect(await res.json()).toMatchObject({ status: 'failed', code: 'cancelled' });
    expect(await server.storage.getIdempotency(`${id}:${key}`)).toMatchObject({ bodyHash: 'void' });
  });

  it('ignores a tampered or foreign entry in the tab storage', () => {
    const items = new Map<string, string>([
      ['till:attempt:s1', 'card:short'],
      ['till:attempt:s2', '__proto__:idem_0123456789abcdef0123'],
      ['till:attempt:s3', 'card:idem_0123456789abcdef0123\n<img src=x>'],
    ]);
    const log = sessionAttemptLog({ getItem: (k) => items.get(k) ?? null, setItem: () => { throw new Error('QuotaExceededError'); }, removeItem: () => {} });
    expect(['s1', 's2', 's3', 's4'].map((s) => log.get(s))).toEqual([undefined, undefined, undefined, undefined]);
    expect(() => log.set('s1', { key: 'idem_0123456789abcdef0123', method: 'card' })).not.toThrow();
    expect(sessionAttemptLog(undefined).get('s1')).toBeUndefined();
  });
});

describe('several server instances sharing one storage', () => {
  const body = (key: string) => ({ idempotencyKey: key, method: 'card', source: { type: 'card_jwe', jwe: 'x'.repeat(40) }, couponCodes: [], expectedTotal: { amount: 10000, currency: 'BRL' } });
  const call = (server: ReturnType<typeof createTillServer>, path: string, payload?: unknown) =>
    server.handle(new Request('http://shop.test/api' + path, { method: 'POST', headers: { 'Till-Version': PROTOCOL_VERSION }, ...(payload ? { body: JSON.stringify(payload) } : {}) })).then((r) => r.json());

  /** Both instances read the key before either claims it: the window a get-then-put would lose. */
  function readTogether(): TillStorage {
    const base = memoryStorage();
    let waiting: (() => void) | undefined;
    let reads = 0;
    return {
      ...base,
      async getIdempotency(k) {
        const v = await base.getIdempotency(k);
        if (++reads === 1) await new Promise<void>((r) => (waiting = r));
        else if (reads === 2) waiting?.();
        return v;
      },
    };
  }

  it('one key on two instances at once: one charge, and both answer it', async () => {
    const shared = readTogether();
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const slow = async (i: { paymentId: string }): Promise<AuthorizeResult> => {
      await gate; // the processor is still working when the duplicate is answered
      return { status: 'succeeded', orderId: `ord_${i.paymentId.slice(-6)}` };
    };
    const a = setup(slow, {}, shared);
    const b = setup(slow, {}, shared);
    const id = await session(a.server);
    const key = 'idem_instances_0123456789';
    const both = [call(a.server, `/sessions/${id}/payments`, body(key)), call(b.server, `/sessions/${id}/payments`, body(key))];
    await new Promise((r) => setTimeout(r, 20)); // both are in; one holds the session at the processor
    open();
    const [ra, rb] = await Promise.all(both);
    // The other waited its turn and then found the session paid: both answer the one charge.
    expect(ra).toMatchObject({ status: 'succeeded' });
    expect(rb).toEqual(ra);
    expect([...a.charges, ...b.charges]).toEqual(['card:10000']);
    // Asked again on either instance, the key tells the one outcome.
    expect(await call(a.server, `/sessions/${id}/payments`, body(key))).toEqual(ra);
    expect(await call(b.server, `/sessions/${id}/payments/resolve`, { idempotencyKey: key })).toEqual(ra);
  });

  it('two keys for one session (two tabs): one charge; the other is shown the payment that succeeded', async () => {
    const shared = memoryStorage();
    const a = setup(succeedNow, {}, shared);
    const b = setup(succeedNow, {}, shared);
    const id = await session(a.server);
    const [r1, r2] = await Promise.all([call(a.server, `/sessions/${id}/payments`, body('idem_tab_one_0123456789')), call(b.server, `/sessions/${id}/payments`, body('idem_tab_two_0123456789'))]);
    expect([r1.status, r2.status]).toEqual(['succeeded', 'succeeded']);
    expect(r2.paymentId).toBe(r1.paymentId);
    expect([...a.charges, ...b.charges]).toEqual(['card:10000']);
    // Later, with another method and key: still the same paid order.
    expect(await call(a.server, `/sessions/${id}/payments`, { ...body('idem_tab_three_0123456789'), method: 'pix', source: { type: 'none' }, expectedTotal: { amount: 9500, currency: 'BRL' }, couponCodes: ['PIX5'] })).toEqual(r1);
    // Either instance may have been the one that charged.
    expect([...a.charges, ...b.charges]).toHaveLength(1);
  });

  /** As readTogether, and the claims land in a chosen order: the void's first, or the payment's. */
  function claimsIn(order: 'void-first' | 'payment-first'): TillStorage {
    const base = readTogether();
    let firstDone!: () => void;
    const first = new Promise<void>((r) => (firstDone = r));
    return {
      ...base,
      async claimIdempotency(k, record) {
        const isVoid = record.bodyHash === 'void';
        if (isVoid !== (order === 'void-first')) await first;
        const taken = await base.claimIdempotency(k, record);
        if (isVoid === (order === 'void-first')) firstDone();
        return taken;
      },
    };
  }

  it('a lookup whose void lands first on one instance: the payment on another is refused, nothing charged', async () => {
    const shared = claimsIn('void-first');
    const a = setup(succeedNow, {}, shared);
    const b = setup(succeedNow, {}, shared);
    const id = await session(a.server);
    const key = 'idem_instances_void_0123456789';
    const [paid, lookup] = await Promise.all([call(a.server, `/sessions/${id}/payments`, body(key)), call(b.server, `/sessions/${id}/payments/resolve`, { idempotencyKey: key })]);
    expect(lookup).toMatchObject({ status: 'failed', code: 'cancelled' });
    expect(paid).toMatchObject({ status: 'error', code: 'idempotency_conflict' });
    expect(a.charges).toEqual([]);
    expect(await call(a.server, `/sessions/${id}/payments/resolve`, { idempotencyKey: key })).toEqual(lookup);
  });

  it('a no-charge answer (price changed) racing a void on another instance never replaces the void', async () => {
    const shared = claimsIn('void-first');
    const a = setup(succeedNow, {}, shared);
    const b = setup(succeedNow, {}, shared);
    const id = await session(a.server);
    const key = 'idem_instances_price_0123456789';
    const stale = { ...body(key), expectedTotal: { amount: 9999, currency: 'BRL' } };
    const [answer, lookup] = await Promise.all([call(a.server, `/sessions/${id}/payments`, stale), call(b.server, `/sessions/${id}/payments/resolve`, { idempotencyKey: key })]);
    expect(lookup).toMatchObject({ status: 'failed', code: 'cancelled' });
    expect(answer).toMatchObject({ status: 'error', code: 'idempotency_conflict' });
    // Both instances keep telling the same story: void.
    expect(await call(a.server, `/sessions/${id}/payments/resolve`, { idempotencyKey: key })).toEqual(lookup);
  });

  it('a payment whose claim lands first on one instance: the lookup on another cannot void it', async () => {
    const shared = claimsIn('payment-first');
    const a = setup(succeedNow, {}, shared);
    const b = setup(succeedNow, {}, shared);
    const id = await session(a.server);
    const key = 'idem_instances_pay_0123456789';
    const [paid, lookup] = await Promise.all([call(a.server, `/sessions/${id}/payments`, body(key)), call(b.server, `/sessions/${id}/payments/resolve`, { idempotencyKey: key })]);
    expect(paid).toMatchObject({ status: 'succeeded' });
    // Asked while a was charging: "unknown"; or after: the payment itself. Never "void".
    expect(lookup.code === 'internal' || lookup.status === 'succeeded').toBe(true);
    expect(a.charges).toEqual(['card:10000']);
    expect(await call(b.server, `/sessions/${id}/payments/resolve`, { idempotencyKey: key })).toEqual(paid);
  });

  it('settle on one instance and cancel on another take turns (the storage lease): the order is never lost', async () => {
    const shared = memoryStorage();
    const qr = async (): Promise<AuthorizeResult> => ({ status: 'requires_action', action: { type: 'qr', payload: 'pix-payload', expiresAt: 4_000_000_000 } });
    const a = setup(qr, {}, shared);
    const b = setup(qr, { async cancel() {} }, shared);
    const id = await session(a.server);
    const pending = await call(a.server, `/sessions/${id}/payments`, { ...body('idem_lease_0123456789'), method: 'pix', source: { type: 'none' }, expectedTotal: { amount: 9500, currency: 'BRL' }, couponCodes: ['PIX5'] });
    expect(pending).toMatchObject({ status: 'requires_action' });
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let booked = 0;
    // The bank's webhook reaches instance a; it books the order while the payment is held…
    const settled = a.server.settle(pending.paymentId, async () => {
      await gate;
      booked++;
      return { status: 'succeeded', orderId: 'ord_webhook' };
    });
    await new Promise((r) => setTimeout(r, 0));
    // …while the shopper presses Cancel, which lands on instance b.
    const cancelled = call(b.server, `/payments/${pending.paymentId}/cancel`, {});
    open();
    await settled;
    const answer = await cancelled;
    expect(booked).toBe(1);
    // Cancel waited and saw the settled payment: what the shopper is told is what is stored.
    expect(answer).toMatchObject({ status: 'succeeded', orderId: 'ord_webhook' });
    expect((await shared.getPayment(pending.paymentId))?.reply).toEqual(answer);
  });
});

async function succeedNow(i: { paymentId: string }): Promise<AuthorizeResult> {
  return { status: 'succeeded', orderId: `ord_${i.paymentId.slice(-6)}` };
}

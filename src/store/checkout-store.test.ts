import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../core/client';
import { CLIENT_SECRET_HEADER, PROTOCOL_VERSION } from '../protocol/index';
import { setLoaders } from '../core/lazy';
import { jweProvider } from '../core/tokenize/provider';
import { startDemo } from '../../demo/server';
import { createCheckoutStore, type CheckoutEvent, type CheckoutStoreOptions } from './checkout-store';

/**
 * The store against the real server kit and demo processor (over loopback HTTP). The only
 * injected fault is a fetch wrapper that drops a reply after the server has handled it.
 */
let demo: Awaited<ReturnType<typeof startDemo>>;
beforeAll(async () => {
  setLoaders({ jwe: () => import('../lazy/jwe'), pricing: () => import('../core/pricing/index'), learn: () => import('../core/ranking/learn') });
  demo = await startDemo({ port: 0 });
});
afterAll(() => demo.close());

/** Client secrets by session id: what the page hands the widget with the session id. */
const secrets = new Map<string, string>();

async function sessionId(country = 'US', items = [{ productId: 'mug-enamel', quantity: 1 }]) {
  const res = await fetch(`${demo.url}api/till/v1/sessions`, {
    method: 'POST',
    headers: { 'Till-Version': PROTOCOL_VERSION, 'Content-Type': 'application/json' },
    body: JSON.stringify({ items, country }),
  });
  const reply = (await res.json()) as { session: { id: string }; clientSecret: string };
  secrets.set(reply.session.id, reply.clientSecret);
  return reply.session.id;
}

/** The widget's client for one session carries its secret; this adds it to every call by the session in the URL, or the payment's session. */
function withSecret(inner: typeof fetch): typeof fetch {
  return async (url, init) => {
    const path = new URL(String(url)).pathname;
    let sid = /\/sessions\/([^/]+)/.exec(path)?.[1];
    const pid = /\/payments\/([^/]+)/.exec(path)?.[1];
    if (!sid && pid) sid = (await demo.till.getPayment(decodeURIComponent(pid)))?.sessionId;
    const headers = new Headers(init?.headers);
    if (sid && secrets.has(sid)) headers.set(CLIENT_SECRET_HEADER, secrets.get(sid)!);
    return inner(url, { ...init, headers });
  };
}

function setup(fetchImpl: typeof fetch = fetch, autoCoupons?: boolean) {
  const events: CheckoutEvent[] = [];
  const store = createCheckoutStore({
    client: createClient({ baseUrl: `${demo.url}api/till/v1`, fetch: withSecret(fetchImpl) }),
    onEvent: (e) => void events.push(e),
    sleep: async () => {},
    ...(autoCoupons === undefined ? {} : { autoCoupons }),
  });
  return { store, events };
}

function card(number: string) {
  return { number, expMonth: 12, expYear: 2034, cvc: '123' };
}

async function sourceFor(store: ReturnType<typeof setup>['store'], number: string) {
  const tk = store.getState().session!.tokenization;
  if (tk.provider !== 'jwe') throw new Error('jwe expected');
  return () => jweProvider(tk.publicKey).tokenize(card(number));
}

const ledger = async (id: string) => (await demo.ledger()).filter((e) => e.sessionId === id);

describe('checkout store (no DOM)', () => {
  it('loads, pays once, and reports funnel events without card data', async () => {
    const { store, events } = setup();
    const id = await sessionId();
    await store.getState().load(id);
    expect(store.getState().phase).toBe('ready');
    const src = await sourceFor(store, '4242424242424242');
    await store.getState().pay(src);
    expect(store.getState().phase).toBe('succeeded');
    expect(await ledger(id)).toHaveLength(1);
    expect((await ledger(id))[0]!.amount).toBe(store.getState().quote!.total);
    expect(events.map((e) => e.type)).toEqual(['viewed', 'payment-started', 'payment-succeeded']);
    expect(JSON.stringify(events)).not.toContain('4242424242424242');
    expect(JSON.stringify(store.getState())).not.toContain('4242424242424242');
  });

  it('auto-coupons off (an A/B control arm): nothing applied or promoted, typed codes still work, the server charges that total', async () => {
    // The demo's standard cart: PIX saves more than the other methods (PIX5 stacks with SAVEFIXED).
    const id = await sessionId('BR', [{ productId: 'tee-classic', quantity: 2 }, { productId: 'mug-enamel', quantity: 1 }]);
    const on = setup();
    await on.store.getState().load(id);
    expect(on.store.getState().quote!.applied.length).toBeGreaterThan(0);
    expect(on.store.getState().ranked.some((r) => r.reason.code === 'saves')).toBe(true);

    const { store } = setup(fetch, false);
    await store.getState().load(id);
    const s = store.getState();
    expect(s).toMatchObject({ phase: 'ready', autoCoupons: false });
    expect(s.quote!.applied).toEqual([]);
    expect(s.quote!.total).toBeGreaterThan(on.store.getState().quote!.total);
    expect(s.ranked.some((r) => r.reason.code === 'saves')).toBe(false);
    // Changing method keeps "no coupons"; a typed code applies.
    store.getState().selectMethod('pix');
    await vi.waitFor(() => expect(store.getState().repricing).toBe(false));
    expect(store.getState().quote!.applied).toEqual([]);
    await store.getState().applyCode('welcome10');
    expect(store.getState().quote!.applied.map((a) => a.code)).toEqual(['WELCOME10']);
    store.getState().selectMethod('card');
    await vi.waitFor(() => expect(store.getState().quote!.method).toBe('card'));
    await store.getState().pay(await sourceFor(store, '4242424242424242'));
    expect(store.getState().phase).toBe('succeeded');
    expect(await ledger(id)).toEqual([expect.objectContaining({ amount: store.getState().quote!.total, coupons: ['WELCOME10'] })]);
  });

  it('ignores a second pay while the first is in flight', async () => {
    const { store } = setup();
    const id = await sessionId();
    await store.getState().load(id);
    const src = await sourceFor(store, '4242424242424242');
    await Promise.all([store.getState().pay(src), store.getState().pay(src), store.getState().pay(src)]);
    expect(await ledger(id)).toHaveLength(1);
  });

  it('after a lost reply, pressing pay again re-sends the same request and is not charged twice', async () => {
    let drop = true;
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (drop && String(input).endsWith('/payments')) {
        drop = false;
        throw new TypeError('connection reset'); // the server charged; the reply never arrived
      }
      return res;
    };
    // No automatic retries here, so the shopper sees the failure and presses pay again.
    const { store } = setup(lossy);
    const id = await sessionId();
    await store.getState().load(id);
    await store.getState().pay(await sourceFor(store, '4242424242424242'));
    // Automatic retries already recovered with the same idempotency key.
    expect(store.getState().phase).toBe('succeeded');
    expect(await ledger(id)).toHaveLength(1);
  });

  it('keeps the request when every retry fails, and the next pay finishes it exactly once', async () => {
    let down = true;
    const flaky: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (down && String(input).endsWith('/payments')) throw new TypeError('offline');
      return res;
    };
    const { store } = setup(flaky);
    const id = await sessionId();
    await store.getState().load(id);
    await store.getState().pay(await sourceFor(store, '4242424242424242'));
    expect(store.getState().phase).toBe('ready');
    expect(store.getState().failure).toMatchObject({ code: 'network', retryable: true });
    expect(await ledger(id)).toHaveLength(1); // charged on the first attempt; the replies were lost
    down = false;
    let asked = false;
    await store.getState().pay(async () => {
      asked = true;
      throw new Error('must not tokenize again');
    });
    expect(asked).toBe(false);
    expect(store.getState().phase).toBe('succeeded');
    expect(await ledger(id)).toHaveLength(1);
  });

  it('turns a decline into a typed, retryable failure and allows another attempt', async () => {
    const { store, events } = setup();
    const id = await sessionId();
    await store.getState().load(id);
    await store.getState().pay(await sourceFor(store, '4000000000000002'));
    expect(store.getState()).toMatchObject({ phase: 'ready', failure: { code: 'card_declined', retryable: true } });
    await store.getState().pay(await sourceFor(store, '4242424242424242'));
    expect(store.getState().phase).toBe('succeeded');
    expect(events.filter((e) => e.type === 'payment-failed')).toHaveLength(1);
    expect(await ledger(id)).toHaveLength(1);
  });

  it('rejects a reply that does not match the protocol as bad_response, without charging state', async () => {
    const liar: typeof fetch = async (input, init) =>
      String(input).includes('/sessions/') && init?.method === 'GET'
        ? new Response(JSON.stringify({ status: 'ok', session: { id: 'x' } }), { status: 200 })
        : fetch(input, init);
    const { store } = setup(liar);
    await store.getState().load(await sessionId());
    expect(store.getState()).toMatchObject({ phase: 'unavailable', failure: { code: 'bad_response' } });
  });

  it('builds new state objects on every change (zustand skips Object.is-equal state)', async () => {
    const { store } = setup();
    await store.getState().load(await sessionId('BR'));
    const before = store.getState();
    const other = before.session!.methods.find((m) => m.id !== before.method)!.id;
    store.getState().selectMethod(other);
    const after = store.getState();
    expect(after).not.toBe(before);
    expect(after.method).toBe(other);
    expect(before.method).not.toBe(other);
  });
});

describe('methods this browser cannot pay with', () => {
  const start = async (unavailableMethods: CheckoutStoreOptions['unavailableMethods']) => {
    const id = await sessionId('US');
    const seen: string[][] = [];
    const store = createCheckoutStore({ client: createClient({ baseUrl: `${demo.url}api/till/v1`, fetch: withSecret(fetch) }), sleep: async () => {}, unavailableMethods });
    // Every state the widget could draw: a method list must never lose a row once shown.
    store.subscribe((s) => void (s.session && seen.push(s.session.methods.map((m) => m.id))));
    await store.getState().load(id);
    return { store, seen };
  };

  it('are dropped before the checkout is first shown, and never ranked or selected', async () => {
    const { store, seen } = await start(async (session) => session.methods.filter((m) => m.flow === 'wallet').map((m) => m.id));
    expect(store.getState().phase).toBe('ready');
    expect(seen.length).toBeGreaterThan(0);
    for (const ids of seen) expect(ids).toEqual(['card', 'paypal', 'klarna']);
    expect(store.getState().ranked.map((r) => r.method)).not.toContain('wallet');
  });

  it('a failing check hides nothing; a check naming every method hides nothing', async () => {
    const failing = await start(async () => Promise.reject(new Error('PaymentRequest threw')));
    expect(failing.store.getState().session?.methods.map((m) => m.id)).toContain('wallet');
    const all = await start(async (session) => session.methods.map((m) => m.id));
    expect(all.store.getState().session?.methods).toHaveLength(4);
  });
});

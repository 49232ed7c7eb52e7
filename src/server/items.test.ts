import { describe, expect, it } from 'vitest';
import type { PaymentAction, Session } from '../protocol/index';
import { createTillServer, type MerchantBackend } from './index';
import { kitCaller } from './test-kit';

/**
 * POST /sessions/:id/items: the cart changes only through the merchant's own prices, only while
 * no payment holds it, and a payment sent for the cart as it was is never charged for the new one.
 */
const PRICES: Record<string, number> = { tee: 2500, cap: 1200 };

function kit(overrides: Partial<MerchantBackend> = {}) {
  const charges: { amount: number; lines: string }[] = [];
  const server = createTillServer({
    basePath: '/api',
    async authenticate(request) {
      const m = /^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '');
      return m ? { shopperId: m[1]! } : null;
    },
    backend: {
      async createSession(req) {
        const lines = [];
        for (const [i, it] of req.items.entries()) {
          const unitPrice = PRICES[it.productId];
          if (unitPrice === undefined) return { error: 'invalid_request', message: `Unknown product ${it.productId}.` };
          lines.push({ id: `line_${i + 1}`, productId: it.productId, name: it.productId, quantity: it.quantity, unitPrice });
        }
        return {
          merchantId: 'm',
          currency: req.currency ?? 'USD',
          country: 'US',
          locale: 'en-US',
          lines,
          shipping: 500,
          methods: [{ id: 'card', flow: 'card', label: 'Card' }, { id: 'pix', flow: 'qr', label: 'PIX' }],
          savedMethods: [],
          coupons: [],
          firstOrder: false,
          tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB' } },
        };
      },
      async authorize(input) {
        charges.push({ amount: input.amount.amount, lines: input.session.lines.map((l) => `${l.productId}×${l.quantity}`).join(',') });
        if (input.method === 'pix') return { status: 'requires_action', action: { type: 'qr', payload: 'PIX', expiresAt: Math.floor(Date.now() / 1000) + 600 } as PaymentAction };
        return { status: 'succeeded', orderId: `ord_${charges.length}` };
      },
      ...overrides,
    },
  });
  const { call, openWith } = kitCaller(server);
  const open = (token?: string) => openWith({ items: [{ productId: 'tee', quantity: 1 }] }, token);
  const pay = (s: Session, secret: string, method = 'card', total = s.quote.total, token?: string) =>
    call('POST', `/sessions/${s.id}/payments`, {
      secret,
      ...(token ? { token } : {}),
      body: { idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`, method, source: method === 'card' ? { type: 'card_jwe', jwe: 'x'.repeat(40) } : { type: 'none' }, couponCodes: [], expectedTotal: { amount: total, currency: s.currency } },
    });
  const items = (s: Session, secret: string, list: { productId: string; quantity: number }[], token?: string) =>
    call('POST', `/sessions/${s.id}/items`, { secret, ...(token ? { token } : {}), body: { items: list } });
  return { server, charges, call, open, pay, items };
}

describe('changing the cart', () => {
  it('re-prices with the merchant\'s prices and keeps the session\'s id, secret and expiry', async () => {
    const k = kit();
    const { session, secret } = await k.open();
    const r = await k.items(session, secret, [{ productId: 'tee', quantity: 3 }, { productId: 'cap', quantity: 1 }]);
    expect(r.status).toBe(200);
    const next = (r.body as { session: Session }).session;
    expect(next).toMatchObject({ id: session.id, expiresAt: session.expiresAt, quote: { subtotal: 3 * 2500 + 1200, shipping: 500, total: 3 * 2500 + 1200 + 500 } });
    expect(next.lines.map((l) => [l.productId, l.quantity, l.unitPrice])).toEqual([['tee', 3, 2500], ['cap', 1, 1200]]);
    // The same secret still opens it, and the stored session is the new cart.
    expect(((await k.call('GET', `/sessions/${session.id}`, { secret })).body as { session: Session }).session.quote.total).toBe(next.quote.total);
    // Paying the new total charges the new cart.
    expect((await k.pay(next, secret)).body.status).toBe('succeeded');
    expect(k.charges).toEqual([{ amount: 9200, lines: 'tee×3,cap×1' }]);
  });

  it('a payment sent for the cart as it was is refused as price_changed, with the new total, and charges nothing', async () => {
    const k = kit();
    const { session, secret } = await k.open();
    await k.items(session, secret, [{ productId: 'tee', quantity: 2 }]);
    const stale = await k.pay(session, secret);
    expect(stale).toMatchObject({ status: 409, body: { status: 'failed', code: 'price_changed', quote: { total: 5500 } } });
    expect(k.charges).toEqual([]);
  });

  it('is locked while a payment waits for the shopper, open again after it is cancelled, and locked for good once paid', async () => {
    const k = kit();
    const { session, secret } = await k.open();
    const qr = await k.pay(session, secret, 'pix');
    expect(qr.body.status).toBe('requires_action');
    expect(await k.items(session, secret, [{ productId: 'tee', quantity: 5 }])).toMatchObject({ status: 409, body: { code: 'session_locked' } });
    await k.call('POST', `/payments/${qr.body.paymentId as string}/cancel`, { secret, body: {} });
    const changed = await k.items(session, secret, [{ productId: 'tee', quantity: 2 }]);
    expect(changed.status).toBe(200);
    const s2 = (changed.body as { session: Session }).session;
    expect((await k.pay(s2, secret)).body.status).toBe('succeeded');
    expect(await k.items(session, secret, [{ productId: 'tee', quantity: 1 }])).toMatchObject({ status: 409, body: { code: 'session_locked' } });
  });

  it('every pending payment holds the cart, not just the latest: a QR waiting behind a declined card still locks it', async () => {
    const k = kit({
      authorize: async (input) => (input.method === 'pix' ? { status: 'requires_action', action: { type: 'qr', payload: 'PIX', expiresAt: Math.floor(Date.now() / 1000) + 600 } as PaymentAction } : { status: 'failed', code: 'card_declined' }),
    });
    const { session, secret } = await k.open();
    const qr = await k.pay(session, secret, 'pix');
    expect(qr.body.status).toBe('requires_action');
    expect((await k.pay(session, secret, 'card')).body.code).toBe('card_declined');
    // The QR is still payable for the cart as it was: the cart cannot change under it.
    expect(await k.items(session, secret, [{ productId: 'tee', quantity: 5 }])).toMatchObject({ status: 409, body: { code: 'session_locked' } });
    await k.call('POST', `/payments/${qr.body.paymentId as string}/cancel`, { secret, body: {} });
    expect((await k.items(session, secret, [{ productId: 'tee', quantity: 5 }])).status).toBe(200);
  });

  it('answers like every other call to a wrong secret (not_found) and to anyone but the owner (forbidden)', async () => {
    const k = kit();
    const mine = await k.open('alice');
    const other = await k.open();
    expect((await k.items(mine.session, other.secret, [{ productId: 'tee', quantity: 2 }], 'alice')).body.code).toBe('not_found');
    expect((await k.items(mine.session, mine.secret, [{ productId: 'tee', quantity: 2 }])).body.code).toBe('forbidden');
    expect((await k.items(mine.session, mine.secret, [{ productId: 'tee', quantity: 2 }], 'bob')).body.code).toBe('forbidden');
    const ok = await k.items(mine.session, mine.secret, [{ productId: 'tee', quantity: 2 }], 'alice');
    expect((ok.body as { session: Session }).session.signedIn).toBe(true);
  });

  it('refuses bad carts with typed errors and keeps the old one', async () => {
    const k = kit();
    const { session, secret } = await k.open();
    expect((await k.items(session, secret, [])).body.code).toBe('invalid_request');
    expect((await k.items(session, secret, [{ productId: 'tee', quantity: 0 }])).body.code).toBe('invalid_request');
    expect((await k.items(session, secret, [{ productId: 'tee', quantity: 1.5 }])).body.code).toBe('invalid_request');
    expect(await k.items(session, secret, [{ productId: 'nope', quantity: 1 }])).toMatchObject({ status: 400, body: { code: 'invalid_request', message: 'Unknown product nope.' } });
    expect(((await k.call('GET', `/sessions/${session.id}`, { secret })).body as { session: Session }).session.lines).toEqual(session.lines);
    // A backend that prices the cart in another currency is a bug: refused, nothing stored.
    const odd = kit({ updateSession: async (_req, s) => ({ merchantId: 'm', currency: 'EUR', country: 'US', locale: 'en-US', lines: s.lines, shipping: 0, methods: s.methods, savedMethods: [], coupons: [], firstOrder: false, tokenization: s.tokenization }) });
    const o = await odd.open();
    expect(await odd.items(o.session, o.secret, [{ productId: 'tee', quantity: 2 }])).toMatchObject({ status: 500, body: { code: 'internal' } });
  });

  it('a cart change racing a payment never charges a cart other than the one priced', async () => {
    for (let round = 0; round < 20; round++) {
      const k = kit();
      const { session, secret } = await k.open();
      const [paid, changed] = await Promise.all([k.pay(session, secret), k.items(session, secret, [{ productId: 'cap', quantity: 2 }])]);
      const stored = ((await k.call('GET', `/sessions/${session.id}`, { secret })).body as { session: Session }).session;
      if (paid.body.status === 'succeeded') {
        // The old cart was charged first: the change is refused and the cart is still the one charged.
        expect(changed.body.code).toBe('session_locked');
        expect(k.charges).toEqual([{ amount: 3000, lines: 'tee×1' }]);
        expect(stored.lines.map((l) => l.productId)).toEqual(['tee']);
      } else {
        // The change came first: the payment for the old total is refused, nothing charged.
        expect(changed.status).toBe(200);
        expect(paid.body.code).toBe('price_changed');
        expect(k.charges).toEqual([]);
        expect(stored.lines.map((l) => l.productId)).toEqual(['cap']);
      }
    }
  });
});

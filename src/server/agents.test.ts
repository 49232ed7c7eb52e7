import { describe, expect, it } from 'vitest';
import { CLIENT_SECRET_HEADER, PROTOCOL_VERSION, SessionReply, VERSION_HEADER, type Session } from '../protocol/index';
import { createTillServer, type AuthorizeInput, type Mandate } from './index';

/**
 * Agents pay only under a mandate the merchant's processor verifies, and the kit enforces its
 * limits itself: amount, currency, merchant, expiry, single or recurring use. Each test tries to
 * get an agent past one of them.
 */
const HOUR = 3600;

function kit(mandates: Record<string, Omit<Mandate, 'id'>>, decline: Set<string> = new Set()) {
  const authorized: AuthorizeInput[] = [];
  const server = createTillServer({
    basePath: '/api',
    async authenticateAgent(request) {
      const m = /^Bearer (agent_\w+)$/.exec(request.headers.get('authorization') ?? '');
      return m ? { agentId: m[1]! } : null;
    },
    backend: {
      async createSession(req) {
        return {
          merchantId: 'shop-1',
          currency: req.currency ?? 'USD',
          country: 'US',
          locale: 'en-US',
          lines: [{ id: 'l1', productId: 'p', name: 'P', quantity: req.items[0]!.quantity, unitPrice: 1000 }],
          shipping: 0,
          methods: [{ id: 'card', flow: 'card', label: 'Card' }, { id: 'pix', flow: 'qr', label: 'PIX' }],
          savedMethods: [],
          coupons: [],
          firstOrder: false,
          tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB' } },
        };
      },
      async verifyMandate(token) {
        const m = mandates[token];
        return m ? { id: `mdt_${token}`, ...m } : undefined;
      },
      async authorize(input) {
        authorized.push(input);
        if (input.source.type === 'delegated' && decline.has(input.source.token)) {
          decline.delete(input.source.token);
          return { status: 'failed', code: 'card_declined' };
        }
        return { status: 'succeeded', orderId: `ord_${authorized.length}` };
      },
    },
  });
  const call = async (path: string, o: { secret?: string; agent?: string; body?: unknown; method?: string }) => {
    const headers: Record<string, string> = { [VERSION_HEADER]: PROTOCOL_VERSION };
    if (o.secret) headers[CLIENT_SECRET_HEADER] = o.secret;
    if (o.agent) headers.authorization = `Bearer ${o.agent}`;
    const res = await server.handle(new Request(`http://shop.test/api${path}`, { method: o.method ?? 'POST', headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) }));
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  async function open(quantity = 1, currency = 'USD') {
    const r = SessionReply.parse((await call('/sessions', { agent: 'agent_a', body: { items: [{ productId: 'p', quantity }], currency } })).body);
    if (r.status !== 'ok') throw new Error(r.message);
    return { session: r.session, secret: r.clientSecret! };
  }
  const pay = (s: Session, secret: string, source: unknown, agent?: string, method = 'card') =>
    call(`/sessions/${s.id}/payments`, {
      secret,
      ...(agent ? { agent } : {}),
      body: { idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`, method, source, couponCodes: [], expectedTotal: { amount: s.quote.total, currency: s.currency } },
    });
  return { server, authorized, call, open, pay };
}

const future = () => Math.floor(Date.now() / 1000) + HOUR;
const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('agent payments need a mandate', () => {
  it('an agent cannot pay with a card, a QR method, a saved method or nothing; a person cannot send a delegated token', async () => {
    const k = kit({ tok_ok: { maxAmount: usd(5000), merchantId: 'shop-1', expiresAt: future(), use: 'recurring' } });
    const { session, secret } = await k.open();
    for (const source of [{ type: 'card_jwe', jwe: 'x'.repeat(40) }, { type: 'none' }, { type: 'wallet', token: 'gp_tok' }]) {
      const r = await k.pay(session, secret, source, 'agent_a', source.type === 'none' ? 'pix' : 'card');
      // A wallet token does not pay a card method at all (the method follows from the source).
      expect([r.status, r.body.code], JSON.stringify(source)).toEqual(source.type === 'wallet' ? [400, 'invalid_request'] : [403, 'mandate_invalid']);
    }
    expect((await k.pay(session, secret, { type: 'delegated', token: 'tok_ok' })).body.code).toBe('mandate_invalid');
    expect(k.authorized).toEqual([]);
  });

  it('a delegated token pays card methods only: never PIX (whose coupon it would borrow)', async () => {
    const k = kit({ tok_ok: { maxAmount: usd(5000), merchantId: 'shop-1', expiresAt: future(), use: 'recurring' } });
    const { session, secret } = await k.open();
    const r = await k.pay(session, secret, { type: 'delegated', token: 'tok_ok' }, 'agent_a', 'pix');
    expect([r.status, r.body.code]).toEqual([400, 'invalid_request']);
    expect(k.authorized).toEqual([]);
  });

  it('a token the processor does not know, or a backend without verifyMandate, is refused', async () => {
    const k = kit({});
    const { session, secret } = await k.open();
    expect((await k.pay(session, secret, { type: 'delegated', token: 'tok_forged' }, 'agent_a')).body.code).toBe('mandate_invalid');
    expect(k.authorized).toEqual([]);
  });

  it('never exceeds the maximum: one minor unit over is mandate_exceeded; exactly the maximum pays, recording the agent and mandate', async () => {
    const k = kit({ tok_cap: { maxAmount: usd(3000), merchantId: 'shop-1', expiresAt: future(), use: 'recurring' } });
    const over = await k.open(4);
    expect(await k.pay(over.session, over.secret, { type: 'delegated', token: 'tok_cap' }, 'agent_a')).toMatchObject({ status: 403, body: { code: 'mandate_exceeded' } });
    const exact = await k.open(3);
    const paid = await k.pay(exact.session, exact.secret, { type: 'delegated', token: 'tok_cap' }, 'agent_a');
    expect(paid.body.status).toBe('succeeded');
    expect(k.authorized).toHaveLength(1);
    expect(k.authorized[0]).toMatchObject({ actor: { type: 'agent', agentId: 'agent_a', mandateId: 'mdt_tok_cap' }, mandate: { id: 'mdt_tok_cap' }, amount: usd(3000) });
    expect((await k.server.getPayment(paid.body.paymentId as string))!.actor).toEqual({ type: 'agent', agentId: 'agent_a', mandateId: 'mdt_tok_cap' });
  });

  it('wrong currency, another merchant, another checkout or an expired mandate is refused', async () => {
    const k = kit({
      tok_eur: { maxAmount: { amount: 99_999, currency: 'EUR' }, merchantId: 'shop-1', expiresAt: future(), use: 'recurring' },
      tok_other_shop: { maxAmount: usd(99_999), merchantId: 'shop-2', expiresAt: future(), use: 'recurring' },
      tok_other_session: { maxAmount: usd(99_999), merchantId: 'shop-1', expiresAt: future(), use: 'recurring', sessionId: 'cs_someone_else' },
      tok_expired: { maxAmount: usd(99_999), merchantId: 'shop-1', expiresAt: Math.floor(Date.now() / 1000) - 1, use: 'recurring' },
    });
    const { session, secret } = await k.open();
    for (const token of ['tok_eur', 'tok_other_shop', 'tok_other_session', 'tok_expired']) {
      expect((await k.pay(session, secret, { type: 'delegated', token }, 'agent_a')).body.code, token).toBe('mandate_invalid');
    }
    expect(k.authorized).toEqual([]);
  });

  it('single use: one checkout only (a retry of that checkout after a decline is allowed); recurring: many', async () => {
    const k = kit(
      {
        tok_once: { maxAmount: usd(5000), merchantId: 'shop-1', expiresAt: future(), use: 'single' },
        tok_many: { maxAmount: usd(5000), merchantId: 'shop-1', expiresAt: future(), use: 'recurring' },
      },
      new Set(['tok_once']),
    );
    const a = await k.open();
    expect((await k.pay(a.session, a.secret, { type: 'delegated', token: 'tok_once' }, 'agent_a')).body.code).toBe('card_declined');
    expect((await k.pay(a.session, a.secret, { type: 'delegated', token: 'tok_once' }, 'agent_a')).body.status).toBe('succeeded');
    const b = await k.open();
    expect((await k.pay(b.session, b.secret, { type: 'delegated', token: 'tok_once' }, 'agent_a')).body.code).toBe('mandate_invalid');
    expect((await k.pay(b.session, b.secret, { type: 'delegated', token: 'tok_many' }, 'agent_a')).body.status).toBe('succeeded');
    const c = await k.open();
    expect((await k.pay(c.session, c.secret, { type: 'delegated', token: 'tok_many' }, 'agent_a')).body.status).toBe('succeeded');
  });

  it('a single-use mandate raced over ten checkouts at once charges exactly one', async () => {
    const k = kit({ tok_race: { maxAmount: usd(5000), merchantId: 'shop-1', expiresAt: future(), use: 'single' } });
    const opened = await Promise.all(Array.from({ length: 10 }, () => k.open()));
    const replies = await Promise.all(opened.map((o) => k.pay(o.session, o.secret, { type: 'delegated', token: 'tok_race' }, 'agent_a')));
    expect(replies.filter((r) => r.body.status === 'succeeded')).toHaveLength(1);
    expect(replies.filter((r) => r.body.code === 'mandate_invalid')).toHaveLength(9);
    expect(k.authorized).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import {
  CLIENT_SECRET_HEADER,
  CLIENT_SECRET_PATTERN,
  PROTOCOL_VERSION,
  SessionReply,
  VERSION_HEADER,
  type PaymentAction,
  type SavedMethod,
} from '../protocol/index';
import { createTillServer, memoryStorage, type AuthorizeResult, type MerchantBackend, type Shopper, type TillContext, type TillStorage } from './index';
import { constantTimeEqual } from './secrets';
import { kitCaller } from './test-kit';

/**
 * The trust boundary, attacked: who the shopper is comes only from `authenticate`; a session or
 * payment id alone grants nothing; saved methods, passkeys and step-up belong to the signed-in
 * owner; idempotency keys are scoped to their session. Each test tries to break one rule.
 */
const card = { id: 'card', flow: 'card', label: 'Card' } as const;
/** A card source for the test processor, which never decrypts it. */
const CARD = { type: 'card_jwe', jwe: 'x'.repeat(40) } as const;
const pix = { id: 'pix', flow: 'qr', label: 'PIX' } as const;
const VAULT: Record<string, SavedMethod[]> = {
  alice: [{ id: 'pm_a1ce_visa', method: 'card', brand: 'visa', last4: '4242' }],
  bob: [{ id: 'pm_b0b_visa', method: 'card', brand: 'visa', last4: '1111' }],
};

function kit(opts: { storage?: TillStorage; authorize?: MerchantBackend['authorize']; retrieve?: MerchantBackend['retrieve']; leakSaved?: boolean } = {}) {
  const seen: { hook: string; ctx: TillContext }[] = [];
  const charges: string[] = [];
  const server = createTillServer({
    basePath: '/api',
    ...(opts.storage ? { storage: opts.storage } : {}),
    // The merchant's own authentication: here a bearer token naming the shopper.
    async authenticate(request): Promise<Shopper | null> {
      const m = /^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '');
      if (m?.[1] === 'explode') throw new Error('auth service down');
      if (m?.[1] === 'garbage') return { shopperId: '' };
      return m ? { shopperId: m[1]! } : null;
    },
    backend: {
      async createSession(_req, ctx) {
        seen.push({ hook: 'createSession', ctx });
        return {
          merchantId: 'm',
          currency: 'BRL',
          country: 'BR',
          locale: 'pt-BR',
          lines: [{ id: 'l1', productId: 'p', name: 'P', quantity: 1, unitPrice: 10000 }],
          shipping: 0,
          methods: [card, pix],
          // A careless backend that returns saved methods for guests too: the kit must drop them.
          savedMethods: ctx.shopper ? (VAULT[ctx.shopper.shopperId] ?? []) : opts.leakSaved ? VAULT.alice! : [],
          coupons: [],
          firstOrder: false,
          tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB' } },
        };
      },
      async authorize(input, ctx) {
        seen.push({ hook: 'authorize', ctx });
        charges.push(`${input.method}:${input.source.type}`);
        if (opts.authorize) return opts.authorize(input, ctx);
        if (input.method === 'pix') return { status: 'requires_action', action: { type: 'qr', payload: 'PIX', expiresAt: Math.floor(Date.now() / 1000) + 600 } as PaymentAction };
        return { status: 'succeeded', orderId: `ord_${charges.length}` };
      },
      ...(opts.retrieve ? { retrieve: opts.retrieve } : {}),
      async verifyStepUp() {
        return { status: 'succeeded', orderId: 'ord_stepup' };
      },
      async passkeyRegistrationOptions(_s, ctx) {
        seen.push({ hook: 'passkeyRegistrationOptions', ctx });
        return { challenge: 'Y2hhbGxlbmdl', rp: { name: 'shop' }, user: { id: 'dQ', name: ctx.shopper.shopperId, displayName: ctx.shopper.shopperId }, pubKeyCredParams: [{ type: 'public-key', alg: -7 }] };
      },
      async registerPasskey() {
        return true;
      },
    },
  });
  const { call, openWith } = kitCaller(server);
  const open = (o: { token?: string; body?: Record<string, unknown> } = {}) => openWith({ items: [{ productId: 'p', quantity: 1 }], ...o.body }, o.token);
  const payBody = (method: string, source: unknown, key = `idem_${crypto.randomUUID().replace(/-/g, '')}`) => ({
    idempotencyKey: key,
    method,
    source,
    couponCodes: [],
    expectedTotal: { amount: 10000, currency: 'BRL' },
  });
  return { server, seen, charges, call, open, payBody };
}

describe('shopper identity comes only from authenticate()', () => {
  it('a shopperRef (or any shopper field) in the body is ignored: a guest session, no saved methods', async () => {
    const k = kit();
    const { session } = await k.open({ body: { shopperRef: 'alice', shopperId: 'alice', shopper: { shopperId: 'alice' } } });
    expect(session.signedIn).toBeUndefined();
    expect(session.savedMethods).toEqual([]);
    expect(k.seen[0]!.ctx.shopper).toBeNull();
    expect(k.seen[0]!.ctx.request).toBeInstanceOf(Request);
  });

  it('the authenticated shopper gets their own saved methods and a session marked signed in', async () => {
    const k = kit();
    const { session } = await k.open({ token: 'alice' });
    expect(session.signedIn).toBe(true);
    expect(session.savedMethods.map((m) => m.id)).toEqual(['pm_a1ce_visa']);
    expect(k.seen[0]!.ctx.shopper).toEqual({ shopperId: 'alice' });
    // Who the shopper is never reaches the browser.
    expect(JSON.stringify(session)).not.toContain('alice');
  });

  it('saved methods a backend returns for a guest are dropped by the kit', async () => {
    const { session } = await kit({ leakSaved: true }).open();
    expect(session.savedMethods).toEqual([]);
  });

  it('an authenticate() that throws or names no valid shopper is a typed internal error, not a guest', async () => {
    const k = kit();
    for (const token of ['explode', 'garbage']) {
      const r = await k.call('POST', '/sessions', { token, body: { items: [{ productId: 'p', quantity: 1 }] } });
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ status: 'error', code: 'internal', message: 'Internal error.' });
    }
  });
});

describe('a session id alone grants nothing (client secret)', () => {
  it('secrets have 256 random bits, ids 128; only a hash is stored', async () => {
    const k = kit();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { session, secret } = await k.open();
      expect(secret).toMatch(CLIENT_SECRET_PATTERN);
      expect(session.id).toMatch(/^cs_[0-9a-f]{32}$/);
      seen.add(secret);
      const record = (await k.server.getSession(session.id))!;
      expect(JSON.stringify(record)).not.toContain(secret.slice(4));
      expect(record.secretHash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(seen.size).toBe(200);
  });

  it('every call on a session without its secret, or with another session\'s, answers not_found', async () => {
    const k = kit();
    const a = await k.open();
    const b = await k.open();
    const paid = await k.call('POST', `/sessions/${a.session.id}/payments`, { secret: a.secret, body: k.payBody('pix', { type: 'none' }) });
    expect(paid.status).toBe(200);
    const paymentId = paid.body.paymentId as string;
    const calls: [string, string, unknown?][] = [
      ['GET', `/sessions/${a.session.id}`],
      ['POST', `/sessions/${a.session.id}/quote`, { couponCodes: [] }],
      ['POST', `/sessions/${a.session.id}/payments`, k.payBody('card', CARD)],
      ['POST', `/sessions/${a.session.id}/payments/resolve`, { idempotencyKey: 'idem_0123456789abcdef' }],
      ['POST', `/sessions/${a.session.id}/passkeys/options`, {}],
      ['GET', `/payments/${paymentId}`],
      ['POST', `/payments/${paymentId}/cancel`, {}],
      ['POST', `/payments/${paymentId}/passkey`, { credential: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA', attestationObject: 'AA' } } }],
    ];
    for (const secret of [undefined, b.secret, 'tcs_' + 'A'.repeat(43), a.secret.slice(0, -1)]) {
      for (const [method, path, body] of calls) {
        const r = await k.call(method, path, { ...(secret ? { secret } : {}), ...(body !== undefined ? { body } : {}) });
        expect([r.status, r.body.code], `${method} ${path} with ${secret ? 'a wrong' : 'no'} secret`).toEqual([404, 'not_found']);
      }
    }
    // Nothing was charged by any of them, and the real owner of the secret still can.
    expect(k.charges).toEqual(['pix:none']);
    expect((await k.call('GET', `/payments/${paymentId}`, { secret: a.secret })).status).toBe(200);
  });

  it('an expired session asked with a wrong secret answers not_found, not session_expired (no oracle)', async () => {
    let t = 1_000_000;
    const server = createTillServer({
      basePath: '/api',
      now: () => t,
      backend: {
        createSession: async () => ({ merchantId: 'm', currency: 'BRL', country: 'BR', locale: 'pt-BR', lines: [{ id: 'l', productId: 'p', name: 'P', quantity: 1, unitPrice: 100 }], shipping: 0, methods: [card], savedMethods: [], coupons: [], firstOrder: false, tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB' } }, ttlSeconds: 60 }),
        authorize: async () => ({ status: 'succeeded', orderId: 'o' }),
      },
    });
    const h = { [VERSION_HEADER]: PROTOCOL_VERSION };
    const created = SessionReply.parse(await (await server.handle(new Request('http://x/api/sessions', { method: 'POST', headers: h, body: JSON.stringify({ items: [{ productId: 'p', quantity: 1 }] }) }))).json());
    if (created.status !== 'ok') throw new Error('no session');
    t += 120;
    const wrong = await server.handle(new Request(`http://x/api/sessions/${created.session.id}`, { headers: { ...h, [CLIENT_SECRET_HEADER]: 'tcs_' + 'B'.repeat(43) } }));
    expect(wrong.status).toBe(404);
    const right = await server.handle(new Request(`http://x/api/sessions/${created.session.id}`, { headers: { ...h, [CLIENT_SECRET_HEADER]: created.clientSecret! } }));
    expect(right.status).toBe(410);
  });

  it('compares digests in constant time (no early exit on the first differing character)', () => {
    expect(constantTimeEqual('abcd', 'abcd')).toBe(true);
    expect(constantTimeEqual('abcd', 'abce')).toBe(false);
    expect(constantTimeEqual('abcd', 'abc')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('a signed-in shopper\'s session belongs to that shopper', () => {
  it('with the right secret but without the owner\'s sign-in, every call is forbidden', async () => {
    const k = kit();
    const { session, secret } = await k.open({ token: 'alice' });
    for (const token of [undefined, 'bob']) {
      const o = { secret, ...(token ? { token } : {}) };
      expect((await k.call('GET', `/sessions/${session.id}`, o)).body.code).toBe('forbidden');
      expect((await k.call('POST', `/sessions/${session.id}/quote`, { ...o, body: { couponCodes: [] } })).body.code).toBe('forbidden');
      const saved = await k.call('POST', `/sessions/${session.id}/payments`, { ...o, body: k.payBody('card', { type: 'saved', savedMethodId: 'pm_a1ce_visa' }) });
      expect([saved.status, saved.body.code]).toEqual([403, 'forbidden']);
      expect((await k.call('POST', `/sessions/${session.id}/passkeys/options`, { ...o, body: {} })).body.code).toBe('forbidden');
      expect((await k.call('POST', `/sessions/${session.id}/passkeys`, { ...o, body: { credential: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA', attestationObject: 'AA' } } } })).body.code).toBe('forbidden');
    }
    expect(k.charges).toEqual([]);
    // The owner, signed in, pays with her saved card; the processor is told who she is.
    const ok = await k.call('POST', `/sessions/${session.id}/payments`, { secret, token: 'alice', body: k.payBody('card', { type: 'saved', savedMethodId: 'pm_a1ce_visa' }) });
    expect(ok.body.status).toBe('succeeded');
    expect(k.seen.find((s) => s.hook === 'authorize')!.ctx.shopper).toEqual({ shopperId: 'alice' });
  });

  it('payments of an owned session (status, cancel, step-up) are forbidden to anyone but the owner', async () => {
    const k = kit({ authorize: async (): Promise<AuthorizeResult> => ({ status: 'requires_action', action: { type: 'passkey', options: { challenge: 'Y2hhbGxlbmdl' } } }) });
    const { session, secret } = await k.open({ token: 'alice' });
    const started = await k.call('POST', `/sessions/${session.id}/payments`, { secret, token: 'alice', body: k.payBody('card', { type: 'saved', savedMethodId: 'pm_a1ce_visa' }) });
    const paymentId = started.body.paymentId as string;
    expect(started.body.status).toBe('requires_action');
    const credential = { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA', attestationObject: 'AA' } };
    for (const token of [undefined, 'bob']) {
      const o = { secret, ...(token ? { token } : {}) };
      expect((await k.call('GET', `/payments/${paymentId}`, o)).body.code).toBe('forbidden');
      expect((await k.call('POST', `/payments/${paymentId}/cancel`, { ...o, body: {} })).body.code).toBe('forbidden');
      expect((await k.call('POST', `/payments/${paymentId}/passkey`, { ...o, body: { credential } })).body.code).toBe('forbidden');
    }
    expect((await k.call('POST', `/payments/${paymentId}/passkey`, { secret, token: 'alice', body: { credential } })).body).toMatchObject({ status: 'succeeded', orderId: 'ord_stepup' });
  });

  it('another shopper\'s saved method is unknown in the owner\'s session; a guest session has none to pay with', async () => {
    const k = kit();
    const alice = await k.open({ token: 'alice' });
    const theft = await k.call('POST', `/sessions/${alice.session.id}/payments`, { secret: alice.secret, token: 'alice', body: k.payBody('card', { type: 'saved', savedMethodId: 'pm_b0b_visa' }) });
    expect([theft.status, theft.body.code]).toEqual([404, 'not_found']);
    const guest = await k.open();
    const guestSaved = await k.call('POST', `/sessions/${guest.session.id}/payments`, { secret: guest.secret, body: k.payBody('card', { type: 'saved', savedMethodId: 'pm_a1ce_visa' }) });
    expect([guestSaved.status, guestSaved.body.code]).toEqual([403, 'forbidden']);
    // Signing in later does not turn a guest session into anyone's.
    const later = await k.call('POST', `/sessions/${guest.session.id}/payments`, { secret: guest.secret, token: 'alice', body: k.payBody('card', { type: 'saved', savedMethodId: 'pm_a1ce_visa' }) });
    expect(later.body.code).toBe('forbidden');
    expect(k.charges).toEqual([]);
  });

  it('passkeys: a guest session cannot register one or answer a step-up; the owner\'s hooks get the owner', async () => {
    const k = kit();
    const guest = await k.open();
    expect((await k.call('POST', `/sessions/${guest.session.id}/passkeys/options`, { secret: guest.secret, token: 'alice', body: {} })).body.code).toBe('forbidden');
    expect((await k.call('POST', `/sessions/${guest.session.id}/passkeys`, { secret: guest.secret, body: { credential: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA', attestationObject: 'AA' } } } })).body.code).toBe('forbidden');
    const qr = await k.call('POST', `/sessions/${guest.session.id}/payments`, { secret: guest.secret, body: k.payBody('pix', { type: 'none' }) });
    const step = await k.call('POST', `/payments/${qr.body.paymentId as string}/passkey`, { secret: guest.secret, body: { credential: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA', attestationObject: 'AA' } } } });
    expect([step.status, step.body.code]).toEqual([403, 'forbidden']);
    const alice = await k.open({ token: 'alice' });
    const opts = await k.call('POST', `/sessions/${alice.session.id}/passkeys/options`, { secret: alice.secret, token: 'alice', body: {} });
    expect(opts.body.status).toBe('ok');
    expect(k.seen.find((s) => s.hook === 'passkeyRegistrationOptions')!.ctx.shopper).toEqual({ shopperId: 'alice' });
  });
});

describe('idempotency keys are scoped to their session', () => {
  it('the same key in two sessions is two payments; a replay in one never answers for the other', async () => {
    const k = kit();
    const a = await k.open();
    const b = await k.open();
    const key = 'idem_shared_key_0123456789';
    const ra = await k.call('POST', `/sessions/${a.session.id}/payments`, { secret: a.secret, body: k.payBody('card', CARD, key) });
    // Another body under the same key in another session: not a conflict, its own payment.
    const rb = await k.call('POST', `/sessions/${b.session.id}/payments`, { secret: b.secret, body: { ...k.payBody('pix', { type: 'none' }, key) } });
    expect(ra.body.status).toBe('succeeded');
    expect(rb.body.status).toBe('requires_action');
    expect(ra.body.paymentId).not.toBe(rb.body.paymentId);
    // Each replays its own.
    expect((await k.call('POST', `/sessions/${a.session.id}/payments`, { secret: a.secret, body: k.payBody('card', CARD, key) })).body).toEqual(ra.body);
    expect(k.charges).toEqual(['card:card_jwe', 'pix:none']);
  });
});

describe('an outcome lost in a crash is resolved, never stuck (backend.retrieve)', () => {
  /** The state a process leaves when it dies while the processor works: key reserved, payment "unknown". */
  async function crashedMidCharge(storage: TillStorage, k: ReturnType<typeof kit>) {
    const { session, secret } = await k.open();
    const body = k.payBody('card', CARD);
    const paymentId = 'pay_crashed0123456789abcdef0123456';
    await storage.claimIdempotency(`${session.id}:${body.idempotencyKey}`, { bodyHash: 'x', paymentId });
    await storage.putPayment({ id: paymentId, sessionId: session.id, method: 'card', amount: { amount: 10000, currency: 'BRL' }, couponCodes: [], createdAt: 0, reply: { status: 'error', code: 'internal', message: 'unknown', retryable: true } });
    await storage.putIdempotency(`${session.id}:unknown`, { bodyHash: 'unknown', paymentId });
    return { session, secret, paymentId };
  }

  it('the processor never took it: the payment reads as failed (not charged) and the shopper can pay again, once', async () => {
    const storage = memoryStorage();
    const k = kit({ storage, retrieve: async () => undefined });
    const { session, secret, paymentId } = await crashedMidCharge(storage, k);
    const status = await k.call('GET', `/payments/${paymentId}`, { secret });
    expect(status.body).toMatchObject({ status: 'failed', code: 'processing_error', retryable: true });
    expect(status.body.message).toMatch(/not charged/);
    const again = await k.call('POST', `/sessions/${session.id}/payments`, { secret, body: k.payBody('card', CARD) });
    expect(again.body.status).toBe('succeeded');
    expect(k.charges).toEqual(['card:card_jwe']);
  });

  it('the processor did charge: the payment reads as succeeded and the session is paid (no second charge)', async () => {
    const storage = memoryStorage();
    const k = kit({ storage, retrieve: async () => ({ status: 'succeeded', orderId: 'ord_found' }) });
    const { session, secret } = await crashedMidCharge(storage, k);
    const again = await k.call('POST', `/sessions/${session.id}/payments`, { secret, body: k.payBody('card', CARD) });
    expect(again.body).toMatchObject({ status: 'succeeded', orderId: 'ord_found' });
    expect(k.charges).toEqual([]);
  });

  it('a processor that cannot say yet leaves it unknown (asked again next time), and nothing more is charged', async () => {
    const storage = memoryStorage();
    let answer: AuthorizeResult | 'throw' = 'throw';
    const k = kit({
      storage,
      retrieve: async () => {
        if (answer === 'throw') throw new Error('processor timeout');
        return answer;
      },
    });
    const { session, secret, paymentId } = await crashedMidCharge(storage, k);
    expect((await k.call('GET', `/payments/${paymentId}`, { secret })).body).toMatchObject({ status: 'error', code: 'internal' });
    expect((await k.call('POST', `/sessions/${session.id}/payments`, { secret, body: k.payBody('card', CARD) })).body).toMatchObject({ status: 'error', code: 'internal' });
    answer = { status: 'failed', code: 'card_declined' };
    expect((await k.call('GET', `/payments/${paymentId}`, { secret })).body).toMatchObject({ status: 'failed', code: 'card_declined' });
    expect(k.charges).toEqual([]);
  });
});

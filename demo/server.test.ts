import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptCard } from '../src/lazy/jwe';
import { CLIENT_SECRET_HEADER, MAX_BODY_BYTES, PaymentReply, PROTOCOL_VERSION, SessionReply, type Session } from '../src/protocol/index';
import { startDemo } from './server';

/** The server kit, exercised over real HTTP on 127.0.0.1 through the demo merchant backend. */
let demo: Awaited<ReturnType<typeof startDemo>>;
let api: string;
const V = { 'Till-Version': PROTOCOL_VERSION, 'Content-Type': 'application/json' };
/** Client secrets of the sessions this file created, by session id. */
const secrets = new Map<string, string>();

/** The client secret a call on `path` carries: its session's, or its payment's session's. */
async function secretFor(path: string): Promise<Record<string, string>> {
  let sessionId = /^\/sessions\/([^/]+)/.exec(path)?.[1];
  const paymentId = /^\/payments\/([^/]+)/.exec(path)?.[1];
  if (paymentId) sessionId = (await demo.till.getPayment(decodeURIComponent(paymentId)))?.sessionId;
  const secret = sessionId && secrets.get(sessionId);
  return secret ? { [CLIENT_SECRET_HEADER]: secret } : {};
}

const get = async (path: string, headers: Record<string, string> = V) => fetch(api + path, { headers: { ...headers, ...(await secretFor(path)) } });

beforeAll(async () => {
  demo = await startDemo({ port: 0 });
  api = demo.url + 'api/till/v1';
});
afterAll(() => demo.close());

async function newSession(country = 'US'): Promise<Session> {
  const res = await fetch(`${api}/sessions`, { method: 'POST', headers: V, body: JSON.stringify({ items: [{ productId: 'tee-classic', quantity: 2 }], country }) });
  const reply = SessionReply.parse(await res.json());
  if (reply.status !== 'ok') throw new Error(reply.message);
  secrets.set(reply.session.id, reply.clientSecret!);
  return reply.session;
}

/** Signs a new demo shopper in; returns the Cookie header the browser would send. */
async function signIn(username = `qa_${crypto.randomUUID().slice(0, 8)}`): Promise<string> {
  const res = await fetch(`${demo.url}demo/sign-in`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: 'correct horse battery' }) });
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

async function payBody(session: Session, number: string, extra: Record<string, unknown> = {}) {
  if (session.tokenization.provider !== 'jwe') throw new Error('expected jwe');
  const jwe = await encryptCard(session.tokenization.publicKey, { number, expMonth: 12, expYear: 2034, cvc: '123' });
  return {
    idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`,
    method: 'card',
    source: { type: 'card_jwe', jwe },
    couponCodes: session.quote.applied.map((a) => a.code),
    expectedTotal: { amount: session.quote.total, currency: session.currency },
    ...extra,
  };
}

const post = async (path: string, body: unknown, headers: Record<string, string> = V) =>
  fetch(api + path, { method: 'POST', headers: { ...headers, ...(await secretFor(path)) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const ledgerFor = async (id: string) => (await demo.ledger()).filter((e) => e.sessionId === id);

describe('the demo\'s QA hooks', () => {
  it('are off when the hooks are not enabled (a demo not on loopback): 404, while the shop itself works', async () => {
    const closed = await startDemo({ port: 0, dataDir: 'memory', qa: false });
    try {
      for (const [method, path] of [['GET', 'demo/requests'], ['GET', 'demo/ledger'], ['POST', 'demo/reset'], ['POST', 'demo/vault'], ['POST', 'demo/network'], ['GET', 'demo/network/cs_x'], ['POST', 'demo/payments/pay_abc/complete']] as const) {
        const res = await fetch(closed.url + path, { method, headers: { 'Content-Type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(res.status, path).toBe(404);
      }
      const created = await fetch(`${closed.url}api/till/v1/sessions`, { method: 'POST', headers: V, body: JSON.stringify({ items: [{ productId: 'tee-classic', quantity: 1 }], country: 'US' }) });
      expect(created.status).toBe(200);
      expect((await fetch(closed.url)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});

describe('server kit over HTTP', () => {
  it('charges once and stores the ledger entry at the server-computed total', async () => {
    const s = await newSession();
    const res = await post(`/sessions/${s.id}/payments`, await payBody(s, '4242424242424242'));
    const reply = PaymentReply.parse(await res.json());
    expect(reply.status).toBe('succeeded');
    expect(await ledgerFor(s.id)).toEqual([expect.objectContaining({ amount: s.quote.total, currency: 'USD', card: { brand: 'visa', last4: '4242' } })]);
  });

  it('replays the same idempotency key + body and refuses the key with another body', async () => {
    const s = await newSession();
    const body = await payBody(s, '4242424242424242');
    const [a, b] = await Promise.all([post(`/sessions/${s.id}/payments`, body), post(`/sessions/${s.id}/payments`, body)]);
    const ra = await a.json();
    expect(await b.json()).toEqual(ra);
    const c = await post(`/sessions/${s.id}/payments`, body);
    expect(await c.json()).toEqual(ra);
    expect(await ledgerFor(s.id)).toHaveLength(1);
    const conflict = await post(`/sessions/${s.id}/payments`, { ...body, couponCodes: [] });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ status: 'error', code: 'idempotency_conflict' });
    expect(await ledgerFor(s.id)).toHaveLength(1);
  });

  it('resolves an attempt the browser lost track of: a known key replays, an unknown key is voided first', async () => {
    const s = await newSession();
    const sent = await payBody(s, '4242424242424242');
    const paid = await (await post(`/sessions/${s.id}/payments`, sent)).json();
    // The page reloaded after the reply was lost: the key alone tells what happened.
    const known = await post(`/sessions/${s.id}/payments/resolve`, { idempotencyKey: sent.idempotencyKey });
    expect(known.status).toBe(200);
    expect(await known.json()).toEqual(paid);
    expect(await ledgerFor(s.id)).toHaveLength(1);

    // A request that has not arrived yet (still in a proxy's queue): the lookup voids its key …
    const late = await payBody(s, '4242424242424242');
    const voided = await post(`/sessions/${s.id}/payments/resolve`, { idempotencyKey: late.idempotencyKey });
    expect(voided.status).toBe(402);
    expect(PaymentReply.parse(await voided.json())).toMatchObject({ status: 'failed', code: 'cancelled', retryable: true });
    // … so when it does arrive it cannot charge, and asking again gives the same answer.
    const arrived = await post(`/sessions/${s.id}/payments`, late);
    expect(await arrived.json()).toMatchObject({ status: 'error', code: 'idempotency_conflict' });
    expect(await (await post(`/sessions/${s.id}/payments/resolve`, { idempotencyKey: late.idempotencyKey })).json()).toMatchObject({ code: 'cancelled' });
    expect(await ledgerFor(s.id)).toHaveLength(1);

    // A lookup racing the request itself: whichever the server takes first decides, and the two
    // answers agree — either both tell of the one charge there is, or the key is void; nothing
    // more is ever charged.
    for (let i = 0; i < 6; i++) {
      const racing = await payBody(s, '4242424242424242');
      const before = (await ledgerFor(s.id)).length;
      const [r1, r2] = await Promise.all([post(`/sessions/${s.id}/payments`, racing), post(`/sessions/${s.id}/payments/resolve`, { idempotencyKey: racing.idempotencyKey })]);
      const [payReply, lookup] = [await r1.json(), await r2.json()];
      if (lookup.code === 'cancelled') {
        expect(payReply).toMatchObject({ status: 'error', code: 'idempotency_conflict' });
        expect(await ledgerFor(s.id)).toHaveLength(before);
      } else {
        // The request got in first. This session is already paid, so it answers with the payment
        // that succeeded (never a second charge), and the lookup tells the same.
        expect(lookup).toEqual(payReply);
        expect(payReply).toMatchObject({ status: 'succeeded', paymentId: paid.paymentId });
        expect(await ledgerFor(s.id)).toHaveLength(before);
      }
    }

    // Only real sessions: a made-up id gets not_found and no record.
    const unknown = await post(`/sessions/cs_made_up/payments/resolve`, { idempotencyKey: late.idempotencyKey });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 'error', code: 'not_found' });

    const bad = await post(`/sessions/${s.id}/payments/resolve`, { idempotencyKey: 'short' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'error', code: 'invalid_request' });
    expect((await get(`/sessions/${s.id}/payments/resolve`)).status).toBe(405);
  });

  it('answers a lookup with the payment as it is now, not as it was first answered', async () => {
    const s = await newSession('NL');
    const body = { idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`, method: 'ideal', source: { type: 'none' }, couponCodes: s.quote.applied.map((a) => a.code), expectedTotal: { amount: s.quote.total, currency: s.currency }, returnUrl: demo.url };
    const first = PaymentReply.parse(await (await post(`/sessions/${s.id}/payments`, body)).json());
    if (first.status !== 'requires_action') throw new Error(JSON.stringify(first));
    expect(first.action.type).toBe('redirect');
    // The bank approves (or a webhook arrives) while the shopper's page is reloading.
    await fetch(`${demo.url}demo/payments/${first.paymentId}/complete`, { method: 'POST' });
    const now = PaymentReply.parse(await (await post(`/sessions/${s.id}/payments/resolve`, { idempotencyKey: body.idempotencyKey })).json());
    expect(now).toMatchObject({ status: 'succeeded', paymentId: first.paymentId });
    expect(await ledgerFor(s.id)).toHaveLength(1);
  });

  it('QA network faults are per session, validated, and one-shot', async () => {
    const s = await newSession();
    const set = (body: unknown) => fetch(`${demo.url}demo/network`, { method: 'POST', body: JSON.stringify(body) });
    expect((await set({ mode: 'lose-request' })).status).toBe(400);
    expect((await set({ mode: 'lose-request', sessionId: 'cs_nobody' })).status).toBe(400);
    expect((await fetch(`${demo.url}demo/network`, { method: 'POST', body: 'null' })).status).toBe(400);
    expect((await set({ mode: 'meltdown', sessionId: s.id })).status).toBe(400);
    expect((await set({ mode: 'lose-request', sessionId: s.id })).status).toBe(200);
    const other = await newSession();
    expect((await post(`/sessions/${other.id}/payments`, await payBody(other, '4242424242424242'))).status).toBe(200);
    const body = await payBody(s, '4242424242424242');
    // The answer starts, then the connection breaks (a browser cannot silently re-send it).
    await expect(post(`/sessions/${s.id}/payments`, body).then((r) => r.json())).rejects.toThrow();
    expect(await ledgerFor(s.id)).toHaveLength(0);
    expect((await post(`/sessions/${s.id}/payments`, body)).status).toBe(200);
    expect(await ledgerFor(s.id)).toHaveLength(1);
    expect(await (await fetch(`${demo.url}demo/network/${s.id}`)).json()).toEqual({ mode: 'normal' });
  });

  it('a slow session delays its payments\' status calls too, and no other session\'s', async () => {
    const [slow, normal] = [await newSession(), await newSession()];
    const pay = async (s: Session) => PaymentReply.parse(await (await post(`/sessions/${s.id}/payments`, await payBody(s, '4242424242424242'))).json());
    const [a, b] = [await pay(slow), await pay(normal)];
    if (a.status !== 'succeeded' || b.status !== 'succeeded') throw new Error('expected two succeeded payments');
    await fetch(`${demo.url}demo/network`, { method: 'POST', body: JSON.stringify({ mode: 'slow', sessionId: slow.id }) });
    try {
      const order: string[] = [];
      const status = (id: string, label: string) => get(`/payments/${id}`).then(async (r) => (order.push(label), PaymentReply.parse(await r.json())));
      // Ordering, not a stopwatch: the slow session's status is asked first and still answers last.
      const [ra, rb] = await Promise.all([status(a.paymentId, 'slow'), status(b.paymentId, 'normal')]);
      expect(order).toEqual(['normal', 'slow']);
      expect([ra.status, rb.status]).toEqual(['succeeded', 'succeeded']);
      // A malformed or unknown payment id is answered by the kit as usual, without delay or crash.
      expect((await get(`/payments/__proto__`)).status).toBe(404);
    } finally {
      await fetch(`${demo.url}demo/network`, { method: 'POST', body: JSON.stringify({ mode: 'normal', sessionId: slow.id }) });
    }
  });

  it('answers a tampered total with price_changed and the fresh quote, and charges nothing', async () => {
    const s = await newSession();
    const body = await payBody(s, '4242424242424242');
    const res = await post(`/sessions/${s.id}/payments`, { ...body, expectedTotal: { amount: 1, currency: 'USD' } });
    const reply = PaymentReply.parse(await res.json());
    expect(reply).toMatchObject({ status: 'failed', code: 'price_changed', quote: { total: s.quote.total } });
    const wrongCurrency = await post(`/sessions/${s.id}/payments`, { ...body, idempotencyKey: body.idempotencyKey + 'x', expectedTotal: { amount: s.quote.total, currency: 'EUR' } });
    expect(await wrongCurrency.json()).toMatchObject({ code: 'price_changed' });
    expect(await ledgerFor(s.id)).toHaveLength(0);
  });

  it('maps the public test cards to typed outcomes', async () => {
    const s = await newSession();
    const cases: [string, string, string?][] = [
      ['4000000000000002', 'failed', 'card_declined'],
      ['4000000000009995', 'failed', 'insufficient_funds'],
      ['4242424242424241', 'failed', 'invalid_card'],
      ['4000002760003184', 'requires_action'],
    ];
    for (const [number, status, code] of cases) {
      const reply = PaymentReply.parse(await (await post(`/sessions/${s.id}/payments`, await payBody(s, number))).json());
      expect(reply.status, number.slice(-4)).toBe(status);
      if (code) expect(reply).toMatchObject({ code });
      if (reply.status === 'requires_action') expect(reply.action.type).toBe('challenge');
    }
    expect(await ledgerFor(s.id)).toHaveLength(0);
  });

  it('the request log keeps no payment credential: a JWE it logged could be replayed', async () => {
    const s = await newSession();
    const sent = await payBody(s, '4242424242424242');
    expect((await (await post(`/sessions/${s.id}/payments`, sent)).json()).status).toBe('succeeded');
    const log = (await (await fetch(`${demo.url}demo/requests`)).json()) as { path: string; body: string }[];
    const mine = log.filter((r) => r.path === `/api/till/v1/sessions/${s.id}/payments`);
    expect(mine).toHaveLength(1);
    expect(JSON.parse(mine[0]!.body)).toMatchObject({ idempotencyKey: sent.idempotencyKey, source: { type: 'card_jwe', jwe: '[redacted]' } });
    expect(JSON.stringify(log)).not.toContain(sent.source.jwe);
  });

  it('answers TRACE (which a fetch Request cannot carry) and other unserved methods with a typed 405, API or page', async () => {
    const { request } = await import('node:http');
    const u = new URL(demo.url);
    const send = (method: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const r = request({ host: u.hostname, port: u.port, method, path }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        r.on('error', reject);
        r.end();
      });
    for (const [method, path] of [['TRACE', '/api/till/v1/sessions'], ['TRACE', '/'], ['POST', '/'], ['PROPFIND', '/api/till/v1/sessions']] as const) {
      const r = await send(method, path);
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'error', code: 'method_not_allowed' });
    }
  });

  it('rejects bad input with typed errors', async () => {
    const s = await newSession();
    const noVersion = await post(`/sessions/${s.id}/quote`, { couponCodes: [] }, { 'Content-Type': 'application/json' });
    expect(await noVersion.json()).toMatchObject({ status: 'error', code: 'unsupported_version' });
    const malformed = await post(`/sessions/${s.id}/payments`, '{"idempotencyKey":');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'invalid_request' });
    const invalid = await post(`/sessions/${s.id}/payments`, { method: 'card' });
    const invalidReply = (await invalid.json()) as { code: string; issues: unknown[] };
    expect(invalidReply.code).toBe('invalid_request');
    expect(invalidReply.issues.length).toBeGreaterThan(0);
    const huge = await post(`/sessions/${s.id}/payments`, JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES + 10) }));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 'payload_too_large' });
    const missing = await get(`/sessions/cs_nope`);
    expect(missing.status).toBe(404);
    const plaintextCard = await post(`/sessions/${s.id}/payments`, { ...(await payBody(s, '4242424242424242')), source: { type: 'card', number: '4242424242424242' } });
    const plainReply = await plaintextCard.text();
    expect(plaintextCard.status).toBe(400);
    expect(plainReply).not.toContain('4242424242424242');
    expect(await ledgerFor(s.id)).toHaveLength(0);
  });

  it('re-prices quotes on the server for each method and coupon set', async () => {
    const s = await newSession('BR');
    const res = await post(`/sessions/${s.id}/quote`, { couponCodes: [], method: 'pix', optimize: true });
    const reply = (await res.json()) as { status: string; quote: { total: number } };
    expect(reply.status).toBe('ok');
    expect(reply.quote.total).toBeLessThanOrEqual(s.quote.total);
    const unknown = await post(`/sessions/${s.id}/quote`, { couponCodes: ['NOPE'] });
    expect(await unknown.json()).toMatchObject({ quote: { rejected: [{ code: 'NOPE', reason: 'unknown_code' }] } });
  });

  it('treats a retry that only adds unknown fields as the same request', async () => {
    const s = await newSession();
    const body = await payBody(s, '4242424242424242');
    const first = await (await post(`/sessions/${s.id}/payments`, body)).json();
    const again = await post(`/sessions/${s.id}/payments`, { ...body, clientNote: 'retry' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
    expect(await ledgerFor(s.id)).toHaveLength(1);
  });

  it('does not let a paid-late QR code charge after it expired', async () => {
    const s = await newSession('BR');
    const pix = s.methodQuotes.find((q) => q.method === 'pix')!;
    const res = await post(`/sessions/${s.id}/payments`, {
      idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`,
      method: 'pix',
      source: { type: 'none' },
      couponCodes: pix.applied.map((a) => a.code),
      expectedTotal: { amount: pix.total, currency: 'BRL' },
    });
    const reply = PaymentReply.parse(await res.json());
    expect(reply).toMatchObject({ status: 'requires_action', action: { type: 'qr' } });
    if (reply.status !== 'requires_action' || reply.action.type !== 'qr') return;
    await demo.till.requireAction(reply.paymentId, { ...reply.action, expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const settled = await demo.till.settle(reply.paymentId, { status: 'succeeded', orderId: 'ord_late' });
    expect(settled).toMatchObject({ status: 'failed', code: 'expired' });
    expect(await ledgerFor(s.id)).toHaveLength(0);
  });

  it('the checkout context is the merchant backend\'s: one the browser sends in the create request is not taken', async () => {
    const res = await post('/sessions', { items: [{ productId: 'tee-classic', quantity: 1 }], country: 'BR', context: { channel: 'in_person', recurring: true, merchantCategory: '6011' } });
    const body = (await res.json()) as { status: string; session?: { context?: unknown } };
    // Refused as an unknown field, or ignored: either way the session holds only what the backend set.
    if (body.status === 'ok') expect(body.session?.context).toEqual({ channel: 'online', recurring: false, merchantCategory: '5651' });
    else expect(res.status).toBe(400);
    const bill = SessionReply.parse(await (await post('/sessions', { items: [{ productId: 'topup-mobile', quantity: 1 }], country: 'BR' })).json());
    if (bill.status !== 'ok') throw new Error('no session');
    expect(bill.session.context).toEqual({ channel: 'online', recurring: true, merchantCategory: '4814' });
  });

  it('binds the method to the source: a card named as PIX (to borrow its 5% coupon), a card as a wallet, a QR method with a card all refused, nothing charged', async () => {
    const session = await newSession('BR');
    const headers = { ...V, ...(await secretFor(`/sessions/${session.id}`)) };
    const quote = await (await fetch(`${api}/sessions/${session.id}/quote`, { method: 'POST', headers, body: JSON.stringify({ couponCodes: ['PIX5'], method: 'pix' }) })).json();
    expect(quote.quote.applied.map((a: { code: string }) => a.code)).toEqual(['PIX5']);
    const tk = session.tokenization as { provider: 'jwe'; publicKey: Parameters<typeof encryptCard>[0] };
    const jwe = await encryptCard(tk.publicKey, { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' });
    const attempts = [
      { method: 'pix', source: { type: 'card_jwe', jwe } },
      { method: 'boleto', source: { type: 'card_jwe', jwe } },
      { method: 'card', source: { type: 'none' } },
    ];
    for (const [i, a] of attempts.entries()) {
      const res = await fetch(`${api}/sessions/${session.id}/payments`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ idempotencyKey: `bind_${i}_0123456789abcdef`, ...a, couponCodes: a.method === 'pix' ? ['PIX5'] : [], expectedTotal: { amount: quote.quote.total, currency: 'BRL' } }),
      });
      expect(res.status, JSON.stringify(a.method)).toBe(400);
      expect(await res.json()).toMatchObject({ status: 'error', code: 'invalid_request' });
    }
    expect((await demo.ledger()).filter((e) => e.sessionId === session.id)).toEqual([]);
  });

  it('refuses a saved card presented under another method', async () => {
    const cookie = await signIn();
    await fetch(`${demo.url}demo/vault`, { method: 'POST', headers: { cookie }, body: JSON.stringify({ card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } }) });
    const res = await post('/sessions', { items: [{ productId: 'tee-classic', quantity: 1 }], country: 'BR' }, { ...V, cookie });
    const reply = SessionReply.parse(await res.json());
    if (reply.status !== 'ok') throw new Error('no session');
    const s = reply.session;
    secrets.set(s.id, reply.clientSecret!);
    const saved = s.savedMethods[0]!;
    const pix = s.methodQuotes.find((q) => q.method === 'pix')!;
    const pay = await post(
      `/sessions/${s.id}/payments`,
      {
        idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`,
        method: 'pix',
        source: { type: 'saved', savedMethodId: saved.id },
        couponCodes: pix.applied.map((a) => a.code),
        expectedTotal: { amount: pix.total, currency: 'BRL' },
      },
      { ...V, cookie },
    );
    expect(pay.status).toBe(404);
    expect(await pay.json()).toMatchObject({ status: 'error', code: 'not_found' });
    expect(await ledgerFor(s.id)).toHaveLength(0);
  });

  it('rate-limits typed-code lookups per session, so hidden codes cannot be enumerated', async () => {
    const s = await newSession();
    let limited = 0;
    for (let i = 0; i < 40; i++) {
      const r = (await (await post(`/sessions/${s.id}/quote`, { couponCodes: [`GUESS${i}`] })).json()) as { status: string; code?: string };
      if (r.status === 'error' && r.code === 'rate_limited') limited++;
    }
    expect(limited).toBe(10);
    // Offered coupons still price without any lookup.
    const ok = (await (await post(`/sessions/${s.id}/quote`, { couponCodes: ['FREESHIP'] })).json()) as { status: string };
    expect(ok.status).toBe('ok');
  });
});

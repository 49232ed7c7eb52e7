import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { useDemo, type Demo } from '../../../demo/in-process';
import { shopperClient } from '../../../demo/http-client';

/**
 * ACP conformance, API-Version 2026-04-17, against the demo over real HTTP. Every reply is
 * validated with the spec's own published JSON Schema (spec/2026-04-17/json-schema/
 * schema.agentic_checkout.json of agentic-commerce-protocol/agentic-commerce-protocol, kept as
 * ./spec/schema.agentic_checkout.2026-04-17.subset.json: the CheckoutSession, CheckoutSessionWithOrder
 * and Error definitions and everything they reference, unchanged; Apache-2.0). Request bodies
 * follow the examples of rfcs/rfc.agentic_checkout.md §9 (Create, Update, Complete) and the
 * idempotency rules of its §6.
 */
const schema = JSON.parse(readFileSync(new URL('./spec/schema.agentic_checkout.2026-04-17.subset.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(schema, 'acp');
const validator = (def: string) => ajv.getSchema(`acp#/$defs/${def}`)!;
const isSession = validator('CheckoutSession');
const isSessionWithOrder = validator('CheckoutSessionWithOrder');
const isError = validator('Error');

function conforms(def: 'CheckoutSession' | 'CheckoutSessionWithOrder' | 'Error', body: unknown) {
  const v = { CheckoutSession: isSession, CheckoutSessionWithOrder: isSessionWithOrder, Error: isError }[def];
  const ok = v(body);
  expect(ok, `${def}: ${JSON.stringify(v.errors?.slice(0, 3))}\n${JSON.stringify(body).slice(0, 600)}`).toBe(true);
}

const demoOf = useDemo();
const slowOf = useDemo({ TILL_DEMO_CHARGE_DELAY: 'before:1500' });

const AGENT = { authorization: 'Bearer demo-agent', 'api-version': '2026-04-17', 'content-type': 'application/json' };
let seq = 0;
const newKey = () => `acp-test-${Date.now()}-${++seq}`;

async function acp(base: string, method: string, path: string, o: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) {
  const key = o.key === undefined ? newKey() : o.key;
  const res = await fetch(`${base}acp${path}`, {
    method,
    headers: { ...AGENT, ...(key && method === 'POST' ? { 'idempotency-key': key } : {}), ...o.headers },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** The simulated PSP's ACP delegate_payment: a vault token limited by its allowance (the mandate). */
async function delegate(base: string, o: { max: number; checkout?: string; reason?: 'one_time' | 'recurring'; number?: string; currency?: string }) {
  const res = await fetch(`${base}psp/agentic_commerce/delegate_payment`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-agent', 'content-type': 'application/json' },
    body: JSON.stringify({
      payment_method: { type: 'card', card_number_type: 'fpan', number: o.number ?? '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123', display_card_funding_type: 'credit', display_last4: (o.number ?? '4242').slice(-4) },
      allowance: { reason: o.reason ?? 'one_time', max_amount: o.max, currency: o.currency ?? 'usd', merchant_id: 'demo-shop', expires_at: new Date(Date.now() + 3600_000).toISOString(), ...(o.checkout ? { checkout_session_id: o.checkout } : {}) },
      risk_signals: [],
      metadata: {},
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** RFC §9.1 "Create — Request" with the 2026-04-17 schema's required `line_items`, `currency`, `capabilities`. */
const createBody = (items = [{ id: 'tee-classic', quantity: 2 }]) => ({
  line_items: items,
  currency: 'usd',
  capabilities: { payment: { handlers: [] } },
  fulfillment_details: {
    name: 'test',
    phone_number: '15551234567',
    email: 'test@example.com',
    address: { name: 'test', line_one: '1234 Chat Road', line_two: '', city: 'San Francisco', state: 'CA', country: 'US', postal_code: '94131' },
  },
});

/** RFC §9.5 "Complete — Request", with the demo PSP's token and this server's handler id. */
const completeBody = (token: string) => ({
  buyer: { first_name: 'John', last_name: 'Smith', email: 'johnsmith@mail.com', phone_number: '15552003434' },
  payment_data: {
    handler_id: 'till_delegated_card',
    instrument: { type: 'card', credential: { type: 'spt', token } },
    billing_address: { name: 'test', line_one: '1234 Chat Road', line_two: '', city: 'San Francisco', state: 'CA', country: 'US', postal_code: '94131' },
  },
});

const totalOf = (s: Record<string, unknown>) => (s.totals as { type: string; amount: number }[]).find((t) => t.type === 'total')!.amount;
const ordersOf = async (d: Demo, sessionId: string) => (await d.ledger()).filter((o) => o.sessionId === sessionId);

describe('ACP 2026-04-17 checkout (demo at /acp)', () => {
  it('discovery at /.well-known/acp.json names the version and base URL', async () => {
    const d = (await (await fetch(demoOf().url + '.well-known/acp.json')).json()) as Record<string, unknown>;
    expect(d).toMatchObject({ protocol: { name: 'acp', version: '2026-04-17' }, api_base_url: demoOf().url + 'acp', transports: ['rest'] });
  });

  it('create (201) → update items, address and coupon → complete → order booked once, actor agent', async () => {
    const created = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody() });
    expect(created.status).toBe(201);
    conforms('CheckoutSession', created.body);
    expect(created.body).toMatchObject({ status: 'ready_for_payment', currency: 'usd', protocol: { version: '2026-04-17' } });
    expect(created.headers.get('idempotency-key')).toMatch(/^acp-test-/);
    const id = created.body.id as string;
    // Update: 3 tees and the WELCOME10 code; totals come from the merchant's prices.
    const updated = await acp(demoOf().url, 'POST', `/checkout_sessions/${id}`, { body: { line_items: [{ id: 'tee-classic', quantity: 3 }], discounts: { codes: ['welcome10', 'NOPE'] } } });
    expect(updated.status).toBe(200);
    conforms('CheckoutSession', updated.body);
    const lines = updated.body.line_items as { item: { id: string }; quantity: number; unit_amount: number }[];
    expect(lines.map((l) => [l.item.id, l.quantity, l.unit_amount])).toEqual([['tee-classic', 3, 2500]]);
    const discounts = updated.body.discounts as { codes: string[]; applied: { code: string; automatic: boolean; amount: number }[]; rejected: { code: string; reason: string }[] };
    expect(discounts.codes).toEqual(['WELCOME10', 'NOPE']);
    // The best combination wins, as in the widget: $10 off orders over $40 and free shipping
    // beat 10% (which does not combine with another order discount); the submitted codes that
    // lost are reported with their reasons.
    expect(discounts.applied.map((a) => [a.code, a.amount, a.automatic])).toEqual([['SAVEFIXED', 1000, true], ['FREESHIP', 500, true]]);
    expect(discounts.rejected).toEqual([{ code: 'WELCOME10', reason: 'discount_code_combination_disallowed' }, { code: 'NOPE', reason: 'discount_code_invalid' }]);
    expect(totalOf(updated.body)).toBe(7500 - 1000);
    expect((updated.body.messages as { type: string; code: string }[]).some((m) => m.type === 'warning' && m.code === 'discount_code_invalid')).toBe(true);
    const total = totalOf(updated.body);
    // GET shows the same state.
    const got = await acp(demoOf().url, 'GET', `/checkout_sessions/${id}`);
    conforms('CheckoutSession', got.body);
    expect(totalOf(got.body)).toBe(total);
    // Complete with a delegated token whose allowance covers the total.
    const token = await delegate(demoOf().url, { max: total, checkout: id });
    const done = await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(token) });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    conforms('CheckoutSessionWithOrder', done.body);
    expect(done.body).toMatchObject({ status: 'completed', order: { checkout_session_id: id } });
    const orders = await ordersOf(demoOf(), id);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ amount: total, actor: 'agent', agentId: 'demo-agent', mandateId: token, card: { last4: '4242' } });
    // A completed checkout cannot be canceled (405) or updated.
    const cancel = await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/cancel`, { body: {} });
    expect(cancel.status).toBe(405);
    conforms('Error', cancel.body);
  });

  it('idempotency (RFC §6): missing key 400, replay with Idempotent-Replayed, other body 422, never a second charge', async () => {
    const missing = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody(), key: null });
    expect([missing.status, missing.body.code]).toEqual([400, 'idempotency_key_required']);
    conforms('Error', missing.body);
    const key = newKey();
    const a = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody(), key });
    const b = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody(), key });
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.body).toEqual(a.body);
    const other = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody([{ id: 'mug-enamel', quantity: 1 }]), key });
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_conflict']);
    conforms('Error', other.body);
    // Keys are scoped to the endpoint path: the same key on another endpoint is another key.
    const id = a.body.id as string;
    const token = await delegate(demoOf().url, { max: 100_000 });
    const c1 = await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(token), key });
    expect(c1.status).toBe(200);
    const c2 = await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(token), key });
    expect(c2.headers.get('idempotent-replayed')).toBe('true');
    expect(c2.body).toEqual(c1.body);
    // Even a new key completing again charges nothing more: the checkout is paid.
    const c3 = await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(token) });
    expect(c3.body).toMatchObject({ status: 'completed' });
    expect(await ordersOf(demoOf(), id)).toHaveLength(1);
  });

  it('a complete still running answers 409 idempotency_in_flight with Retry-After; the retry then replays it', async () => {
    const created = await acp(slowOf().url, 'POST', '/checkout_sessions', { body: createBody() });
    const id = created.body.id as string;
    const token = await delegate(slowOf().url, { max: 100_000 });
    const key = newKey();
    const first = acp(slowOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(token), key });
    await new Promise((r) => setTimeout(r, 300));
    const during = await acp(slowOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(token), key });
    expect([during.status, during.body.code]).toEqual([409, 'idempotency_in_flight']);
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
    conforms('Error', during.body);
    expect((await first).status).toBe(200);
    const after = await acp(slowOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(token), key });
    expect(after.headers.get('idempotent-replayed')).toBe('true');
    expect(await ordersOf(slowOf(), id)).toHaveLength(1);
  });

  it('a mandate overrun is refused (403 mandate_exceeded) and nothing is charged; a used single-use token is refused elsewhere', async () => {
    const created = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody() });
    const id = created.body.id as string;
    const total = totalOf(created.body);
    const small = await delegate(demoOf().url, { max: total - 1 });
    const over = await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(small) });
    expect([over.status, over.body.code]).toEqual([403, 'mandate_exceeded']);
    conforms('Error', over.body);
    expect(await ordersOf(demoOf(), id)).toHaveLength(0);
    const euros = await delegate(demoOf().url, { max: 100_000, currency: 'eur' });
    expect((await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(euros) })).body.code).toBe('mandate_invalid');
    const once = await delegate(demoOf().url, { max: 100_000 });
    expect((await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(once) })).status).toBe(200);
    const second = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody() });
    expect((await acp(demoOf().url, 'POST', `/checkout_sessions/${second.body.id as string}/complete`, { body: completeBody(once) })).body.code).toBe('mandate_invalid');
  });

  it('a card number sent as a discount code is refused before anything is stored; the checkout stays usable', async () => {
    const pan = '4242424242424242';
    const refused = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: { ...createBody(), discounts: { codes: [pan] } } });
    expect([refused.status, refused.body.code, refused.body.param]).toEqual([400, 'invalid', '$.discounts.codes[0]']);
    conforms('Error', refused.body);
    expect(JSON.stringify(refused.body)).not.toContain(pan);
    const created = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody() });
    const id = created.body.id as string;
    expect((await acp(demoOf().url, 'POST', `/checkout_sessions/${id}`, { body: { discounts: { codes: ['SAVEFIXED', pan] } } })).status).toBe(400);
    const record = await demoOf().till.getSession(id);
    expect(JSON.stringify(record)).not.toContain(pan);
    expect((await acp(demoOf().url, 'GET', `/checkout_sessions/${id}`)).status).toBe(200);
  });

  it('a declined card is a typed error; the checkout stays payable', async () => {
    const created = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody() });
    const id = created.body.id as string;
    const declined = await delegate(demoOf().url, { max: 100_000, number: '4000000000000002' });
    const r = await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(declined) });
    expect([r.status, r.body.code]).toEqual([402, 'payment_declined']);
    conforms('Error', r.body);
    expect((await acp(demoOf().url, 'GET', `/checkout_sessions/${id}`)).body.status).toBe('ready_for_payment');
  });

  it('cancel: canceled checkouts cannot be completed, updated or canceled again', async () => {
    const created = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody() });
    const id = created.body.id as string;
    const canceled = await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/cancel`, { body: { intent_trace: { reason_code: 'price_sensitivity' } } });
    expect(canceled.status).toBe(200);
    conforms('CheckoutSession', canceled.body);
    expect(canceled.body.status).toBe('canceled');
    expect((await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/cancel`, { body: {} })).status).toBe(405);
    expect((await acp(demoOf().url, 'POST', `/checkout_sessions/${id}`, { body: { line_items: [{ id: 'tee-classic', quantity: 1 }] } })).status).toBe(405);
    const token = await delegate(demoOf().url, { max: 100_000 });
    expect((await acp(demoOf().url, 'POST', `/checkout_sessions/${id}/complete`, { body: completeBody(token) })).status).toBe(405);
    expect(await ordersOf(demoOf(), id)).toHaveLength(0);
  });

  it('without an address the checkout is not ready (a typed message) and complete is refused', async () => {
    const { fulfillment_details: _f, ...noAddress } = createBody();
    const created = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: noAddress });
    conforms('CheckoutSession', created.body);
    expect(created.body.status).toBe('not_ready_for_payment');
    expect(created.body.messages).toEqual([expect.objectContaining({ type: 'error', code: 'missing', param: '$.fulfillment_details.address' })]);
    const token = await delegate(demoOf().url, { max: 100_000 });
    const r = await acp(demoOf().url, 'POST', `/checkout_sessions/${created.body.id as string}/complete`, { body: completeBody(token) });
    expect([r.status, r.body.code]).toEqual([400, 'missing']);
  });

  it('who may call: no agent credential 401, wrong API-Version 400 with supported_versions, another agent\'s or a browser session 404', async () => {
    const noAuth = await fetch(`${demoOf().url}acp/checkout_sessions`, { method: 'POST', headers: { 'api-version': '2026-04-17', 'idempotency-key': newKey(), 'content-type': 'application/json' }, body: JSON.stringify(createBody()) });
    expect(noAuth.status).toBe(401);
    conforms('Error', await noAuth.json());
    const old = await acp(demoOf().url, 'POST', '/checkout_sessions', { body: createBody(), headers: { 'api-version': '2025-09-29' } });
    expect(old).toMatchObject({ status: 400, body: { code: 'unsupported_api_version', supported_versions: ['2026-04-17'] } });
    conforms('Error', old.body);
    // The simulated PSP issues delegated tokens to the agent credential only.
    const psp = await fetch(`${demoOf().url}psp/agentic_commerce/delegate_payment`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payment_method: { type: 'card', number: '4242424242424242', exp_month: 12, exp_year: 2034 }, allowance: { reason: 'one_time', max_amount: 1, currency: 'usd', merchant_id: 'demo-shop', expires_at: new Date(Date.now() + 60_000).toISOString() } }) });
    expect(psp.status).toBe(401);
    // A session a person opened in the widget is not reachable over ACP by id alone.
    const { session } = await shopperClient().open(demoOf().url);
    const r = await acp(demoOf().url, 'GET', `/checkout_sessions/${session.id}`);
    expect(r.status).toBe(404);
    conforms('Error', r.body);
    // Hostile bodies are typed errors.
    for (const body of [{ line_items: [] }, { line_items: [{ id: 'tee-classic', quantity: -1 }], currency: 'usd' }, { line_items: [{ id: '../../etc' }], currency: 'usd' }, 'nope']) {
      const bad = await acp(demoOf().url, 'POST', '/checkout_sessions', { body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      conforms('Error', bad.body);
    }
  });
});

describe('ACP idempotency: a 5xx is never kept (RFC §6.5)', () => {
  it('a retry with the same key after a 500 is processed as a fresh request', async () => {
    const { createTillServer } = await import('../index');
    let fail = true;
    const server = createTillServer({
      acp: { basePath: '/acp' },
      authenticateAgent: async (r) => (r.headers.get('authorization') === 'Bearer a' ? { agentId: 'a' } : null),
      backend: {
        async createSession(req) {
          if (fail) {
            fail = false;
            throw new Error('catalog down');
          }
          return { merchantId: 'm', currency: req.currency ?? 'USD', country: 'US', locale: 'en-US', lines: [{ id: 'l1', productId: 'p', name: 'P', quantity: 1, unitPrice: 500 }], shipping: 0, methods: [{ id: 'card', flow: 'card', label: 'Card' }], savedMethods: [], coupons: [], firstOrder: false, tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB' } } };
        },
        authorize: async () => ({ status: 'succeeded', orderId: 'o' }),
      },
    });
    const post = () =>
      server.handle(new Request('https://shop.test/acp/checkout_sessions', { method: 'POST', headers: { authorization: 'Bearer a', 'api-version': '2026-04-17', 'idempotency-key': 'k-500', 'content-type': 'application/json' }, body: JSON.stringify({ line_items: [{ id: 'p' }], currency: 'usd', capabilities: {} }) }));
    const first = await post();
    expect(first.status).toBe(500);
    const err = await first.json();
    conforms('Error', err);
    expect(JSON.stringify(err)).not.toContain('catalog down');
    const retry = await post();
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    conforms('CheckoutSession', await retry.json());
  });
});

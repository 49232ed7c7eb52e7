import { describe, expect, it } from 'vitest';
import { useDemo } from '../../../demo/in-process';
import { conformsToUcp } from './spec/conformance';

/**
 * UCP checkout capability (release 2026-08-25, REST binding) against the demo over real HTTP:
 * create → update → coupon → complete, replays, conflicts, cancel, a mandate overrun, and who may
 * call. Every reply is checked against the release's published JSON Schemas (see ./conformance.ts).
 */
const demoOf = useDemo();
const AGENT = { authorization: 'Bearer demo-agent', 'ucp-agent': 'profile="https://platform.example/.well-known/ucp"', 'content-type': 'application/json' };

async function ucp(method: string, path: string, o: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) {
  const key = o.key === undefined ? crypto.randomUUID() : o.key;
  const res = await fetch(`${demoOf().url}ucp${path}`, {
    method,
    headers: { ...AGENT, ...(key && method !== 'GET' ? { 'idempotency-key': key } : {}), 'request-id': crypto.randomUUID(), ...o.headers },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function delegate(max: number, currency = 'usd') {
  const res = await fetch(`${demoOf().url}psp/agentic_commerce/delegate_payment`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-agent', 'content-type': 'application/json' },
    body: JSON.stringify({ payment_method: { type: 'card', number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' }, allowance: { reason: 'one_time', max_amount: max, currency, merchant_id: 'demo-shop', expires_at: new Date(Date.now() + 600_000).toISOString() } }),
  });
  return ((await res.json()) as { id: string }).id;
}

/** The REST binding's "Create Checkout" example request, with the demo catalog's product. */
const createBody = (quantity = 2, email?: string) => ({ line_items: [{ item: { id: 'tee-classic' }, quantity }], ...(email ? { buyer: { email } } : {}), context: { address_country: 'US' } });
const completeBody = (token: string) => ({ payment: { instruments: [{ id: 'pi_1', handler_id: 'till_delegated_card', type: 'card', credential: { type: 'delegated_token', token } }] } });
const totalOf = (b: Record<string, unknown>) => (b.totals as { type: string; amount: number }[]).find((t) => t.type === 'total')!.amount;
const ordersOf = async (id: string) => (await demoOf().ledger()).filter((o) => o.sessionId === id);

describe('UCP 2026-08-25 checkout (demo at /ucp)', () => {
  it('publishes its business profile at /.well-known/ucp', async () => {
    const res = await fetch(demoOf().url + '.well-known/ucp');
    expect(res.headers.get('cache-control')).toContain('public');
    const profile = await res.json();
    await conformsToUcp('profile', profile);
    expect(profile).toMatchObject({ ucp: { version: '2026-08-25', services: { 'dev.ucp.shopping': [{ transport: 'rest', endpoint: demoOf().url + 'ucp' }] } } });
  });

  it('create (201, incomplete without an email) → update with email and coupon → complete → one order by the agent', async () => {
    const created = await ucp('POST', '/checkout-sessions', { body: createBody() });
    expect(created.status).toBe(201);
    await conformsToUcp('checkout', created.body);
    expect(created.body).toMatchObject({ status: 'incomplete', currency: 'USD', ucp: { version: '2026-08-25' } });
    expect(created.body.messages).toEqual([expect.objectContaining({ type: 'error', code: 'missing', path: '$.buyer.email', severity: 'recoverable' })]);
    const id = created.body.id as string;
    // PUT is a full replacement: the platform resends the lines it keeps.
    const updated = await ucp('PUT', `/checkout-sessions/${id}`, { body: { ...createBody(3, 'ada@example.com'), discounts: { codes: ['freeship', 'NOPE'] } } });
    expect(updated.status).toBe(200);
    await conformsToUcp('checkout', updated.body);
    expect(updated.body.status).toBe('ready_for_complete');
    expect((updated.body.line_items as { quantity: number; item: { price: number } }[])[0]).toMatchObject({ quantity: 3, item: { price: 2500 } });
    const totals = updated.body.totals as { type: string; amount: number }[];
    expect(totals.filter((t) => t.type === 'subtotal')).toHaveLength(1);
    expect(totals.filter((t) => t.type === 'total')).toHaveLength(1);
    expect(totals.filter((t) => t.type.includes('discount')).every((t) => t.amount < 0)).toBe(true);
    expect((updated.body.messages as { code?: string; path?: string }[]).some((m) => m.code === 'discount_code_not_applied' && m.path === '$.discounts.codes[1]')).toBe(true);
    const total = totalOf(updated.body);
    // A mandate one cent short is refused as a message for the buyer; nothing is charged.
    const short = await ucp('POST', `/checkout-sessions/${id}/complete`, { body: completeBody(await delegate(total - 1)) });
    expect(short.status).toBe(200);
    await conformsToUcp('checkout', short.body);
    expect(short.body.messages).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'error', code: 'mandate_exceeded' })]));
    expect(await ordersOf(id)).toHaveLength(0);
    const key = crypto.randomUUID();
    const token = await delegate(total);
    const done = await ucp('POST', `/checkout-sessions/${id}/complete`, { body: completeBody(token), key });
    expect(done.status).toBe(200);
    await conformsToUcp('checkout', done.body);
    expect(done.body).toMatchObject({ status: 'completed', order: { permalink_url: expect.stringContaining('/demo/orders/') } });
    // The same complete re-sent after a lost answer: the original answer, no second charge.
    const again = await ucp('POST', `/checkout-sessions/${id}/complete`, { body: completeBody(token), key });
    expect(again.body).toEqual(done.body);
    const orders = await ordersOf(id);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ amount: total, actor: 'agent', agentId: 'demo-agent', mandateId: token });
    // A completed checkout cannot be canceled: the unchanged checkout and an error message.
    const cancel = await ucp('POST', `/checkout-sessions/${id}/cancel`, { body: {} });
    expect(cancel.body).toMatchObject({ status: 'completed', messages: expect.arrayContaining([expect.objectContaining({ code: 'not_cancelable' })]) });
  });

  it('idempotency: a key is required and carries 128 bits; the same key with another body is 409', async () => {
    expect((await ucp('POST', '/checkout-sessions', { body: createBody(), key: null })).body.code).toBe('idempotency_key_required');
    expect((await ucp('POST', '/checkout-sessions', { body: createBody(), key: 'short' })).status).toBe(400);
    const key = crypto.randomUUID();
    const a = await ucp('POST', '/checkout-sessions', { body: createBody(), key });
    const b = await ucp('POST', '/checkout-sessions', { body: createBody(), key });
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(await ucp('POST', '/checkout-sessions', { body: createBody(5), key })).toMatchObject({ status: 409, body: { code: 'idempotency_conflict' } });
  });

  it('cancel: a canceled checkout cannot be completed', async () => {
    const created = await ucp('POST', '/checkout-sessions', { body: createBody(1, 'ada@example.com') });
    const id = created.body.id as string;
    const canceled = await ucp('POST', `/checkout-sessions/${id}/cancel`);
    expect(canceled.body.status).toBe('canceled');
    await conformsToUcp('checkout', canceled.body);
    const paid = await ucp('POST', `/checkout-sessions/${id}/complete`, { body: completeBody(await delegate(100_000)) });
    expect(paid.body).toMatchObject({ status: 'canceled', messages: expect.arrayContaining([expect.objectContaining({ code: 'not_ready' })]) });
    expect(await ordersOf(id)).toHaveLength(0);
  });

  it('who may call: UCP-Agent with an https profile and the agent credential; another agent\'s id is unknown', async () => {
    expect(await ucp('POST', '/checkout-sessions', { body: createBody(), headers: { 'ucp-agent': 'profile="http://platform.example/profile"' } })).toMatchObject({ status: 400, body: { code: 'invalid_profile_url' } });
    expect(await ucp('POST', '/checkout-sessions', { body: createBody(), headers: { authorization: '' } })).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    const unknown = await ucp('GET', '/checkout-sessions/cs_00000000000000000000000000000000');
    expect(unknown.status).toBe(404);
    await conformsToUcp('error', unknown.body);
    const bad = await ucp('POST', '/checkout-sessions', { body: { line_items: [{ item: { id: 'tee-classic' }, quantity: 0 }] } });
    expect(bad.status).toBe(400);
  });
});

describe('the UCP schemas used above can fail', () => {
  it('accept the spec\'s own 2026-08-25 examples and refuse broken ones', async () => {
    const { readFileSync } = await import('node:fs');
    const example = (name: string) => JSON.parse(readFileSync(new URL(`./spec/${name}`, import.meta.url), 'utf8')) as Record<string, unknown> & { ucp: Record<string, unknown> };
    const checkout = example('example-checkout-response.json');
    await conformsToUcp('checkout', checkout);
    await conformsToUcp('profile', example('example-business-profile.json'));
    await conformsToUcp('error', example('example-error-response.json'));
    const { payment_handlers: _ph, ...noHandlers } = checkout.ucp;
    await expect(conformsToUcp('checkout', { ...checkout, ucp: noHandlers })).rejects.toThrow();
    await expect(conformsToUcp('checkout', { ...checkout, status: 'ready_for_payment' })).rejects.toThrow();
    await expect(conformsToUcp('checkout', { ...checkout, ucp: { ...checkout.ucp, capabilities: [{ name: 'dev.ucp.shopping.checkout' }] } })).rejects.toThrow();
  });
});

import { expect, test } from './fixtures/test';
import { delegatedToken } from './pages/agent';

/**
 * ACP (API-Version 2026-04-17) against the running demo, as an agent platform would call it:
 * create → update → coupon → complete, a replay, a conflict, a mandate overrun refused, cancel.
 * (Schema conformance of every reply is checked in src/server/acp/acp.test.ts.)
 */
const H = { authorization: 'Bearer demo-agent', 'api-version': '2026-04-17' };
let n = 0;
const key = () => `e2e-acp-${Date.now()}-${++n}`;
const address = { name: 'Ada', line_one: '1 Main St', city: 'San Francisco', state: 'CA', country: 'US', postal_code: '94131' };

test('an agent checks out over ACP: one order, replays answer the same, a conflict and an overrun are refused', async ({ request }) => {
  const created = await request.post('/acp/checkout_sessions', { headers: { ...H, 'idempotency-key': key() }, data: { line_items: [{ id: 'mug-enamel', quantity: 1 }], currency: 'usd', capabilities: {}, fulfillment_details: { address } } });
  expect(created.status()).toBe(201);
  const id = (await created.json()).id as string;
  const k = key();
  const update = (codes: string[]) => request.post(`/acp/checkout_sessions/${id}`, { headers: { ...H, 'idempotency-key': k }, data: { line_items: [{ id: 'mug-enamel', quantity: 3 }], discounts: { codes } } });
  const updated = await update(['FREESHIP']);
  expect(updated.status()).toBe(200);
  const body = await updated.json();
  expect(body.discounts.applied.map((a: { code: string }) => a.code)).toContain('FREESHIP');
  const total = body.totals.find((t: { type: string }) => t.type === 'total').amount as number;
  const replay = await update(['FREESHIP']);
  expect(replay.headers()['idempotent-replayed']).toBe('true');
  expect(await replay.json()).toEqual(body);
  expect((await update(['WELCOME10'])).status()).toBe(422);

  const token = (max: number) => delegatedToken(request, max);
  const complete = (t: string) => request.post(`/acp/checkout_sessions/${id}/complete`, { headers: { ...H, 'idempotency-key': key() }, data: { payment_data: { handler_id: 'till_delegated_card', instrument: { type: 'card', credential: { type: 'spt', token: t } } } } });
  const over = await complete(await token(total - 1));
  expect([over.status(), (await over.json()).code]).toEqual([403, 'mandate_exceeded']);
  const done = await complete(await token(total));
  expect(done.status()).toBe(200);
  expect(await done.json()).toMatchObject({ status: 'completed', order: { checkout_session_id: id } });
  const ledger = ((await (await request.get('/demo/ledger')).json()) as { sessionId: string; actor: string; amount: number }[]).filter((o) => o.sessionId === id);
  expect(ledger).toEqual([expect.objectContaining({ actor: 'agent', amount: total })]);
  expect((await request.post(`/acp/checkout_sessions/${id}/cancel`, { headers: { ...H, 'idempotency-key': key() }, data: {} })).status()).toBe(405);
});

test('an agent cancels an ACP checkout; it can no longer be paid', async ({ request }) => {
  const created = await request.post('/acp/checkout_sessions', { headers: { ...H, 'idempotency-key': key() }, data: { line_items: [{ id: 'tee-classic' }], currency: 'usd', capabilities: {}, fulfillment_details: { address } } });
  const id = (await created.json()).id as string;
  const canceled = await request.post(`/acp/checkout_sessions/${id}/cancel`, { headers: { ...H, 'idempotency-key': key() } });
  expect([canceled.status(), (await canceled.json()).status]).toEqual([200, 'canceled']);
  const again = await request.get(`/acp/checkout_sessions/${id}`, { headers: H });
  expect((await again.json()).status).toBe('canceled');
});

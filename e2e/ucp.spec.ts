import { expect, test } from './fixtures/test';
import { delegatedToken } from './pages/agent';

/**
 * UCP (release 2026-08-25) against the running demo, as a platform would call it: profile,
 * create → update (full replacement, a code) → complete, a replay, a conflict, cancel.
 * (Every reply is checked against the release's JSON Schemas in src/server/ucp/ucp.test.ts.)
 */
const H = { authorization: 'Bearer demo-agent', 'ucp-agent': 'profile="https://platform.example/.well-known/ucp"' };
const body = (quantity: number, codes: string[] = []) => ({ line_items: [{ item: { id: 'socks-wool' }, quantity }], buyer: { email: 'ada@example.com' }, discounts: { codes } });

test('a platform checks out over UCP: one order, a replay answers the same, a conflict is refused, a completed checkout cannot be canceled', async ({ request }) => {
  const profile = await (await request.get('/.well-known/ucp')).json();
  const endpoint = profile.ucp.services['dev.ucp.shopping'][0].endpoint as string;
  expect(endpoint).toMatch(/\/ucp$/);
  const created = await request.post('/ucp/checkout-sessions', { headers: { ...H, 'idempotency-key': crypto.randomUUID() }, data: body(1) });
  expect(created.status()).toBe(201);
  const id = (await created.json()).id as string;
  const key = crypto.randomUUID();
  const updated = await request.put(`/ucp/checkout-sessions/${id}`, { headers: { ...H, 'idempotency-key': key }, data: body(2, ['SOCKS2FOR1']) });
  const u = await updated.json();
  expect(u.status).toBe('ready_for_complete');
  expect(u.totals.find((t: { type: string }) => t.type === 'items_discount').amount).toBe(-1200);
  expect((await request.put(`/ucp/checkout-sessions/${id}`, { headers: { ...H, 'idempotency-key': key }, data: body(3) })).status()).toBe(409);
  const total = u.totals.find((t: { type: string }) => t.type === 'total').amount as number;
  const token = await delegatedToken(request, total);
  const completeKey = crypto.randomUUID();
  const complete = () => request.post(`/ucp/checkout-sessions/${id}/complete`, { headers: { ...H, 'idempotency-key': completeKey }, data: { payment: { instruments: [{ id: 'pi_1', handler_id: 'till_delegated_card', type: 'card', credential: { type: 'delegated_token', token } }] } } });
  const done = await (await complete()).json();
  expect(done).toMatchObject({ status: 'completed', order: { id: expect.stringMatching(/^ord_/) } });
  expect(await (await complete()).json()).toEqual(done);
  const ledger = ((await (await request.get('/demo/ledger')).json()) as { sessionId: string; actor: string; amount: number }[]).filter((o) => o.sessionId === id);
  expect(ledger).toEqual([expect.objectContaining({ actor: 'agent', amount: total })]);
  const cancel = await (await request.post(`/ucp/checkout-sessions/${id}/cancel`, { headers: { ...H, 'idempotency-key': crypto.randomUUID() } })).json();
  expect(cancel.status).toBe('completed');
});

import type { APIRequestContext } from '@playwright/test';

/** The demo's simulated PSP: a delegated card token an agent may spend up to `max` (USD minor units) with. */
export async function delegatedToken(request: APIRequestContext, max: number): Promise<string> {
  const res = await request.post('/psp/agentic_commerce/delegate_payment', {
    headers: { authorization: 'Bearer demo-agent' },
    data: { payment_method: { type: 'card', number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' }, allowance: { reason: 'one_time', max_amount: max, currency: 'usd', merchant_id: 'demo-shop', expires_at: new Date(Date.now() + 600_000).toISOString() } },
  });
  return ((await res.json()) as { id: string }).id;
}

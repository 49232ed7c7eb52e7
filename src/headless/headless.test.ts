import { describe, expect, it } from 'vitest';
import { useDemo } from '../../demo/in-process';
import { shopperClient } from '../../demo/http-client';
import { createCheckout, type CheckoutSnapshot, type HeadlessOptions } from './index';

/**
 * The headless controller in Node, against the real demo backend over real HTTP (127.0.0.1): the
 * same store, state machine, pricing and idempotent re-sending as the widget, with no DOM.
 */
const demoOf = useDemo();
const shopper = shopperClient();
const endpoint = () => demoOf().url + 'api/till/v1';

async function open(body?: Record<string, unknown>, extra: Partial<HeadlessOptions> = {}) {
  const { session, secret } = await shopper.open(demoOf().url, body);
  const checkout = createCheckout({ endpoint: endpoint(), sessionId: session.id, clientSecret: secret, sleep: async () => {}, ...extra });
  return { checkout, session, secret };
}

const ordersOf = async (sessionId: string) => (await demoOf().ledger()).filter((o) => o.sessionId === sessionId);

describe('headless checkout (Node, real demo backend)', () => {
  it('is DOM-free', () => {
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined');
  });

  it('loads, ranks with reasons, auto-applies the best coupons, and pays by card once', async () => {
    const { checkout, session, secret } = await open({ items: [{ productId: 'tee-classic', quantity: 2 }], country: 'US' });
    const states: CheckoutSnapshot['phase'][] = [];
    checkout.subscribe((s) => states.push(s.phase));
    const s = await checkout.load();
    expect(s.phase).toBe('ready');
    expect(checkout.ranked().map((r) => r.method)).toEqual(expect.arrayContaining(['card', 'paypal']));
    expect(checkout.ranked().every((r) => typeof r.reason.code === 'string' && r.score > 0)).toBe(true);
    expect(checkout.ranked()[0]!.reason).toEqual({ code: 'popular_in_region', country: 'US' });
    expect(s.quote!.applied.length).toBeGreaterThan(0);
    await checkout.selectMethod('card');
    const paid = await checkout.pay({ card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } });
    expect(paid).toMatchObject({ phase: 'succeeded', result: { method: 'card', amount: { amount: checkout.getState().quote!.total, currency: 'USD' } } });
    expect(states).toEqual(expect.arrayContaining(['loading', 'ready', 'paying', 'succeeded']));
    const orders = await ordersOf(session.id);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.amount).toBe(paid.quote!.total);
    // Paid is final: paying again does nothing and charges nothing.
    expect((await checkout.pay({ card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } })).phase).toBe('succeeded');
    expect(await ordersOf(session.id)).toHaveLength(1);
    // A reload (a new controller on the same session) shows it paid, with no event replayed.
    const events: string[] = [];
    const again = createCheckout({ endpoint: endpoint(), sessionId: session.id, clientSecret: secret, onEvent: (e) => events.push(e.type) });
    expect(await again.load()).toMatchObject({ phase: 'succeeded', result: { paymentId: paid.result!.paymentId, orderId: orders[0]!.orderId, method: 'card' } });
    expect(events).toEqual(['viewed']);
  });

  it('changes quantities through the merchant\'s prices and keeps the chosen method', async () => {
    const { checkout, session } = await open({ items: [{ productId: 'tee-classic', quantity: 1 }, { productId: 'mug-enamel', quantity: 1 }], country: 'BR' });
    await checkout.load();
    await checkout.selectMethod('boleto');
    const before = checkout.getState().quote!.subtotal;
    const s = await checkout.setQuantity('tee-classic', 3);
    expect(s.session!.lines.find((l) => l.productId === 'tee-classic')!.quantity).toBe(3);
    expect(s.quote!.subtotal).toBe(before + 2 * 12900);
    expect(s.method).toBe('boleto');
    const removed = await checkout.setQuantity('mug-enamel', 0);
    expect(removed.session!.lines.map((l) => l.productId)).toEqual(['tee-classic']);
    // Hostile quantities are refused with a typed failure; the cart stays.
    const bad = await checkout.setQuantity('tee-classic', 1.5);
    expect(bad.failure?.code).toBe('invalid_request');
    expect(bad.session!.lines[0]!.quantity).toBe(3);
    expect(session.id).toBe(bad.session!.id);
  });

  it('typed coupons: a hidden code applies, an unknown one is explained, removal re-prices', async () => {
    const { checkout } = await open({ items: [{ productId: 'socks-wool', quantity: 2 }], country: 'US' }, { autoCoupons: false });
    await checkout.load();
    const start = checkout.getState().quote!.total;
    const s = await checkout.applyCoupon('socks2for1');
    expect(s.codeResult).toEqual({ code: 'SOCKS2FOR1', applied: true });
    expect(s.quote!.total).toBe(start - 1200);
    const nope = await checkout.applyCoupon('NOPE');
    expect(nope.codeResult).toMatchObject({ code: 'NOPE', applied: false, reason: 'unknown_code' });
    const back = await checkout.removeCoupon('SOCKS2FOR1');
    expect(back.quote!.total).toBe(start);
  });

  it('a QR payment waits for the shopper, settles when paid, and a declined card is a typed failure', async () => {
    const { checkout, session } = await open({ items: [{ productId: 'tee-classic', quantity: 1 }], country: 'BR' });
    await checkout.load();
    await checkout.selectMethod('card');
    const declined = await checkout.pay({ card: { number: '4000000000000002', expMonth: 12, expYear: 2034, cvc: '123' } });
    expect(declined).toMatchObject({ phase: 'ready', failure: { code: 'card_declined', retryable: true } });
    await checkout.selectMethod('pix');
    const pending = await checkout.pay();
    expect(pending).toMatchObject({ phase: 'action', action: { action: { type: 'qr' } } });
    // Still pending when asked.
    expect((await checkout.answerAction({ refresh: true })).phase).toBe('action');
    // The shopper pays in the bank app (the demo's QA hook plays the bank).
    await fetch(`${demoOf().url}demo/payments/${pending.action!.paymentId}/complete`, { method: 'POST' });
    const done = await checkout.answerAction({ refresh: true });
    expect(done).toMatchObject({ phase: 'succeeded', result: { method: 'pix', paymentId: pending.action!.paymentId } });
    expect(await ordersOf(session.id)).toHaveLength(1);
  });

  it('cancel voids a pending voucher; paying again is a new payment', async () => {
    const { checkout } = await open({ items: [{ productId: 'tee-classic', quantity: 1 }], country: 'BR' });
    await checkout.load();
    await checkout.selectMethod('boleto');
    expect((await checkout.pay()).phase).toBe('action');
    expect(await checkout.cancel()).toMatchObject({ phase: 'ready', failure: { code: 'cancelled' } });
  });

  it('a lost reply is re-sent under the same key: exactly one charge', async () => {
    let drop = 1;
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/payments') && drop-- > 0) throw new TypeError('connection reset');
      return res;
    };
    const { checkout, session } = await open({ items: [{ productId: 'mug-enamel', quantity: 1 }], country: 'US' }, { fetch: lossy });
    await checkout.load();
    await checkout.selectMethod('card');
    const s = await checkout.pay({ card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } });
    expect(s.phase).toBe('succeeded');
    const orders = await ordersOf(session.id);
    expect(orders).toHaveLength(1);
    const bodies = (await (await fetch(demoOf().url + 'demo/requests')).json()) as { path: string; body: string }[];
    const keys = bodies.filter((r) => r.path === `/api/till/v1/sessions/${session.id}/payments`).map((r) => (JSON.parse(r.body) as { idempotencyKey: string }).idempotencyKey);
    expect(keys.length).toBe(2);
    expect(new Set(keys).size).toBe(1);
  });

  it('without the client secret nothing loads (the session id alone grants nothing)', async () => {
    const { session } = await shopper.open(demoOf().url);
    const checkout = createCheckout({ endpoint: endpoint(), sessionId: session.id });
    expect(await checkout.load()).toMatchObject({ phase: 'unavailable', failure: { code: 'not_found' } });
  });
});

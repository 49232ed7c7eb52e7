import { describe, expect, it } from 'vitest';
import { CreateSessionRequest, Money, PaymentReply, PayRequest, QuoteRequest, Session, SessionReply } from './index';
import { protocolJsonSchema } from '../../scripts/emit-schema';

const quote = { currency: 'USD', subtotal: 6400, shipping: 500, discount: 1500, total: 5400, applied: [{ code: 'SAVEFIXED', class: 'order', amount: 1000 }], rejected: [] };
const session = {
  id: 'cs_1',
  merchantId: 'demo-shop',
  currency: 'USD',
  country: 'US',
  locale: 'en-US',
  lines: [{ id: 'l1', productId: 'tee', name: 'Tee', quantity: 2, unitPrice: 2500 }],
  shipping: 500,
  methods: [{ id: 'card', flow: 'card', label: 'Card', brands: ['visa'] }],
  savedMethods: [{ id: 'pm_1', method: 'card', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 }],
  coupons: [{ code: 'WELCOME10', class: 'order', kind: { type: 'percentage', bps: 1000 } }],
  firstOrder: true,
  tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB' } },
  quote,
  methodQuotes: [{ ...quote, method: 'card' }],
  expiresAt: 1_900_000_000,
};
const pay = {
  idempotencyKey: 'idem_0123456789abcdef',
  method: 'card',
  source: { type: 'card_jwe', jwe: 'aaaa.bbbb.cccc.dddd.eeee' },
  couponCodes: ['SAVEFIXED'],
  expectedTotal: { amount: 5400, currency: 'USD' },
};

describe('protocol v1 schemas', () => {
  it('accepts valid messages', () => {
    expect(Session.safeParse(session).success).toBe(true);
    expect(SessionReply.safeParse({ status: 'ok', session }).success).toBe(true);
    expect(PayRequest.safeParse(pay).success).toBe(true);
    expect(QuoteRequest.safeParse({ couponCodes: [], method: 'pix', optimize: true }).success).toBe(true);
    expect(CreateSessionRequest.safeParse({ items: [{ productId: 'tee', quantity: 1 }], country: 'BR' }).success).toBe(true);
    for (const reply of [
      { status: 'succeeded', paymentId: 'pay_1', orderId: 'ord_1', amount: { amount: 5400, currency: 'USD' } },
      { status: 'requires_action', paymentId: 'pay_1', action: { type: 'challenge', url: 'http://127.0.0.1/c', origin: 'http://127.0.0.1' }, amount: { amount: 5400, currency: 'USD' } },
      { status: 'requires_action', paymentId: 'pay_1', action: { type: 'qr', payload: '000201...', expiresAt: 1 }, amount: { amount: 5400, currency: 'USD' } },
      { status: 'failed', code: 'card_declined', retryable: true, message: 'Declined' },
      { status: 'failed', code: 'price_changed', retryable: true, message: 'Changed', quote },
      { status: 'error', code: 'invalid_request', retryable: false, message: 'Bad', issues: [{ path: 'a', message: 'b' }] },
    ]) {
      expect(PaymentReply.safeParse(reply).success, JSON.stringify(reply)).toBe(true);
    }
  });

  it('keeps money in integer minor units of a real currency', () => {
    expect(Money.safeParse({ amount: 1999, currency: 'USD' }).success).toBe(true);
    expect(Money.safeParse({ amount: 19.99, currency: 'USD' }).success).toBe(false);
    expect(Money.safeParse({ amount: -1, currency: 'USD' }).success).toBe(false);
    expect(Money.safeParse({ amount: 1, currency: 'XAU' }).success).toBe(false);
    expect(Money.safeParse({ amount: 1, currency: 'usd' }).success).toBe(false);
    expect(Money.safeParse({ amount: '100', currency: 'USD' }).success).toBe(false);
    expect(Money.safeParse({ amount: 2 ** 53, currency: 'USD' }).success).toBe(false);
  });

  it('rejects malformed and hostile messages', () => {
    const bad: [string, unknown][] = [
      ['unknown status', { status: 'pending', paymentId: 'p' }],
      ['failed without code', { status: 'failed', retryable: true, message: 'x' }],
      ['unknown failure code', { status: 'failed', code: 'boom', retryable: true, message: 'x' }],
      ['challenge with a javascript url', { status: 'requires_action', paymentId: 'p', action: { type: 'challenge', url: 'javascript:alert(1)', origin: 'x' } }],
      ['huge message', { status: 'failed', code: 'card_declined', retryable: true, message: 'x'.repeat(5000) }],
    ];
    for (const [name, reply] of bad) expect(PaymentReply.safeParse(reply).success, name).toBe(false);
    expect(PayRequest.safeParse({ ...pay, idempotencyKey: 'short' }).success).toBe(false);
    expect(PayRequest.safeParse({ ...pay, source: { type: 'card', number: '4242424242424242' } }).success).toBe(false);
    expect(PayRequest.safeParse({ ...pay, expectedTotal: { amount: 54.0001, currency: 'USD' } }).success).toBe(false);
    expect(PayRequest.safeParse({ ...pay, couponCodes: Array.from({ length: 21 }, (_, i) => `C${i}`) }).success).toBe(false);
    expect(Session.safeParse({ ...session, lines: [] }).success).toBe(false);
    expect(Session.safeParse({ ...session, methods: [{ id: 'Card!', flow: 'card', label: 'x' }] }).success).toBe(false);
    expect(Session.safeParse({ ...session, tokenization: { provider: 'jwe', publicKey: { kty: 'EC', n: 'x', e: 'y' } } }).success).toBe(false);
    expect(Session.safeParse({ ...session, lines: [{ ...session.lines[0], quantity: 0 }] }).success).toBe(false);
  });

  it('a session may carry the checkout context the merchant sets; bad context values are refused', () => {
    const ok = (context: unknown) => Session.safeParse({ ...session, context }).success;
    expect(ok({ channel: 'online', recurring: true, merchantCategory: '4814' })).toBe(true);
    expect(ok({})).toBe(true);
    expect(ok({ merchantCategory: 'retail.grocery:5411' })).toBe(true);
    expect(ok({ channel: 'mail' })).toBe(false);
    expect(ok({ recurring: 'yes' })).toBe(false);
    expect(ok({ merchantCategory: '' })).toBe(false);
    expect(ok({ merchantCategory: 'x'.repeat(33) })).toBe(false);
    expect(ok({ merchantCategory: '<img src=x>' })).toBe(false);
    expect(ok({ merchantCategory: '__proto__ x' })).toBe(false);
  });

  it('exports a JSON Schema for every message', () => {
    const schema = protocolJsonSchema() as { $defs: Record<string, { oneOf?: unknown[]; properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.$defs)).toEqual(expect.arrayContaining(['SessionReply', 'PayRequest', 'PaymentReply', 'QuoteRequest']));
    expect(schema.$defs.PaymentReply!.oneOf).toHaveLength(4);
    expect(schema.$defs.PayRequest!.properties).toHaveProperty('idempotencyKey');
  });
});

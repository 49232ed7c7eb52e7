import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_SECRET_HEADER, PROTOCOL_VERSION, VERSION_HEADER, type CartLine, type Coupon, type Quote } from '../protocol/index';
import { bestQuote, priceWith, type PricingInput } from '../core/pricing/index';
import { createTillServer } from './index';

/**
 * Browser and server agree to the minor unit: random carts and coupon sets go through the real
 * server kit (Request → Response), and every combination the browser would accept is quoted and
 * charged by the server at exactly the browser's total.
 */
const currency = fc.constantFrom('USD', 'JPY', 'KWD');
const line = (i: number) =>
  fc.record({ quantity: fc.integer({ min: 1, max: 5 }), unitPrice: fc.integer({ min: 1, max: 50_000 }), category: fc.constantFrom('a', 'b') }).map(
    (l): CartLine => ({ id: `l${i}`, productId: `p${i}`, name: `P${i}`, ...l }),
  );
const combines = fc.record({ product: fc.boolean(), order: fc.boolean(), shipping: fc.boolean() });
const coupon = (i: number) =>
  fc
    .record({
      kind: fc.oneof(
        fc.record({ type: fc.constant('percentage' as const), bps: fc.integer({ min: 1, max: 10_000 }) }),
        fc.record({ type: fc.constant('fixed' as const), amount: fc.integer({ min: 1, max: 30_000 }) }),
        fc.constant({ type: 'free_shipping' as const }),
        fc.record({ type: fc.constant('buy_x_get_y' as const), buy: fc.integer({ min: 1, max: 2 }), get: fc.integer({ min: 1, max: 2 }), bps: fc.integer({ min: 1, max: 10_000 }) }),
      ),
      cls: fc.constantFrom('product' as const, 'order' as const, 'shipping' as const),
      combinesWith: combines,
      methods: fc.option(fc.constantFrom('pix', 'card').map((m) => [m]), { nil: undefined }),
      minSubtotal: fc.option(fc.integer({ min: 1, max: 60_000 }), { nil: undefined }),
      maxDiscount: fc.option(fc.integer({ min: 1, max: 20_000 }), { nil: undefined }),
    })
    .map(
      (c): Coupon => ({
        code: `C${i}`,
        class: c.kind.type === 'free_shipping' ? 'shipping' : c.kind.type === 'buy_x_get_y' ? 'product' : c.cls,
        kind: c.kind,
        combinesWith: c.combinesWith,
        ...(c.methods || c.minSubtotal ? { conditions: { ...(c.methods ? { methods: c.methods } : {}), ...(c.minSubtotal ? { minSubtotal: c.minSubtotal } : {}) } } : {}),
        ...(c.maxDiscount ? { maxDiscount: c.maxDiscount } : {}),
      }),
    );
const scenario = fc.record({
  currency,
  lines: fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => line(i)))),
  coupons: fc.integer({ min: 0, max: 8 }).chain((n) => (n ? fc.tuple(...Array.from({ length: n }, (_, i) => coupon(i))) : fc.constant([] as Coupon[]))),
  shipping: fc.integer({ min: 0, max: 2_000 }),
  method: fc.constantFrom('card', 'pix'),
  pick: fc.array(fc.nat(), { maxLength: 4 }),
});

async function call(server: ReturnType<typeof createTillServer>, path: string, body: unknown, secret?: string) {
  const headers: Record<string, string> = { [VERSION_HEADER]: PROTOCOL_VERSION, ...(secret ? { [CLIENT_SECRET_HEADER]: secret } : {}) };
  const res = await server.handle(new Request(`http://shop.test/api${path}`, { method: 'POST', headers, body: JSON.stringify(body) }));
  return (await res.json()) as { status: string; quote?: Quote; session?: { id: string; expiresAt: number }; clientSecret?: string; code?: string };
}

describe('server quote = browser total (property)', () => {
  it('for every accepted combination and the optimizer, across currencies and methods', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const charged: number[] = [];
        const server = createTillServer({
          basePath: '/api',
          backend: {
            createSession: async () => ({
              merchantId: 'm', currency: sc.currency, country: 'BR', locale: 'en', lines: sc.lines, shipping: sc.shipping,
              methods: [{ id: 'card', flow: 'card', label: 'Card' }, { id: 'pix', flow: 'qr', label: 'PIX' }],
              savedMethods: [], coupons: sc.coupons, firstOrder: false,
              tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB' } },
            }),
            authorize: async (i) => {
              charged.push(i.amount.amount);
              return { status: 'succeeded', orderId: `ord_${charged.length}` };
            },
          },
        });
        const created = await call(server, '/sessions', { items: [{ productId: 'p0', quantity: 1 }] });
        const id = created.session!.id;
        const secret = created.clientSecret!;
        const input: PricingInput = { currency: sc.currency, lines: sc.lines, shipping: sc.shipping, coupons: sc.coupons, firstOrder: false, now: Math.floor(Date.now() / 1000) };

        // The optimizer: the server's best quote equals the browser's.
        const best = await call(server, `/sessions/${id}/quote`, { couponCodes: [], method: sc.method, optimize: true }, secret);
        expect(best.quote).toEqual(bestQuote(input, sc.method));

        // A shopper-chosen set: what the browser accepts, the server quotes identically…
        const codes = [...new Set(sc.pick.map((n) => sc.coupons[n % Math.max(1, sc.coupons.length)]?.code).filter((c): c is string => !!c))];
        const local = priceWith(input, codes, sc.method);
        const remote = await call(server, `/sessions/${id}/quote`, { couponCodes: codes, method: sc.method }, secret);
        expect(remote.quote).toEqual(local);
        expect(local.total).toBe(local.subtotal + local.shipping - local.discount);
        expect(local.total).toBeGreaterThanOrEqual(0);

        // …and charges exactly that total when the shopper pays with the accepted codes.
        const accepted = local.applied.map((a) => a.code);
        const paid = await call(server, `/sessions/${id}/payments`, {
          idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`,
          method: sc.method,
          // The source a method of that flow takes (the test processor never decrypts the card).
          source: sc.method === 'card' ? { type: 'card_jwe', jwe: 'x'.repeat(40) } : { type: 'none' },
          couponCodes: accepted,
          expectedTotal: { amount: local.total, currency: sc.currency },
        }, secret);
        expect(paid.status).toBe('succeeded');
        expect(charged).toEqual([local.total]);
      }),
      { numRuns: 150 },
    );
  });
});

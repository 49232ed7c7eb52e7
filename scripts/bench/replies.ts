/** Realistic protocol replies for the validation benchmark (checked by replies.test.ts, so the bench cannot rot). */

/** A realistic session reply: 10 lines, 6 coupons, 5 methods, a quote per method, priors, a saved card. */
export function sessionReply(): unknown {
  const methods = [
    { id: 'card', flow: 'card', label: 'Credit card', brands: ['visa', 'mastercard', 'elo', 'amex', 'hipercard'], installments: [1, 2, 3, 6, 10, 12] },
    { id: 'pix', flow: 'qr', label: 'Pix' },
    { id: 'boleto', flow: 'voucher', label: 'Boleto' },
    { id: 'mercadopago', flow: 'redirect', label: 'Mercado Pago' },
    { id: 'google_pay', flow: 'wallet', label: 'Google Pay' },
  ];
  const lines = Array.from({ length: 10 }, (_, i) => ({
    id: `l${i + 1}`,
    productId: `sku-${1000 + i}`,
    name: `Product number ${i + 1}`,
    quantity: 1 + (i % 3),
    unitPrice: 1990 + i * 1500,
    category: ['apparel', 'shoes', 'home'][i % 3],
  }));
  const subtotal = lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0);
  const coupons = [
    { code: 'WELCOME10', label: '10% off your first order', class: 'order', kind: { type: 'percentage', bps: 1000 }, conditions: { firstOrder: true } },
    { code: 'SAVE20', class: 'order', kind: { type: 'fixed', amount: 2000 }, conditions: { minSubtotal: 10_000 }, combinesWith: { shipping: true } },
    { code: 'FRETEGRATIS', class: 'shipping', kind: { type: 'free_shipping' }, combinesWith: { order: true, product: true } },
    { code: 'SHOES15', class: 'product', kind: { type: 'percentage', bps: 1500 }, conditions: { categories: ['shoes'] }, maxDiscount: 5000 },
    { code: 'PIX5', class: 'order', kind: { type: 'percentage', bps: 500 }, conditions: { methods: ['pix'], startsAt: 1_700_000_000, endsAt: 1_900_000_000 } },
    { code: 'LEVE3', class: 'product', kind: { type: 'buy_x_get_y', buy: 2, get: 1, bps: 10_000 }, conditions: { productIds: ['sku-1001', 'sku-1004'] } },
  ];
  const quote = (method?: string) => ({
    currency: 'BRL',
    ...(method ? { method } : {}),
    subtotal,
    shipping: 1990,
    discount: 3990,
    total: subtotal + 1990 - 3990,
    applied: [
      { code: 'SAVE20', class: 'order', amount: 2000 },
      { code: 'FRETEGRATIS', class: 'shipping', amount: 1990 },
    ],
    rejected: [
      { code: 'WELCOME10', reason: 'not_best' },
      { code: 'SHOES15', reason: 'does_not_combine' },
      { code: 'PIX5', reason: method === 'pix' ? 'not_best' : 'method_not_eligible' },
      { code: 'LEVE3', reason: 'does_not_combine' },
    ],
  });
  const perMethod = (vals: number[]) => methods.map((m, i) => ({ method: m.id, value: vals[i] ?? 0 }));
  return {
    status: 'ok',
    session: {
      id: 'cs_4f9a1c2e7b7d4e0f9a3b',
      merchantId: 'loja-exemplo',
      currency: 'BRL',
      country: 'BR',
      locale: 'pt-BR',
      lines,
      shipping: 1990,
      methods,
      savedMethods: [{ id: 'pm_saved_1', method: 'card', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 }],
      coupons,
      firstOrder: false,
      shopperRef: 'shopper_8812',
      tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB', kid: 'key-2025-01', alg: 'RSA-OAEP-256', use: 'enc' } },
      priors: { shares: perMethod([0.31, 0.48, 0.09, 0.07, 0.05]), successRates: perMethod([0.86, 0.97, 0.71, 0.9, 0.93]) },
      displayCurrency: { currency: 'USD', rate: 0.18 },
      quote: quote(),
      methodQuotes: methods.map((m) => quote(m.id)),
      expiresAt: 1_900_000_000,
    },
  };
}

export const PAYMENT_REPLIES: unknown[] = [
  { status: 'succeeded', paymentId: 'pay_0a1b2c3d', orderId: 'ord_1001', amount: { amount: 54_000, currency: 'BRL' }, savedMethodId: 'pm_saved_2' },
  { status: 'requires_action', paymentId: 'pay_0a1b2c3d', amount: { amount: 51_300, currency: 'BRL' }, action: { type: 'qr', payload: '00020126580014br.gov.bcb.pix0136'.padEnd(180, '0'), expiresAt: 1_900_000_000 } },
  { status: 'requires_action', paymentId: 'pay_0a1b2c3d', amount: { amount: 54_000, currency: 'BRL' }, action: { type: 'challenge', url: 'https://acs.example.com/3ds/challenge/abc', origin: 'https://acs.example.com' } },
  { status: 'failed', paymentId: 'pay_0a1b2c3d', code: 'card_declined', retryable: true, message: 'Your card was declined. Try another card or payment method.' },
];


import type { PaymentMethod } from '../protocol/index';

/**
 * The wallet methods this browser cannot pay with. A PaymentRequest for a URL-based method makes
 * the browser fetch that method's manifest at once, shopper gesture or not: it is only built for
 * an origin the page allows (`allowedOrigins`). Asked before the checkout is first drawn, so a
 * wallet never appears and then vanishes (a layout shift).
 */
export async function unavailableWallets(methods: readonly PaymentMethod[], currency: string, allowedOrigins: readonly string[]): Promise<string[]> {
  const unavailable: string[] = [];
  for (const m of methods) {
    if (m.flow !== 'wallet') continue;
    const req = m.paymentRequest;
    let ok = false;
    try {
      const origin = req?.supportedMethods.startsWith('https:') ? new URL(req.supportedMethods).origin : '';
      ok = !!req && (!origin || allowedOrigins.includes(origin)) && 'PaymentRequest' in window && (await new PaymentRequest([req], { total: { label: '-', amount: { currency, value: '0' } } }).canMakePayment());
    } catch {
      ok = false;
    }
    if (!ok) unavailable.push(m.id);
  }
  return unavailable;
}

import type { Coupon, PaymentMethod } from '../src/protocol/index';

/** The demo shop's own prices (minor units per currency): the server never takes prices from the browser. */
export const PRODUCTS: Record<string, { name: string; category: string; prices: Record<string, number> }> = {
  'tee-classic': { name: 'Classic tee', category: 'apparel', prices: { USD: 2500, EUR: 2300, BRL: 12900, CNY: 12800, JPY: 3200, KWD: 7500, INR: 199900, MXN: 44900 } },
  'mug-enamel': { name: 'Enamel mug', category: 'home', prices: { USD: 1400, EUR: 1300, BRL: 6990, CNY: 6800, JPY: 1800, KWD: 4250, INR: 99900, MXN: 24900 } },
  'socks-wool': { name: 'Wool socks', category: 'apparel', prices: { USD: 1200, EUR: 1100, BRL: 5490, CNY: 5900, JPY: 1500, KWD: 3600, INR: 69900, MXN: 19900 } },
  // A recurring purchase: a cart of top-ups only is a bill to the ranking (session `context`).
  'topup-mobile': { name: 'Mobile top-up', category: 'top_up', prices: { USD: 2000, EUR: 2000, BRL: 5000, CNY: 10000, JPY: 3000, KWD: 5000, INR: 50000, MXN: 20000 } },
};

/**
 * What the demo merchant tells the widget about the checkout (Session `context`): always online;
 * a cart of top-ups only is recurring, sold under the telecom MCC 4814, anything else under 5651
 * (clothing).
 */
export function demoContext(categories: readonly string[]): { channel: 'online'; recurring: boolean; merchantCategory: string } {
  const bill = categories.length > 0 && categories.every((c) => c === 'top_up');
  return { channel: 'online', recurring: bill, merchantCategory: bill ? '4814' : '5651' };
}

export const SHIPPING: Record<string, number> = { USD: 500, EUR: 490, BRL: 1990, CNY: 1000, JPY: 600, KWD: 1500, INR: 9900, MXN: 9900 };

/** Rates the demo merchant shows a second currency with (display only, labelled an estimate). */
export const DISPLAY_RATES: Record<string, { currency: string; rate: number }> = {
  BRL: { currency: 'USD', rate: 0.18 },
  JPY: { currency: 'USD', rate: 0.0067 },
  KWD: { currency: 'USD', rate: 3.26 },
  CNY: { currency: 'USD', rate: 0.14 },
};

export const COUNTRY_DEFAULTS: Record<string, { currency: string; locale: string }> = {
  US: { currency: 'USD', locale: 'en-US' },
  NL: { currency: 'EUR', locale: 'nl-NL' },
  BR: { currency: 'BRL', locale: 'pt-BR' },
  CN: { currency: 'CNY', locale: 'zh-CN' },
  JP: { currency: 'JPY', locale: 'ja-JP' },
  KW: { currency: 'KWD', locale: 'ar-KW' },
  IN: { currency: 'INR', locale: 'en-IN' },
  MX: { currency: 'MXN', locale: 'es-MX' },
};

const card: PaymentMethod = { id: 'card', flow: 'card', label: 'Card', brands: ['visa', 'mastercard', 'amex', 'discover', 'diners', 'jcb', 'unionpay', 'maestro', 'elo', 'hipercard', 'mir'] };

/** A wallet through the Payment Request API: offered only where the browser can pay with it. */
const GOOGLE_PAY: PaymentMethod = {
  id: 'wallet',
  flow: 'wallet',
  label: 'Google Pay',
  paymentRequest: {
    supportedMethods: 'https://google.com/pay',
    data: { environment: 'TEST', apiVersion: 2, apiVersionMinor: 0, merchantInfo: { merchantName: 'Till demo store' }, allowedPaymentMethods: [{ type: 'CARD', parameters: { allowedAuthMethods: ['PAN_ONLY', 'CRYPTOGRAM_3DS'], allowedCardNetworks: ['VISA', 'MASTERCARD'] }, tokenizationSpecification: { type: 'PAYMENT_GATEWAY', parameters: { gateway: 'example', gatewayMerchantId: 'till-demo' } } }] },
  },
};

/** Methods offered per country (the demo's stand-in for a merchant's payment configuration). */
export const METHODS: Record<string, PaymentMethod[]> = {
  US: [card, GOOGLE_PAY, { id: 'paypal', flow: 'redirect', label: 'PayPal' }, { id: 'klarna', flow: 'redirect', label: 'Klarna', installments: [1, 4] }],
  NL: [card, { id: 'ideal', flow: 'redirect', label: 'iDEAL' }, { id: 'klarna', flow: 'redirect', label: 'Klarna' }],
  BR: [{ ...card, installments: [1, 2, 3, 6, 12] }, { id: 'pix', flow: 'qr', label: 'PIX' }, { id: 'boleto', flow: 'voucher', label: 'Boleto' }],
  CN: [card, { id: 'alipay', flow: 'qr', label: 'Alipay' }, { id: 'wechat_pay', flow: 'qr', label: 'WeChat Pay' }, { id: 'unionpay_qr', flow: 'qr', label: 'UnionPay QR' }],
  JP: [card, { id: 'konbini', flow: 'voucher', label: 'Konbini' }, { id: 'paypay', flow: 'qr', label: 'PayPay' }],
  KW: [card],
  IN: [card, { id: 'upi', flow: 'qr', label: 'UPI' }, { id: 'netbanking', flow: 'redirect', label: 'Netbanking' }],
  MX: [card, { id: 'oxxo', flow: 'voucher', label: 'OXXO' }],
};

/** The merchant's method shares per country (what the demo shop has seen across all its shoppers). */
export const PRIORS: Record<string, Record<string, number>> = {
  US: { card: 0.55, wallet: 0.12, paypal: 0.25, klarna: 0.08 },
  BR: { pix: 0.48, card: 0.36, boleto: 0.16 },
  CN: { alipay: 0.52, wechat_pay: 0.38, card: 0.06, unionpay_qr: 0.04 },
  JP: { card: 0.55, konbini: 0.25, paypay: 0.2 },
  NL: { ideal: 0.7, card: 0.2, klarna: 0.1 },
  IN: { upi: 0.6, card: 0.25, netbanking: 0.15 },
  MX: { card: 0.6, oxxo: 0.4 },
};

/** Coupons offered to every demo shopper (issue: best-combination auto-apply). */
export function demoCoupons(currency: string): Coupon[] {
  const tenOff = { USD: 1000, EUR: 1000, BRL: 5000, CNY: 5000, JPY: 1000, KWD: 3000, INR: 50000, MXN: 20000 }[currency] ?? 1000;
  const minOrder = (SHIPPING[currency] ?? 500) * 8;
  return [
    { code: 'WELCOME10', label: '10% off your order', class: 'order', kind: { type: 'percentage', bps: 1000 }, combinesWith: { shipping: true, product: true } },
    { code: 'SAVEFIXED', label: 'Fixed discount on orders over the minimum', class: 'order', kind: { type: 'fixed', amount: tenOff }, conditions: { minSubtotal: minOrder }, combinesWith: { shipping: true, order: true } },
    { code: 'FREESHIP', label: 'Free shipping', class: 'shipping', kind: { type: 'free_shipping' }, combinesWith: { order: true, product: true } },
    { code: 'PIX5', label: '5% off with PIX', class: 'order', kind: { type: 'percentage', bps: 500 }, conditions: { methods: ['pix'] }, combinesWith: { order: true, shipping: true } },
  ];
}

/** Codes a shopper can type that are not pushed to them. */
export function hiddenCoupon(code: string, now: number): Coupon | undefined {
  if (code === 'SOCKS2FOR1') return { code, class: 'product', kind: { type: 'buy_x_get_y', buy: 1, get: 1, bps: 10000 }, conditions: { productIds: ['socks-wool'] }, combinesWith: { order: true, shipping: true } };
  if (code === 'SUMMER22') return { code, class: 'order', kind: { type: 'percentage', bps: 2000 }, conditions: { endsAt: now - 86_400 } };
  return undefined;
}

/**
 * Shopper-facing strings. English ships in the script tag. Failure texts come from the server's
 * shopper-safe `message` (or the store, for network problems); a locale may override any of them
 * with a `fail.<code>` key, since codes are typed by the protocol.
 */
const en = {
  loading: 'Loading checkout…',
  unavailable: 'Checkout is unavailable right now.',
  retry: 'Try again',
  orderSummary: 'Order summary',
  subtotal: 'Subtotal',
  shipping: 'Shipping',
  discount: 'Discounts',
  total: 'Total',
  estimate: '≈ {amount} (estimate)',
  quantity: 'Qty {n}',
  paymentMethod: 'Payment method',
  cardDetails: 'Card details',
  cardNumber: 'Card number',
  expiry: 'Expiry (MM / YY)',
  cvc: 'Security code',
  nameOnCard: 'Name on card',
  payAmount: 'Pay {amount}',
  payAmountWith: 'Pay {amount} with {method}',
  paying: 'Processing…',
  secure: 'Card details are encrypted in your browser before they are sent.',
  succeeded: 'Payment complete',
  orderRef: 'Order {id}',
  paidAmount: 'Paid {amount}',
  verifying: 'Verify this payment with your bank',
  coupons: 'Discounts',
  couponCode: 'Discount code',
  apply: 'Apply',
  remove: 'Remove {code}',
  codeApplied: '{code} applied',
  passkeyOffer: 'Use a passkey to confirm future payments',
  passkeySaved: 'Passkey saved',
  tryInstead: 'Pay with {method} instead',
  installments: 'Installments',
  installmentOption: '{n} × {amount}',
  payInFull: 'Pay in full',
  otherMethods: 'Other ways to pay',
  saveCard: 'Save this card for faster checkout next time',
  expired: 'Expired',
  'why.usual_bills': 'You usually pay bills by {method}',
  'why.usual_in_person': 'You usually pay in person by {method}',
  'why.usual_online': 'You usually pay online by {method}',
  'why.usual_category': 'You usually pay by {method} at shops like this',
  'why.used_last_n': 'You used {method} the last {n} times',
  'why.used_last_1': 'You used {method} last time',
  'why.used_before': 'You have used {method} before',
  'why.saves': 'Save {amount}',
  'why.saved_method': 'Saved',
  'why.popular_in_region': 'Popular here',
  'err.number.empty': 'Enter your card number.',
  'err.number.incomplete': 'Your card number is incomplete.',
  'err.number.invalid': 'Your card number is invalid.',
  'err.number.unsupported': 'This card brand is not accepted here.',
  'err.expiry.empty': 'Enter the expiry date.',
  'err.expiry.invalid': 'Enter a valid expiry date (MM / YY).',
  'err.expiry.expired': 'This card has expired.',
  'err.cvc.invalid': 'Enter the {n}-digit security code.',
  'fail.price_changed': 'The total has changed to {amount}. Check it and pay again to confirm.',
} as const;

/** Keys of strings that ship with the on-demand action screens (see components/payment-action). */
export type ActionMessageKey =
  | 'qrTitle' | 'qrAlt' | 'expiresIn' | 'waitingForPayment' | 'copyCode' | 'copied' | 'voucherTitle'
  | 'payBy' | 'print' | 'passkeyPrompt' | 'passkeyConfirm' | 'redirecting' | 'challengeTitle' | 'cancel';

export type MessageKey = keyof typeof en | ActionMessageKey | `fail.${string}` | `why.code.${string}`;
export type Messages = Record<MessageKey, string>;

const catalogs: Record<string, Partial<Messages>> = { en };

/** Adds or extends a locale (the npm build can register more; the script tag ships English). */
export function registerMessages(locale: string, messages: Partial<Messages>, asDefaults = false): void {
  // Defaults (texts shipped with an on-demand chunk) never replace what a merchant registered.
  catalogs[locale] = asDefaults ? { ...messages, ...catalogs[locale] } : { ...catalogs[locale], ...messages };
}

/** Whether the locale (or its language) has a text for the key. */
export function hasMessage(locale: string, key: MessageKey): boolean {
  const lang = locale.split('-')[0] ?? 'en';
  return !!(catalogs[locale]?.[key] ?? catalogs[lang]?.[key] ?? catalogs.en?.[key]);
}

export function t(locale: string, key: MessageKey, params: Record<string, string | number> = {}): string {
  const lang = locale.split('-')[0] ?? 'en';
  const text = catalogs[locale]?.[key] ?? catalogs[lang]?.[key] ?? catalogs.en?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

/** Locales with a catalog beyond English (loaded on demand). */
export const LOCALES = ['zh-CN', 'zh-TW', 'ja', 'ko', 'pt-BR', 'es', 'fr', 'de'] as const;

/**
 * The catalog to load for a BCP 47 tag: an exact match, else by language (`ja-JP` → `ja`,
 * `es-MX` → `es`, `pt-PT` → `pt-BR`, `zh-HK`/`zh-Hant…` → `zh-TW`, other `zh` → `zh-CN`), else
 * undefined (English).
 */
export function catalogFor(tag: string): (typeof LOCALES)[number] | undefined {
  const exact = LOCALES.find((l) => l.toLowerCase() === tag.toLowerCase());
  if (exact) return exact;
  const [lang = '', ...rest] = tag.split('-');
  if (lang === 'zh') return rest.some((p) => /^(TW|HK|MO|Hant)$/i.test(p)) ? 'zh-TW' : 'zh-CN';
  if (lang === 'pt') return 'pt-BR';
  return LOCALES.find((l) => l === lang);
}

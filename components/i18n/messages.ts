/**
 * Shopper-facing strings. English ships in the script tag; failure messages are keyed by the
 * protocol's typed codes so a decline reads the same in every backend.
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
  challengeTitle: 'Verify your payment',
  cancel: 'Cancel',
  otherMethods: 'Other ways to pay',
  saveCard: 'Save this card for faster checkout next time',
  expired: 'Expired',
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
  'fail.card_declined': 'Your card was declined. Try another card or payment method.',
  'fail.insufficient_funds': 'Your card has insufficient funds. Try another card or payment method.',
  'fail.invalid_card': 'The card number is not valid. Check it and try again.',
  'fail.expired_card': 'This card has expired. Use another card.',
  'fail.incorrect_cvc': 'The security code is incorrect.',
  'fail.price_changed': 'The total has changed to {amount}. Check it and pay again to confirm.',
  'fail.network': 'We lost the connection before hearing back. Press pay again to check and finish; you will not be charged twice.',
  'fail.timeout': 'The payment service did not answer in time. Press pay again to check and finish; you will not be charged twice.',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

const catalogs: Record<string, Partial<Messages>> = { en };

/** Adds or extends a locale (the npm build can register more; the script tag ships English). */
export function registerMessages(locale: string, messages: Partial<Messages>): void {
  catalogs[locale] = { ...catalogs[locale], ...messages };
}

export function hasMessage(key: string): key is MessageKey {
  return key in en;
}

export function t(locale: string, key: MessageKey, params: Record<string, string | number> = {}): string {
  const lang = locale.split('-')[0] ?? 'en';
  const text = catalogs[locale]?.[key] ?? catalogs[lang]?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

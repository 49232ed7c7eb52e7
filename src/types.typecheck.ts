/**
 * Type tests (compiled by `tsc --noEmit` in `npm test`, never run): each `@ts-expect-error` marks
 * a misuse that must not compile. If one of them starts compiling, the typecheck fails.
 */
import type { Money, PaymentReply, PayRequest } from './protocol/index';
import type { TillCheckout } from '../components/checkout/checkout';

export const money: Money = { amount: 1999, currency: 'USD' };
// @ts-expect-error amounts are integer minor units, never decimal strings
export const decimalMoney: Money = { amount: '19.99', currency: 'USD' };

// @ts-expect-error a card number in clear is not a payment source
export const clearCard: PayRequest['source'] = { type: 'card', number: '4242424242424242' };
export const encrypted: PayRequest['source'] = { type: 'card_jwe', jwe: 'a.b.c.d.e' };

export function readReply(r: PaymentReply): string {
  if (r.status === 'failed') {
    // @ts-expect-error only a succeeded reply carries an order id
    void r.orderId;
    return r.code;
  }
  return r.status === 'succeeded' ? r.orderId : r.status;
}

export function listen(el: TillCheckout): void {
  el.addEventListener('till-payment-succeeded', (e) => {
    const orderId: string = e.detail.result.orderId;
    // @ts-expect-error events never carry card data
    void e.detail.result.card;
    void orderId;
  });
  el.addEventListener('till-payment-failed', (e) => {
    const code: string = e.detail.failure.code;
    void code;
  });
}

// @ts-expect-error elements are registered under till-* names only
export const wrongTag: TillCheckout = document.createElement('till-chekout');

/**
 * Till pricing: quotes a cart with coupons, and finds the best coupon combination. The same code
 * runs in the widget and on the server, so the client's displayed total is the charged total.
 * Rules: engine.ts. Optimizer: optimize.ts. Rounding: ../money/rounding.ts.
 */
import type { CartLine, Quote } from '../../protocol/session';
import type { Coupon, CouponRejection } from '../../protocol/coupon';
import { exponentOf } from '../money/money';
import type { Cart, Prep } from './engine';
import { cartOf, combines, evaluate, prepare } from './engine';
import { optimize } from './optimize';

export interface PricingInput {
  currency: string; // ISO 4217
  lines: readonly CartLine[]; // unitPrice, quantity in minor units
  shipping: number; // shipping fee before discounts, minor units
  coupons: readonly Coupon[]; // every coupon known for this session (offered + resolved typed codes)
  firstOrder: boolean;
  now: number; // unix seconds
}

type Rejected = Quote['rejected'][number];

function setup(input: PricingInput, method: string | undefined): { cart: Cart; preps: Prep[] } {
  exponentOf(input.currency); // throws MoneyError on an unknown currency
  const cart = cartOf(input.lines, input.shipping);
  return { cart, preps: prepare(input.coupons, input.lines, cart, input, method) };
}

function quote(input: PricingInput, cart: Cart, preps: readonly Prep[], member: Uint8Array, method: string | undefined, rejected: Rejected[]): Quote {
  const amounts: number[] = [];
  const discount = evaluate(preps, cart, member, amounts);
  const applied: Quote['applied'] = [];
  preps.forEach((p, i) => {
    if (!member[i]) return;
    const amount = amounts[i] ?? 0;
    // A coupon that adds nothing is dropped; this never changes the others' discounts, since a
    // zero step leaves every base it would have reduced untouched.
    if (amount > 0) applied.push({ code: p.code, class: p.coupon.class, amount });
    else rejected.push({ code: p.code, reason: 'no_saving' });
  });
  const q: Quote = {
    currency: input.currency,
    subtotal: cart.subtotal,
    shipping: cart.shipping,
    discount,
    total: cart.subtotal + cart.shipping - discount,
    applied,
    rejected,
  };
  if (method !== undefined) q.method = method;
  return q;
}

/** Prices exactly this set of codes for this method (server-authoritative). Codes that are unknown/invalid/conflicting are not applied and appear in quote.rejected with their reason. */
export function priceWith(input: PricingInput, codes: readonly string[], method?: string): Quote {
  const { cart, preps } = setup(input, method);
  const exact = new Map<string, number>();
  const folded = new Map<string, number>();
  preps.forEach((p, i) => {
    exact.set(p.code, i);
    const lower = p.code.toLowerCase();
    if (!folded.has(lower)) folded.set(lower, i);
  });
  const member = new Uint8Array(preps.length);
  const accepted: Prep[] = [];
  const rejected: Rejected[] = [];
  for (const raw of codes) {
    // Shoppers type codes in any case; an exact match wins over a case-folded one.
    const i = exact.get(raw) ?? folded.get(raw.toLowerCase());
    const p = i === undefined ? undefined : preps[i];
    if (i === undefined || !p) {
      rejected.push({ code: raw.slice(0, 200), reason: 'unknown_code' });
      continue;
    }
    if (member[i] || rejected.some((r) => r.code === p.code)) continue; // repeated code
    let reason: CouponRejection | undefined = p.reason;
    // First come, first served: a code conflicting with one accepted earlier is refused.
    if (!reason && accepted.some((a) => !combines(a.coupon, p.coupon))) reason = 'does_not_combine';
    if (reason) rejected.push({ code: p.code, reason });
    else {
      member[i] = 1;
      accepted.push(p);
    }
  }
  return quote(input, cart, preps, member, method, rejected);
}

/** The best (largest saving) valid combination of input.coupons for this method, exact, deterministic tie-break; every unused coupon appears in rejected with a reason ('not_best' when valid but not chosen). */
export function bestQuote(input: PricingInput, method?: string): Quote {
  const { cart, preps } = setup(input, method);
  const member = new Uint8Array(preps.length);
  for (const i of optimize(preps, cart)) member[i] = 1;
  const rejected = preps
    .filter((_, i) => !member[i])
    .sort((a, b) => a.order - b.order)
    .map((p): Rejected => ({ code: p.code, reason: p.reason ?? (p.standalone > 0 ? 'not_best' : 'no_saving') }));
  return quote(input, cart, preps, member, method, rejected);
}

/** Best quote per payment method (for "Save R$12.40 with PIX"). */
export function bestQuotePerMethod(input: PricingInput, methods: readonly string[]): Record<string, Quote> {
  const out: Record<string, Quote> = {};
  for (const m of methods) out[m] = bestQuote(input, m);
  return out;
}

/** The pricing input for a session: its cart and offered coupons, plus any codes the shopper typed. */
export function sessionPricingInput(
  session: Pick<import('../../protocol/session').Session, 'currency' | 'lines' | 'shipping' | 'coupons' | 'firstOrder'>,
  now: number,
  typed: readonly Coupon[] = [],
): PricingInput {
  return { currency: session.currency, lines: session.lines, shipping: session.shipping, coupons: [...session.coupons, ...typed], firstOrder: session.firstOrder, now };
}

/**
 * Coupon pricing rules, shared verbatim by the browser bundle and the server so the total the
 * shopper sees is the total the server charges.
 *
 * Rules (the optimizer's exactness depends on them; see the proof sketch in optimize.ts):
 * - Conditions are checked against the cart as given, before any discount: validity window
 *   (`startsAt ≤ now < endsAt`, unix seconds; `endsAt` is the first second it no longer works),
 *   first order, payment method (a restricted coupon never applies when no method is chosen),
 *   `minSubtotal` against the undiscounted subtotal, and product filters (a line is eligible if its
 *   productId is in `productIds` or its category in `categories`; empty or absent lists = all).
 *   For order and shipping coupons the product filters only require an eligible item in the cart.
 * - Phases: line discounts first (product class, and every buy-X-get-Y), then order discounts on
 *   the reduced subtotal, then shipping discounts (shipping class, and every free-shipping kind)
 *   on the shipping fee. Within a phase: buy-X-get-Y, then percentage, then fixed (percentages
 *   before fixed amounts is the order that favours the shopper), then by code.
 * - Line discounts are each computed on undiscounted prices (so they do not depend on what else is
 *   applied) and spread over their eligible lines by largest remainder; a line never goes below
 *   zero — when stacked discounts exceed a line, later coupons in phase order get less.
 *   Percentage and fixed product coupons apply once to the eligible lines' total; buy-X-get-Y
 *   discounts the cheapest `get` units of every `buy + get` units of one eligible product.
 * - Order and shipping discounts apply in sequence to what remains (never below zero).
 * - `maxDiscount` caps one coupon's discount.
 * - Two coupons combine only if each one's `combinesWith` allows the other's class. This also
 *   gives "at most one product discount per line unless both allow it".
 */
import type { CartLine } from '../../protocol/session';
import type { Coupon, CouponClass, CouponRejection } from '../../protocol/coupon';
import { allocate, percentOf } from '../money/rounding';

export interface Cart {
  gross: number[];
  subtotal: number;
  shipping: number;
}

/** A coupon checked against one cart and payment method. */
export interface Prep {
  coupon: Coupon;
  code: string;
  /** Position in the caller's coupon list, for stable reporting order. */
  order: number;
  /** 0 = lines, 1 = order subtotal, 2 = shipping. */
  phase: 0 | 1 | 2;
  /** Phase 0 only: the discount per line on undiscounted prices, as parallel sparse arrays. */
  lineIdx: number[];
  lineAmt: number[];
  /** The saving of this coupon alone; an upper bound on what it can add to any set. */
  standalone: number;
  reason: CouponRejection | undefined;
}

export function cartOf(lines: readonly CartLine[], shipping: number): Cart {
  const gross = lines.map((l) => l.unitPrice * l.quantity);
  const subtotal = gross.reduce((a, b) => a + b, 0);
  for (const n of [...gross, subtotal, shipping]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`amounts must be non-negative safe integers, got ${n}`);
  }
  return { gross, subtotal, shipping };
}

const KIND_RANK = { buy_x_get_y: 0, percentage: 1, fixed: 2, free_shipping: 3 } as const;

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical application order (see the rules above). */
export function canonical(a: Prep, b: Prep): number {
  return a.phase - b.phase || KIND_RANK[a.coupon.kind.type] - KIND_RANK[b.coupon.kind.type] || cmpStr(a.code, b.code);
}

export function combines(a: Coupon, b: Coupon): boolean {
  return allows(a, b.class) && allows(b, a.class);
}

function allows(c: Coupon, cls: CouponClass): boolean {
  return c.combinesWith?.[cls] === true;
}

function eligibleLines(c: Coupon, lines: readonly CartLine[]): number[] {
  const ids = c.conditions?.productIds ?? [];
  const cats = c.conditions?.categories ?? [];
  const out: number[] = [];
  lines.forEach((l, i) => {
    if ((!ids.length && !cats.length) || ids.includes(l.productId) || (l.category !== undefined && cats.includes(l.category))) out.push(i);
  });
  return out;
}

function cap(c: Coupon, amount: number): number {
  return c.maxDiscount === undefined ? amount : Math.min(amount, c.maxDiscount);
}

/** The discount of a sequential (order or shipping) coupon on what remains of its base. */
export function stepAmount(c: Coupon, base: number): number {
  const k = c.kind;
  const raw = k.type === 'percentage' ? percentOf(base, k.bps) : k.type === 'fixed' ? k.amount : base;
  return Math.min(cap(c, raw), base);
}

export function prepare(
  coupons: readonly Coupon[],
  lines: readonly CartLine[],
  cart: Cart,
  ctx: { firstOrder: boolean; now: number },
  method: string | undefined,
): Prep[] {
  const seen = new Set<string>();
  const preps: Prep[] = [];
  coupons.forEach((coupon, order) => {
    // A repeated code is the same coupon twice: the first definition wins.
    if (seen.has(coupon.code)) return;
    seen.add(coupon.code);
    const k = coupon.kind;
    const phase = k.type === 'buy_x_get_y' ? 0 : k.type === 'free_shipping' ? 2 : coupon.class === 'product' ? 0 : coupon.class === 'order' ? 1 : 2;
    const p: Prep = { coupon, code: coupon.code, order, phase, lineIdx: [], lineAmt: [], standalone: 0, reason: undefined };
    preps.push(p);
    const cond = coupon.conditions ?? {};
    const elig = eligibleLines(coupon, lines);
    p.reason =
      cond.startsAt !== undefined && ctx.now < cond.startsAt ? 'not_started'
      : cond.endsAt !== undefined && ctx.now >= cond.endsAt ? 'expired'
      : cond.firstOrder === true && !ctx.firstOrder ? 'first_order_only'
      : cond.methods?.length && (method === undefined || !cond.methods.includes(method)) ? 'method_not_eligible'
      : cond.minSubtotal !== undefined && cart.subtotal < cond.minSubtotal ? 'min_subtotal_not_met'
      : elig.length === 0 ? 'no_eligible_items'
      : undefined;
    if (p.reason) return;
    if (phase === 1) p.standalone = stepAmount(coupon, cart.subtotal);
    else if (phase === 2) p.standalone = stepAmount(coupon, cart.shipping);
    else {
      // Weights: what the coupon discounts on each eligible line, before the percentage.
      let weights: number[];
      if (k.type === 'buy_x_get_y') {
        weights = elig.map(() => 0);
        const groups = new Map<string, number[]>();
        elig.forEach((li, j) => {
          const id = lines[li]?.productId ?? '';
          const g = groups.get(id);
          if (g) g.push(j);
          else groups.set(id, [j]);
        });
        for (const g of groups.values()) {
          // Cheapest units first; equal prices by line order, so the choice is deterministic.
          g.sort((a, b) => (lines[elig[a] ?? 0]?.unitPrice ?? 0) - (lines[elig[b] ?? 0]?.unitPrice ?? 0) || a - b);
          const units = g.reduce((n, j) => n + (lines[elig[j] ?? 0]?.quantity ?? 0), 0);
          let free = Math.floor(units / (k.buy + k.get)) * k.get;
          for (const j of g) {
            const line = lines[elig[j] ?? 0];
            if (!line || free === 0) break;
            const take = Math.min(free, line.quantity);
            weights[j] = take * line.unitPrice;
            free -= take;
          }
        }
      } else {
        weights = elig.map((li) => cart.gross[li] ?? 0);
      }
      const base = weights.reduce((a, b) => a + b, 0);
      const raw = k.type === 'fixed' ? k.amount : k.type === 'free_shipping' ? base : percentOf(base, k.bps);
      const amount = Math.min(base, cap(coupon, raw));
      // Shares never exceed their weight (amount ≤ base), so one coupon alone never overdraws a line.
      allocate(amount, weights).forEach((a, j) => {
        if (a > 0) {
          p.lineIdx.push(elig[j] ?? 0);
          p.lineAmt.push(a);
        }
      });
      p.standalone = amount;
    }
  });
  return preps.sort(canonical);
}

/**
 * Total saving of the coupons whose index (in canonical order) is marked in `member`, applied in
 * canonical order. Writes each coupon's own discount into `amounts` when given.
 */
export function evaluate(preps: readonly Prep[], cart: Cart, member: Uint8Array, amounts?: number[]): number {
  let rem: number[] | undefined;
  let base = cart.subtotal;
  let ship = cart.shipping;
  for (let i = 0; i < preps.length; i++) {
    if (!member[i]) continue;
    const p = preps[i];
    if (!p) continue;
    let a = 0;
    if (p.phase === 0) {
      rem ??= cart.gross.slice();
      for (let j = 0; j < p.lineIdx.length; j++) {
        const li = p.lineIdx[j] ?? 0;
        const take = Math.min(p.lineAmt[j] ?? 0, rem[li] ?? 0);
        rem[li] = (rem[li] ?? 0) - take;
        a += take;
      }
      base -= a;
    } else if (p.phase === 1) {
      a = stepAmount(p.coupon, base);
      base -= a;
    } else {
      a = stepAmount(p.coupon, ship);
      ship -= a;
    }
    if (amounts) amounts[i] = a;
  }
  return cart.subtotal - base + (cart.shipping - ship);
}

import * as z from 'zod/mini';
import { Id, MethodId, MinorUnits, ShortText } from './common';

/**
 * Coupon classes, as Shopify names them: product discounts apply to lines, order discounts to
 * the (already product-discounted) subtotal, shipping discounts to the shipping fee, last.
 */
export const CouponClass = z.enum(['product', 'order', 'shipping']);
export type CouponClass = z.infer<typeof CouponClass>;

/** Percentages travel as basis points (1% = 100 bps) so no float ever reaches pricing. */
const BasisPoints = z.int().check(z.minimum(1), z.maximum(10_000));

export const CouponKind = z.discriminatedUnion('type', [
  z.object({ type: z.literal('percentage'), bps: BasisPoints }),
  z.object({ type: z.literal('fixed'), amount: MinorUnits }),
  z.object({ type: z.literal('free_shipping') }),
  /** Buy `buy` units of an eligible product, get `get` more of the same at `bps` off (10000 = free). */
  z.object({
    type: z.literal('buy_x_get_y'),
    buy: z.int().check(z.minimum(1), z.maximum(100)),
    get: z.int().check(z.minimum(1), z.maximum(100)),
    bps: BasisPoints,
  }),
]);
export type CouponKind = z.infer<typeof CouponKind>;

export const Coupon = z.object({
  code: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/)),
  label: z.optional(ShortText),
  class: CouponClass,
  kind: CouponKind,
  /** Which classes this coupon may be combined with (absent = none). */
  combinesWith: z.optional(
    z.object({
      product: z.optional(z.boolean()),
      order: z.optional(z.boolean()),
      shipping: z.optional(z.boolean()),
    }),
  ),
  conditions: z.optional(
    z.object({
      minSubtotal: z.optional(MinorUnits),
      productIds: z.optional(z.array(Id).check(z.maxLength(200))),
      categories: z.optional(z.array(Id).check(z.maxLength(50))),
      methods: z.optional(z.array(MethodId).check(z.maxLength(20))),
      firstOrder: z.optional(z.boolean()),
      /** Unix seconds. */
      startsAt: z.optional(z.int()),
      endsAt: z.optional(z.int()),
    }),
  ),
  maxDiscount: z.optional(MinorUnits),
});
export type Coupon = z.infer<typeof Coupon>;

/** Why a coupon was not used. */
export const CouponRejection = z.enum([
  'unknown_code',
  'expired',
  'not_started',
  'min_subtotal_not_met',
  'no_eligible_items',
  'method_not_eligible',
  'first_order_only',
  'does_not_combine',
  'no_saving',
  'not_best',
]);
export type CouponRejection = z.infer<typeof CouponRejection>;

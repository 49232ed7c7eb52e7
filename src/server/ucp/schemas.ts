/**
 * The parts of the Universal Commerce Protocol's checkout capability (release 2026-08-25 of
 * github.com/Universal-Commerce-Protocol/ucp, REST binding) that this server reads, as zod schemas.
 */
import * as z from 'zod/mini';
import { Coupon, Id } from '../../protocol/index';

export const UCP_VERSION = '2026-08-25';

const Text = (max = 200) => z.string().check(z.maxLength(max));

const LineItemIn = z.object({
  id: z.optional(Id),
  item: z.object({ id: Id }),
  quantity: z.int().check(z.minimum(1), z.maximum(999)),
});

const Buyer = z.object({
  first_name: z.optional(Text()),
  last_name: z.optional(Text()),
  email: z.optional(Text(320)),
  phone_number: z.optional(Text(32)),
});

const Context = z.object({
  address_country: z.optional(z.string().check(z.regex(/^[A-Za-z]{2}$/))),
  currency: z.optional(z.string().check(z.regex(/^[A-Za-z]{3}$/))),
  language: z.optional(Text(35)),
});

/** Create, and Update (a full replacement: what is not sent is cleared). */
export const UcpCheckoutRequest = z.object({
  line_items: z.array(LineItemIn).check(z.minLength(1), z.maxLength(200)),
  buyer: z.optional(Buyer),
  context: z.optional(Context),
  discounts: z.optional(z.object({ codes: z.array(Coupon.shape.code).check(z.maxLength(20)) })),
});
export type UcpCheckoutRequest = z.infer<typeof UcpCheckoutRequest>;

export const UcpCompleteRequest = z.object({
  payment: z.object({
    instruments: z
      .array(
        z.object({
          id: Text(128),
          handler_id: Text(128),
          type: Text(40),
          credential: z.optional(z.object({ type: Text(40), token: z.optional(z.string().check(z.minLength(1), z.maxLength(512))) })),
        }),
      )
      .check(z.minLength(1), z.maxLength(5)),
  }),
});

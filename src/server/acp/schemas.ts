/**
 * The parts of the Agentic Commerce Protocol (API-Version 2026-04-17, spec/2026-04-17 of
 * github.com/agentic-commerce-protocol/agentic-commerce-protocol) that this server reads, as zod
 * schemas. Unknown fields are ignored (the RFC asks servers to ignore them for forward
 * compatibility); what is read is bounded like every other input of the kit.
 */
import * as z from 'zod/mini';
import { Coupon, Id } from '../../protocol/index';
import type { AgentState } from '../agent-checkout';

export const ACP_VERSION = '2026-04-17';

const Text = (max = 200) => z.string().check(z.maxLength(max));

export const AcpAddress = z.object({
  name: Text(),
  line_one: Text(),
  line_two: z.optional(Text()),
  city: Text(),
  state: Text(),
  country: z.string().check(z.regex(/^[A-Za-z]{2}$/)),
  postal_code: Text(32),
  company: z.optional(Text()),
});

export const AcpFulfillmentDetails = z.object({
  name: z.optional(Text()),
  phone_number: z.optional(Text(32)),
  email: z.optional(Text(320)),
  address: z.optional(AcpAddress),
});

export const AcpBuyer = z.object({
  email: Text(320),
  first_name: z.optional(Text()),
  last_name: z.optional(Text()),
  full_name: z.optional(Text()),
  phone_number: z.optional(Text(32)),
});

/**
 * A requested item. The 2026-04-17 JSON Schema's `Item` has no `quantity`, while every example of
 * the spec sends one (and a later revision adds it): it is accepted, default 1.
 */
const AcpItem = z.object({ id: Id, quantity: z.optional(z.int().check(z.minimum(1), z.maximum(999))) });
const AcpItems = z.array(AcpItem).check(z.minLength(1), z.maxLength(200));

const AcpDiscounts = z.object({ codes: z.array(Coupon.shape.code).check(z.maxLength(20)) });

export const AcpCreateRequest = z.object({
  line_items: AcpItems,
  currency: z.string().check(z.regex(/^[A-Za-z]{3}$/)),
  capabilities: z.optional(z.looseObject({})),
  buyer: z.optional(AcpBuyer),
  fulfillment_details: z.optional(AcpFulfillmentDetails),
  discounts: z.optional(AcpDiscounts),
  locale: z.optional(Text(35)),
});
export type AcpCreateRequest = z.infer<typeof AcpCreateRequest>;

export const AcpUpdateRequest = z.object({
  line_items: z.optional(AcpItems),
  buyer: z.optional(AcpBuyer),
  fulfillment_details: z.optional(AcpFulfillmentDetails),
  selected_fulfillment_options: z.optional(z.array(z.object({ type: Text(40), option_id: Text(64), item_ids: z.array(Text(128)).check(z.maxLength(200)) })).check(z.maxLength(20))),
  /** Replaces previously submitted codes; an empty array clears them. */
  discounts: z.optional(AcpDiscounts),
});
export type AcpUpdateRequest = z.infer<typeof AcpUpdateRequest>;

export const AcpCompleteRequest = z.object({
  buyer: z.optional(AcpBuyer),
  payment_data: z.object({
    handler_id: Text(64),
    instrument: z.object({
      type: Text(40),
      credential: z.object({ type: Text(40), token: z.string().check(z.minLength(1), z.maxLength(512)) }),
    }),
    billing_address: z.optional(AcpAddress),
  }),
});
export type AcpCompleteRequest = z.infer<typeof AcpCompleteRequest>;

/** What the kit keeps on a session for ACP (SessionRecord.agentState). */
export type AcpState = AgentState & { protocol: 'acp' | 'ucp' };

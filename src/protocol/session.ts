import * as z from 'zod/mini';
import { Coupon, CouponClass, CouponRejection } from './coupon';
import { CardBrand, Country, Currency, Id, Locale, MethodId, MinorUnits, Money, ShortText, requestSchema } from './common';

export const CartLine = z.object({
  id: Id,
  productId: Id,
  name: ShortText,
  quantity: z.int().check(z.minimum(1), z.maximum(999)),
  /** Price of one unit in minor units of the session currency. */
  unitPrice: MinorUnits,
  category: z.optional(Id),
});
export type CartLine = z.infer<typeof CartLine>;

/** How a method collects money; decides which UI and which `requires_action` types apply. */
export const MethodFlow = z.enum(['card', 'qr', 'redirect', 'voucher', 'wallet', 'bank_transfer']);
export type MethodFlow = z.infer<typeof MethodFlow>;

export const PaymentMethod = z.object({
  id: MethodId,
  flow: MethodFlow,
  label: ShortText,
  /** Card brands accepted (card flow only). */
  brands: z.optional(z.array(CardBrand)),
  /**
   * Wallet flow: the Payment Request API method to show (e.g. `https://google.com/pay` and its
   * data). The widget offers the method only where the browser can make that payment.
   */
  paymentRequest: z.optional(
    z.object({ supportedMethods: z.string().check(z.maxLength(200)), data: z.optional(z.looseObject({})) }),
  ),
  /** Installment counts offered, e.g. [1, 3, 6, 12]. */
  installments: z.optional(z.array(z.int().check(z.minimum(1), z.maximum(48))).check(z.maxLength(12))),
});
export type PaymentMethod = z.infer<typeof PaymentMethod>;

/** A method the shopper saved earlier. The reusable token stays on the server; only display data travels. */
export const SavedMethod = z.object({
  id: Id,
  method: MethodId,
  brand: z.optional(CardBrand),
  last4: z.optional(z.string().check(z.regex(/^\d{4}$/))),
  expMonth: z.optional(z.int().check(z.minimum(1), z.maximum(12))),
  expYear: z.optional(z.int().check(z.minimum(2000), z.maximum(2100))),
});
export type SavedMethod = z.infer<typeof SavedMethod>;

/** RSA public key (JWK) the browser encrypts card data to. */
export const RsaPublicJwk = z.object({
  kty: z.literal('RSA'),
  n: z.string().check(z.minLength(64), z.maxLength(1024)),
  e: z.string().check(z.maxLength(16)),
  kid: z.optional(Id),
  alg: z.optional(z.literal('RSA-OAEP-256')),
  use: z.optional(z.literal('enc')),
});

export const Tokenization = z.discriminatedUnion('provider', [
  /** Default: JWE (RSA-OAEP-256 + A256GCM) to the merchant's key; the backend decrypts. */
  z.object({ provider: z.literal('jwe'), publicKey: RsaPublicJwk }),
  /** Stripe Elements; the backend receives a Stripe PaymentMethod id. */
  z.object({ provider: z.literal('stripe'), publishableKey: z.string().check(z.regex(/^pk_(test|live)_[A-Za-z0-9]+$/)) }),
]);
export type Tokenization = z.infer<typeof Tokenization>;

const Share = z.number().check(z.minimum(0), z.maximum(1));

/** A number per method, as a list (one entry per method; keeps the browser's schema code small). */
const PerMethod = z.array(z.object({ method: MethodId, value: Share })).check(z.maxLength(40));

/** What the merchant knows about shoppers like this one; blended into the local ranking. */
export const MethodPriors = z.object({
  /** Share of checkouts per method for this shopper's segment (country, device, basket size …) or country. */
  shares: z.optional(PerMethod),
  /**
   * Share per method across the whole country. With segment `shares`, the ratio tells the model
   * how this context (device, basket size) moves the odds, and it applies that to the shopper's
   * own habit too.
   */
  countryShares: z.optional(PerMethod),
  /** Authorisation success rate per method. */
  successRates: z.optional(PerMethod),
});
export type MethodPriors = z.infer<typeof MethodPriors>;

/** A `context.merchantCategory`: 1–32 of letters, digits and `_ . : -` (an MCC is 4 digits; a merchant's own name for it fits). */
export const MERCHANT_CATEGORY = /^[\w.:-]{1,32}$/;

/**
 * Where and how the shopper pays, set by the merchant backend: the widget's ranking learns habits
 * per context ("you usually pay bills by bank transfer"). Every field is optional.
 */
export const SessionContext = z.object({
  channel: z.optional(z.enum(['in_person', 'online'])),
  /** A bill, subscription or top-up. */
  recurring: z.optional(z.boolean()),
  /** Free string, e.g. an MCC such as `5411`. */
  merchantCategory: z.optional(z.string().check(z.regex(MERCHANT_CATEGORY))),
});
export type SessionContext = z.infer<typeof SessionContext>;

export const AppliedCoupon = z.object({ code: Coupon.shape.code, class: CouponClass, amount: MinorUnits });
export type AppliedCoupon = z.infer<typeof AppliedCoupon>;

/** Server-authoritative totals. Invariant: total = subtotal + shipping - discount, and total ≥ 0. */
export const Quote = z.object({
  currency: Currency,
  method: z.optional(MethodId),
  subtotal: MinorUnits,
  shipping: MinorUnits,
  discount: MinorUnits,
  total: MinorUnits,
  applied: z.array(AppliedCoupon),
  rejected: z.array(z.object({ code: ShortText, reason: CouponRejection })),
});
export type Quote = z.infer<typeof Quote>;

export const Session = z.object({
  id: Id,
  merchantId: Id,
  currency: Currency,
  country: Country,
  locale: Locale,
  lines: z.array(CartLine).check(z.minLength(1), z.maxLength(200)),
  /** Shipping fee before any shipping discount. */
  shipping: MinorUnits,
  methods: z.array(PaymentMethod).check(z.minLength(1), z.maxLength(40)),
  savedMethods: z.array(SavedMethod).check(z.maxLength(20)),
  coupons: z.array(Coupon).check(z.maxLength(100)),
  firstOrder: z.boolean(),
  /**
   * True when the merchant's own authentication named a shopper for this session: saved methods,
   * passkeys and step-up belong to that shopper. Set by the server kit, never by the browser;
   * who the shopper is stays on the server.
   */
  signedIn: z.optional(z.boolean()),
  tokenization: Tokenization,
  priors: z.optional(MethodPriors),
  context: z.optional(SessionContext),
  /** Optional display of totals in a second currency; always labelled an estimate. */
  displayCurrency: z.optional(
    z.object({ currency: Currency, rate: z.number().check(z.positive()) }),
  ),
  /** The best quote for the session as created (default coupons, no method chosen). */
  quote: Quote,
  /**
   * The best quote for each method, priced by the server with the same engine the browser runs.
   * Method switching and "save X with PIX" need no engine in the browser; editing coupons does.
   */
  methodQuotes: z.array(Quote).check(z.maxLength(40)),
  /** Unix seconds. */
  expiresAt: z.int(),
  /**
   * Set by the server kit once the session is paid (by this page, another tab, or an agent): the
   * widget shows it as paid instead of offering Pay again.
   */
  paid: z.optional(z.object({ paymentId: Id, orderId: Id, amount: Money, method: MethodId })),
});
export type Session = z.infer<typeof Session>;

/** POST /sessions — demo and simple backends create a session from product ids; prices come from the server's catalog. */
export const CreateSessionRequest = /* @__PURE__ */ requestSchema(() =>
  z.object({
    items: z
      .array(z.object({ productId: Id, quantity: z.int().check(z.minimum(1), z.maximum(999)) }))
      .check(z.minLength(1), z.maxLength(200)),
    currency: z.optional(Currency),
    country: z.optional(Country),
    locale: z.optional(Locale),
    // No shopper reference: who the shopper is comes only from the merchant's own authentication
    // (the server kit's `authenticate` hook). A `shopperRef` sent by an old client is ignored.
  }),
);
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

/**
 * POST /sessions/:id/items — replaces the cart's items (quantities; a product left out is removed).
 * The merchant prices them again; the session keeps its id, secret, owner and expiry.
 */
export const UpdateItemsRequest = /* @__PURE__ */ requestSchema(() => z.object({ items: CreateSessionRequest.shape.items }));
export type UpdateItemsRequest = z.infer<typeof UpdateItemsRequest>;

/** POST /sessions/:id/quote */
export const QuoteRequest = /* @__PURE__ */ requestSchema(() =>
  z.object({
    couponCodes: z.array(Coupon.shape.code).check(z.maxLength(20)),
    method: z.optional(MethodId),
    /** When true the server chooses the best combination from the session's coupons plus `couponCodes`. */
    optimize: z.optional(z.boolean()),
  }),
);
export type QuoteRequest = z.infer<typeof QuoteRequest>;

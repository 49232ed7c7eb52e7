import * as z from 'zod/mini';
import { Coupon } from './coupon';
import { CLIENT_SECRET_PATTERN, Id, MethodId, Money, ShortText, requestSchema } from './common';
import { Quote, Session } from './session';

/** An absolute http(s) URL; kept to a pattern so the browser bundle needs no URL-parsing schema. */
const HttpUrl = z.string().check(z.maxLength(2048), z.regex(/^https?:\/\/[^\s/?#]+[^\s]*$/));

/** What the browser sends to identify the money source. A card number in clear is never one of them. */
export const PaymentSource = /* @__PURE__ */ requestSchema(() =>
  z.discriminatedUnion('type', [
    /** Card encrypted in the browser: compact JWE (RSA-OAEP-256, A256GCM) of {@link CardPlaintext}. */
    z.object({ type: z.literal('card_jwe'), jwe: z.string().check(z.minLength(20), z.maxLength(8192)) }),
    /** A method saved on the server earlier. */
    z.object({ type: z.literal('saved'), savedMethodId: Id }),
    /** Stripe PaymentMethod id from Stripe Elements. */
    z.object({ type: z.literal('stripe'), paymentMethodId: z.string().check(z.regex(/^pm_[A-Za-z0-9_]+$/)) }),
    /** A wallet's payment token from the Payment Request API (Google Pay, Apple Pay …), opaque to the browser. */
    z.object({ type: z.literal('wallet'), token: z.string().check(z.minLength(1), z.maxLength(16384)) }),
    /** Methods that collect money off-page (QR, redirect, voucher): nothing to send. */
    z.object({ type: z.literal('none') }),
    /**
     * An AI agent's delegated payment token (e.g. ACP's delegated payment vault token): a credential
     * limited by a mandate the merchant's processor verifies. Accepted only from an authenticated
     * agent, and the only source an agent may pay with.
     */
    z.object({ type: z.literal('delegated'), token: z.string().check(z.minLength(1), z.maxLength(512), z.regex(/^[A-Za-z0-9_\-.:]+$/)) }),
  ]),
);
export type PaymentSource = z.infer<typeof PaymentSource>;

/** The JSON object that is encrypted into `card_jwe`. Only the backend that holds the private key reads it. */
export const CardPlaintext = /* @__PURE__ */ requestSchema(() =>
  z.object({
    number: z.string().check(z.regex(/^\d{12,19}$/)),
    expMonth: z.int().check(z.minimum(1), z.maximum(12)),
    expYear: z.int().check(z.minimum(2000), z.maximum(2100)),
    cvc: z.string().check(z.regex(/^\d{3,4}$/)),
    name: z.optional(ShortText),
  }),
);
export type CardPlaintext = z.infer<typeof CardPlaintext>;

/** POST /sessions/:id/payments */
export const PayRequest = /* @__PURE__ */ requestSchema(() =>
  z.object({
    /** Same key + same body replays the stored result; same key + other body is an error. */
    idempotencyKey: z.string().check(z.minLength(16), z.maxLength(128), z.regex(/^[A-Za-z0-9_-]+$/)),
    method: MethodId,
    source: PaymentSource,
    couponCodes: z.array(Coupon.shape.code).check(z.maxLength(20)),
    /** The total the shopper saw; the server charges only if its own quote equals it. */
    expectedTotal: Money,
    installments: z.optional(z.int().check(z.minimum(1), z.maximum(48))),
    /** The shopper agreed to save this card for one-click payments next time. */
    saveMethod: z.optional(z.boolean()),
    /** Where a redirect method returns the shopper to. */
    returnUrl: z.optional(HttpUrl),
  }),
);
export type PayRequest = z.infer<typeof PayRequest>;

/** WebAuthn options as JSON (PublicKeyCredential{Request,Creation}OptionsJSON); the browser parses them. */
export const WebAuthnOptions = z.looseObject({ challenge: z.string().check(z.maxLength(1024)) });

/** A WebAuthn credential serialised with `PublicKeyCredential.toJSON()`. Verified only by the server. */
export const PasskeyCredential = /* @__PURE__ */ requestSchema(() =>
  z.object({
    id: z.string().check(z.maxLength(1024)),
    rawId: z.string().check(z.maxLength(1024)),
    type: z.literal('public-key'),
    response: z.record(z.string(), z.unknown()),
    clientExtensionResults: z.optional(z.record(z.string(), z.unknown())),
    authenticatorAttachment: z.optional(z.nullable(z.string().check(z.maxLength(32)))),
  }),
);
export type PasskeyCredential = z.infer<typeof PasskeyCredential>;

/** POST /payments/:id/passkey — the assertion for a `passkey` step-up. */
export const PasskeyAssertionRequest = /* @__PURE__ */ requestSchema(() =>
  z.object({ credential: PasskeyCredential }),
);
/** POST /sessions/:id/passkeys — enrol a passkey after a successful payment (shopper agreed). */
export const PasskeyRegistrationRequest = /* @__PURE__ */ requestSchema(() =>
  z.object({ credential: PasskeyCredential }),
);

/** What the shopper must do before the payment can complete. */
export const PaymentAction = z.discriminatedUnion('type', [
  /** 3-D Secure style challenge page shown in a modal iframe; it reports back by postMessage. */
  z.object({ type: z.literal('challenge'), url: HttpUrl, origin: z.string().check(z.regex(/^https?:\/\/[^/?#\s]+$/)) }),
  /** WebAuthn step-up: PublicKeyCredentialRequestOptionsJSON; answer with POST /payments/:id/passkey. */
  z.object({ type: z.literal('passkey'), options: WebAuthnOptions }),
  /** Wallet QR: render `payload`, poll status until paid, expired or cancelled. */
  z.object({ type: z.literal('qr'), payload: z.string().check(z.maxLength(2048)), expiresAt: z.int() }),
  z.object({ type: z.literal('redirect'), url: HttpUrl }),
  z.object({
    type: z.literal('voucher'),
    reference: z.string().check(z.maxLength(128)),
    expiresAt: z.int(),
    instructions: z.optional(ShortText),
  }),
]);
export type PaymentAction = z.infer<typeof PaymentAction>;

export const FailureCode = z.enum([
  'card_declined',
  'insufficient_funds',
  'invalid_card',
  'expired_card',
  'incorrect_cvc',
  'challenge_failed',
  'price_changed',
  'expired',
  'cancelled',
  'method_unavailable',
  'processing_error',
]);
export type FailureCode = z.infer<typeof FailureCode>;

/** Request-level problems (any endpoint), as opposed to a payment that was tried and failed. */
export const ErrorCode = z.enum([
  'invalid_request',
  'payload_too_large',
  'unsupported_version',
  'not_found',
  'forbidden',
  'session_expired',
  'idempotency_conflict',
  /** The cart cannot change any more: a payment of the session is pending, unconfirmed or done. */
  'session_locked',
  /** An agent's mandate is missing, unknown, expired, used up, or for another merchant or currency. */
  'mandate_invalid',
  /** The amount is over what the agent's mandate allows. */
  'mandate_exceeded',
  'method_not_allowed',
  'rate_limited',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorReply = z.object({
  status: z.literal('error'),
  code: ErrorCode,
  message: ShortText,
  retryable: z.boolean(),
  issues: z.optional(z.array(z.object({ path: ShortText, message: ShortText })).check(z.maxLength(20))),
});
export type ErrorReply = z.infer<typeof ErrorReply>;

export const PaymentSucceeded = z.object({
  status: z.literal('succeeded'),
  paymentId: Id,
  orderId: Id,
  amount: Money,
  /** Present when the method was saved for next time (server decides). */
  savedMethodId: z.optional(Id),
});
export const PaymentRequiresAction = z.object({
  status: z.literal('requires_action'),
  paymentId: Id,
  action: PaymentAction,
  /** What this payment will charge: the screens show this, never a locally computed total. */
  amount: Money,
});
export const PaymentFailed = z.object({
  status: z.literal('failed'),
  paymentId: z.optional(Id),
  code: FailureCode,
  retryable: z.boolean(),
  /** Safe to show the shopper; never contains card data. */
  message: ShortText,
  /** With `price_changed`: the fresh quote the shopper must confirm. */
  quote: z.optional(Quote),
});

export const PaymentReply = z.discriminatedUnion('status', [
  PaymentSucceeded,
  PaymentRequiresAction,
  PaymentFailed,
  ErrorReply,
]);
export type PaymentReply = z.infer<typeof PaymentReply>;

export const SessionReply = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    session: Session,
    /** Only in the reply to `POST /sessions`: the capability every later call must carry. */
    clientSecret: z.optional(z.string().check(z.regex(CLIENT_SECRET_PATTERN))),
  }),
  ErrorReply,
]);
export type SessionReply = z.infer<typeof SessionReply>;

export const QuoteReply = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), quote: Quote }),
  ErrorReply,
]);
export type QuoteReply = z.infer<typeof QuoteReply>;

/** POST /sessions/:id/passkeys/options → registration options; POST /sessions/:id/passkeys → ok. */
export const PasskeyReply = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), options: z.optional(WebAuthnOptions) }),
  ErrorReply,
]);
export type PasskeyReply = z.infer<typeof PasskeyReply>;

import type { CreateSessionRequest, UpdateItemsRequest, Coupon, ErrorCode, FailureCode, PasskeyCredential, PaymentAction, PaymentSource, Session } from '../protocol/index';
import type { StoredPayment, TillStorage } from './storage/index';
import type { AcpOptions } from './acp/options';
import type { UcpOptions } from './ucp/options';

/** What the merchant's backend returns for a new session; the kit adds ids, quotes and expiry. */
export type SessionDraft = Omit<Session, 'id' | 'quote' | 'methodQuotes' | 'expiresAt' | 'signedIn'> & { ttlSeconds?: number };

/** A shopper as the merchant's own authentication knows them. */
export interface Shopper {
  /** The merchant's stable id of the shopper (1–128 characters); never sent to the browser. */
  shopperId: string;
}

/**
 * What every backend hook is told about the call. `request` is the original web Request (absent
 * when the merchant's own code drives the kit, e.g. `settle()`); `shopper` is the shopper who owns
 * the session, as `authenticate` named them when it was created (null for a guest checkout). The
 * kit has already checked that the caller is that shopper.
 */
export interface TillContext {
  request: Request | undefined;
  shopper: Shopper | null;
  /** The AI agent making this call, as `authenticateAgent` named it (absent for a person's call). */
  agent?: Agent;
}

/** An AI agent (an assistant platform acting for a buyer), as the merchant's own agent authentication knows it. */
export interface Agent {
  /** The merchant's stable id of the agent platform or credential (1–128 characters). */
  agentId: string;
}

/**
 * What an agent may spend, as the merchant's processor knows it for a delegated payment token (ACP
 * calls it the token's allowance). The kit refuses any payment outside it, whatever the agent asks.
 */
export interface Mandate {
  id: string;
  /** The most one payment may charge, in the mandate's currency (minor units). */
  maxAmount: { amount: number; currency: string };
  /** The merchant it was issued for: must be the session's `merchantId`. */
  merchantId: string;
  /** Unix seconds. */
  expiresAt: number;
  /** `single`: one successful checkout (retries of that same checkout allowed); `recurring`: many. */
  use: 'single' | 'recurring';
  /** When set, the mandate is for this checkout session only. */
  sessionId?: string;
}

/** Who started a payment: the shopper in the widget, or an agent under a mandate. */
export type Actor = { type: 'shopper' } | { type: 'agent'; agentId: string; mandateId: string };

export interface AuthorizeInput {
  paymentId: string;
  /** Stable per shopper intent: pass it to the processor so it can drop duplicates too. */
  idempotencyKey: string;
  session: Session;
  method: string;
  source: PaymentSource;
  amount: { amount: number; currency: string };
  couponCodes: string[];
  installments?: number;
  returnUrl?: string;
  saveMethod?: boolean;
  /** Who started it; for an agent, under which mandate (already checked by the kit). */
  actor: Actor;
  /** The mandate an agent's delegated token carries (only for `actor.type === 'agent'`). */
  mandate?: Mandate;
}

export type AuthorizeResult =
  | { status: 'succeeded'; orderId: string; savedMethodId?: string }
  | { status: 'requires_action'; action: PaymentAction }
  | { status: 'failed'; code: FailureCode; message?: string; retryable?: boolean };

/** What a merchant plugs in: its catalog and its payment processor. */
export interface MerchantBackend {
  /**
   * Builds a session from the shopper's items using the merchant's own prices. `ctx.shopper` is
   * whoever `authenticate` named (null for a guest): saved methods come from that shopper only.
   */
  createSession(req: CreateSessionRequest, ctx: TillContext): Promise<SessionDraft | ErrorLike>;
  /**
   * Prices a changed cart (`POST /sessions/:id/items`) for an existing session. Optional: without
   * it the kit asks `createSession` with the new items and the session's currency, country and
   * locale. The kit keeps the session's id, secret, owner and expiry, and refuses a draft in
   * another currency.
   */
  updateSession?(req: UpdateItemsRequest, session: Session, ctx: TillContext): Promise<SessionDraft | ErrorLike>;
  /**
   * What an agent's delegated payment token allows (its mandate), as the merchant's processor
   * says; `undefined` for a token it does not know. Without this hook agents cannot pay.
   */
  verifyMandate?(token: string, session: Session, ctx: TillContext & { agent: Agent }): Promise<Mandate | undefined>;
  /** Looks up a code the shopper typed that the session did not offer. */
  resolveCoupon?(code: string, session: Session, ctx: TillContext): Promise<Coupon | undefined>;
  /** Charges (or starts charging) an amount the kit has already re-priced and checked. */
  authorize(input: AuthorizeInput, ctx: TillContext): Promise<AuthorizeResult>;
  /**
   * What the processor knows of a payment whose outcome the kit never learnt (the process died
   * while charging, or `authorize` threw): its result, or `undefined` when the processor never
   * took it (then the kit records "not charged"). Without this hook such a payment waits for
   * `settle()`.
   */
  retrieve?(payment: StoredPayment, ctx: TillContext): Promise<AuthorizeResult | undefined>;
  /**
   * Verifies a passkey assertion for a payment waiting on a `passkey` step-up, then charges. An
   * assertion that does not verify must come back as `failed` `challenge_failed`, not a throw: a
   * throw may have come after the charge, so the kit answers 500 `internal` (outcome unknown) and
   * leaves the payment pending until `retrieve` or `settle` tells.
   */
  verifyStepUp?(payment: StoredPayment, credential: PasskeyCredential, ctx: TillContext): Promise<AuthorizeResult>;
  /** The shopper cancelled a pending payment (QR, voucher, redirect): void it at the processor. */
  cancel?(payment: StoredPayment, ctx: TillContext): Promise<void>;
  /** WebAuthn registration options for the session's (signed-in) shopper, or an error. */
  passkeyRegistrationOptions?(session: Session, ctx: TillContext & { shopper: Shopper }): Promise<Record<string, unknown> | ErrorLike>;
  /** Verifies and stores a new passkey for the session's (signed-in) shopper. */
  registerPasskey?(session: Session, credential: PasskeyCredential, ctx: TillContext & { shopper: Shopper }): Promise<true | ErrorLike>;
}

export interface ErrorLike {
  error: ErrorCode;
  message: string;
}

export interface TillServerOptions {
  backend: MerchantBackend;
  /**
   * The merchant's own authentication: who is this request's shopper (from its session cookie,
   * `Authorization` header …), or null for a guest. The only source of shopper identity: nothing
   * the browser puts in a body is trusted for it. Without it every checkout is a guest checkout.
   */
  authenticate?: (request: Request) => Promise<Shopper | null>;
  /**
   * The merchant's authentication of AI agents (e.g. `Authorization: Bearer <agent key>`): the
   * agent making this request, or null for a person. Agent protocols (ACP) need it; on the Till
   * protocol an agent's payments must carry a `delegated` token under a mandate.
   */
  authenticateAgent?: (request: Request) => Promise<Agent | null>;
  /**
   * Typed coupon codes the server looks up per session per 10 minutes (default 30); beyond it the
   * quote answers `rate_limited`, so hidden codes cannot be enumerated.
   */
  codeLookupsPerSession?: number;
  storage?: TillStorage;
  /** Path prefix the handler is mounted under, e.g. `/api/till/v1`. */
  basePath?: string;
  now?: () => number;
  /**
   * Serve the Agentic Commerce Protocol (API-Version 2026-04-17) beside the Till protocol, from the
   * same hooks and storage: `{ basePath: '/acp' }` answers `POST /acp/checkout_sessions` and the rest.
   * Agents are named by `authenticateAgent`; they pay under `verifyMandate`.
   */
  acp?: AcpOptions;
  /**
   * Serve the Universal Commerce Protocol's checkout capability (release 2026-08-25) beside them:
   * `{ basePath: '/ucp' }` answers `POST /ucp/checkout-sessions` and the rest (see ucpProfile()).
   */
  ucp?: UcpOptions;
  /** Ids of sessions and payments; the default has 128 random bits. Keep at least that many. */
  newId?: (prefix: string) => string;
}

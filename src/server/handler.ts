import { AssertionResponse, AttestationResponse } from './passkey-input';
import {
  CLIENT_SECRET_HEADER,
  CreateSessionRequest,
  PasskeyAssertionRequest,
  PasskeyRegistrationRequest,
  WebAuthnOptions,
  ErrorCode as ErrorCodeSchema,
  PaymentReply as PaymentReplySchema,
  type PasskeyCredential,
  PayRequest,
  PROTOCOL_VERSION,
  QuoteRequest,
  VERSION_HEADER,
  type Coupon,
  type ErrorCode,
  type FailureCode,
  type PaymentAction,
  type PaymentReply,
  type PaymentSource,
  type Quote,
  type Session,
} from '../protocol/index';
import { bestQuote, bestQuotePerMethod, priceWith, sessionPricingInput, type PricingInput } from '../core/pricing/index';
import { memoryStorage, type IdempotencyRecord, type SessionRecord, type StoredPayment, type TillStorage } from './storage/index';
import { containsCardNumber } from '../core/card/index';
import { canonical, errorReply, errorResponse, HTTP_FOR_ERROR, json, match, readBody, RequestError, sha256, validate } from './http';
import { hashSecret, newClientSecret, randomId, secretMatches } from './secrets';

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
}

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
   * Typed coupon codes the server looks up per session per 10 minutes (default 30); beyond it the
   * quote answers `rate_limited`, so hidden codes cannot be enumerated.
   */
  codeLookupsPerSession?: number;
  storage?: TillStorage;
  /** Path prefix the handler is mounted under, e.g. `/api/till/v1`. */
  basePath?: string;
  now?: () => number;
  /** Ids of sessions and payments; the default has 128 random bits. Keep at least that many. */
  newId?: (prefix: string) => string;
}

const DEFAULT_MESSAGES: Record<FailureCode, string> = {
  card_declined: 'Your card was declined. Try another card or payment method.',
  insufficient_funds: 'The card has insufficient funds. Try another card or payment method.',
  invalid_card: 'The card number is not valid. Check it and try again.',
  expired_card: 'The card has expired. Use another card.',
  incorrect_cvc: 'The security code is incorrect.',
  challenge_failed: 'The verification was not completed. Try again or use another method.',
  price_changed: 'The total has changed. Check the new total and confirm again.',
  expired: 'The payment expired before it was completed.',
  cancelled: 'The payment was cancelled.',
  method_unavailable: 'This payment method is not available for this order.',
  processing_error: 'The payment could not be processed. You were not charged; try again.',
};

const RETRYABLE: ReadonlySet<FailureCode> = new Set(['card_declined', 'insufficient_funds', 'invalid_card', 'expired_card', 'incorrect_cvc', 'challenge_failed', 'price_changed', 'expired', 'cancelled', 'processing_error']);

/** Body hash of a voided key: no SHA-256 hex digest equals it, so any request under that key conflicts. */
const VOIDED = 'void';

/** A request as the kit sees it: the web Request, and its shopper asked of `authenticate` at most once. */
interface Call {
  request: Request | undefined;
  shopper(): Promise<Shopper | null>;
}

/**
 * The Till server kit: validates every request with the protocol schemas, checks the session's
 * client secret and owner, re-prices every payment itself, enforces idempotency keys and
 * delegates charging to the merchant's backend. Web-standard Request → Response, so it runs on
 * Node, Deno, Bun and workers.
 */
export function createTillServer(options: TillServerOptions) {
  const storage = options.storage ?? memoryStorage();
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const newId = options.newId ?? randomId;
  const backend = options.backend;
  /** Same-key requests arriving while the first is still charging wait for its result. */
  const inflight = new Map<string, Promise<{ status: number; reply: unknown; hash: string }>>();
  /**
   * One change at a time per payment (cancel, passkey, settle, expiry), so a settle cannot be
   * overwritten by a concurrent cancel and two assertions cannot charge twice: in this process
   * by a promise chain, across instances by the storage's lock (TillStorage.lockPayment).
   */
  const locks = new Map<string, Promise<unknown>>();
  function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      const release = await storage.lockPayment(name);
      try {
        return await fn();
      } finally {
        await release();
      }
    };
    const prev = locks.get(name) ?? Promise.resolve();
    const next = prev.then(run, run);
    const tail = next.catch(() => undefined);
    locks.set(name, tail);
    void tail.then(() => locks.get(name) === tail && locks.delete(name));
    return next;
  }

  const UNKNOWN_OUTCOME = errorReply('internal', 'The payment could not be confirmed. Do not pay again; contact the shop.');

  function httpStatusOf(reply: PaymentReply): number {
    return reply.status === 'failed' ? (reply.code === 'price_changed' ? 409 : 402) : reply.status === 'error' ? HTTP_FOR_ERROR[reply.code] : 200;
  }

  /** Builds the reply for a backend result; a result that breaks the protocol becomes `internal`. */
  function checkedReply(paymentId: string, amount: { amount: number; currency: string }, r: AuthorizeResult | undefined): PaymentReply {
    if (!r) return UNKNOWN_OUTCOME;
    const reply = toReply(paymentId, amount, r);
    return PaymentReplySchema.safeParse(reply).success ? reply : UNKNOWN_OUTCOME;
  }

  function callOf(request: Request | undefined): Call {
    let who: Promise<Shopper | null> | undefined;
    return {
      request,
      shopper: () => (who ??= request && options.authenticate ? authenticated(request) : Promise.resolve(null)),
    };
  }

  async function authenticated(request: Request): Promise<Shopper | null> {
    const s = await options.authenticate!(request);
    if (s === null || s === undefined) return null;
    const id = (s as Partial<Shopper>).shopperId;
    if (typeof id !== 'string' || id.length < 1 || id.length > 128) throw new Error('authenticate() returned an invalid shopperId');
    return { shopperId: id };
  }

  /** The context backend hooks get for a session: its owner, checked by openSession(). */
  function contextOf(record: SessionRecord, call: Call): TillContext {
    return { request: call.request, shopper: record.shopperId ? { shopperId: record.shopperId } : null };
  }

  const NOT_FOUND = 'Unknown checkout session.';

  /**
   * The session a call may act on. Unknown id and wrong or missing client secret answer alike
   * (`not_found`), so an id alone tells nothing; a session that belongs to a signed-in shopper
   * answers `forbidden` to anyone else, whatever secret they hold.
   */
  async function openSession(id: string, call: Call, { allowExpired = false } = {}): Promise<SessionRecord> {
    const record = await storage.getSession(id);
    if (!record || !(await secretMatches(call.request?.headers.get(CLIENT_SECRET_HEADER) ?? null, record.secretHash))) {
      throw new RequestError('not_found', NOT_FOUND);
    }
    if (record.shopperId) {
      const shopper = await call.shopper();
      if (shopper?.shopperId !== record.shopperId) throw new RequestError('forbidden', 'This checkout belongs to a signed-in shopper. Sign in again to continue.');
    }
    if (!allowExpired && record.session.expiresAt <= now()) throw new RequestError('session_expired', 'This checkout session has expired. Reload to start again.');
    return record;
  }

  /** A payment a call may act on: its session's secret and owner are checked as for the session. */
  async function openPayment(paymentId: string, call: Call): Promise<{ record: SessionRecord; payment: StoredPayment }> {
    const payment = await storage.getPayment(paymentId);
    if (!payment) throw new RequestError('not_found', 'Unknown payment.');
    try {
      return { record: await openSession(payment.sessionId, call, { allowExpired: true }), payment };
    } catch (e) {
      // A wrong secret for a payment reads as an unknown payment, not as an unknown session.
      if (e instanceof RequestError && e.code === 'not_found') throw new RequestError('not_found', 'Unknown payment.');
      throw e;
    }
  }

  /** Context for the merchant's own calls (settle, requireAction): the session's owner, no request. */
  async function ownerContext(sessionId: string): Promise<TillContext> {
    const record = await storage.getSession(sessionId);
    return { request: undefined, shopper: record?.shopperId ? { shopperId: record.shopperId } : null };
  }

  const lookupLimit = options.codeLookupsPerSession ?? 30;
  const lookups = new Map<string, { since: number; count: number }>();

  /**
   * Counts a lookup against the session's 10-minute window: typed codes (see codeLookupsPerSession)
   * or, under its own `kind`, attempt look-ups (each may write a void record).
   */
  function countLookup(sessionId: string, kind = '', message = 'Too many codes tried. Wait a few minutes.'): void {
    const t = now();
    const k = kind + sessionId;
    const w = lookups.get(k);
    const cur = w && t - w.since < 600 ? w : { since: t, count: 0 };
    if (++cur.count > lookupLimit) throw new RequestError('rate_limited', message);
    lookups.set(k, cur);
    // Windows past their 10 minutes are dropped, so the map stays as big as the recent traffic.
    if (lookups.size > 10_000) for (const [key, w] of lookups) if (t - w.since >= 600) lookups.delete(key);
  }

  async function pricingInput(session: Session, typedCodes: readonly string[], ctx: TillContext): Promise<PricingInput> {
    // A card number typed into the coupon field is refused, never looked up, stored or echoed.
    const cardAt = typedCodes.findIndex((c) => containsCardNumber(c));
    if (cardAt >= 0) throw new RequestError('invalid_request', 'A coupon code cannot be a card number.', [{ path: `couponCodes.${cardAt}`, message: 'Looks like a card number.' }]);
    const typed: Coupon[] = [];
    const known = new Set(session.coupons.map((c) => c.code));
    for (const code of typedCodes) {
      if (known.has(code) || !backend.resolveCoupon) continue;
      countLookup(session.id);
      const c = await backend.resolveCoupon(code, session, ctx);
      if (c) {
        typed.push(c);
        known.add(code);
      }
    }
    return sessionPricingInput(session, now(), typed);
  }

  async function createSession(body: unknown, call: Call): Promise<Response> {
    const req = validate(CreateSessionRequest, body);
    const shopper = await call.shopper();
    const ctx: TillContext = { request: call.request, shopper };
    const draft = await backend.createSession(req, ctx);
    if ('error' in draft) throw backendError(draft);
    const { ttlSeconds = 3600, ...rest } = draft;
    // A guest never sees saved methods, whatever the backend put in the draft.
    const base = { ...rest, savedMethods: shopper ? rest.savedMethods : [], id: newId('cs'), expiresAt: now() + ttlSeconds, ...(shopper ? { signedIn: true } : {}) };
    const input = await pricingInput({ ...base, quote: undefined as never, methodQuotes: [] }, [], ctx);
    const perMethod = bestQuotePerMethod(input, base.methods.map((m) => m.id));
    const session: Session = { ...base, quote: bestQuote(input), methodQuotes: Object.values(perMethod) };
    const clientSecret = newClientSecret();
    await storage.putSession({ session, secretHash: await hashSecret(clientSecret), ...(shopper ? { shopperId: shopper.shopperId } : {}) });
    return json({ status: 'ok', session, clientSecret });
  }

  async function quote(sessionId: string, body: unknown, call: Call): Promise<Response> {
    const req = validate(QuoteRequest, body);
    const record = await openSession(sessionId, call);
    const { session } = record;
    if (req.method && !session.methods.some((m) => m.id === req.method)) {
      throw new RequestError('invalid_request', 'That payment method is not offered for this session.');
    }
    const input = await pricingInput(session, req.couponCodes, contextOf(record, call));
    const q: Quote = req.optimize ? bestQuote(input, req.method) : priceWith(input, req.couponCodes, req.method);
    return json({ status: 'ok', quote: q });
  }

  function failed(code: FailureCode, extra: { paymentId?: string; message?: string; retryable?: boolean; quote?: Quote } = {}): PaymentReply {
    return {
      status: 'failed',
      code,
      retryable: extra.retryable ?? RETRYABLE.has(code),
      message: extra.message ?? DEFAULT_MESSAGES[code],
      ...(extra.paymentId ? { paymentId: extra.paymentId } : {}),
      ...(extra.quote ? { quote: extra.quote } : {}),
    };
  }

  /**
   * Prices and charges. `reserve` claims the idempotency key for the new payment before any money
   * moves; when another request (on any instance) holds the key, it returns that record and
   * nothing is charged here.
   */
  async function charge(
    record: SessionRecord,
    req: PayRequest,
    ctx: TillContext,
    reserve: (paymentId: string) => Promise<IdempotencyRecord | undefined>,
  ): Promise<{ status: number; reply: PaymentReply; reserved?: string } | { taken: IdempotencyRecord }> {
    const { session } = record;
    const offered = session.methods.find((m) => m.id === req.method);
    if (!offered) return { status: 402, reply: failed('method_unavailable', { retryable: true }) };
    if (req.installments && req.installments > 1 && !offered.installments?.includes(req.installments)) {
      throw new RequestError('invalid_request', `${req.installments} installments are not offered for ${offered.label}.`);
    }
    const src = req.source;
    if (src.type === 'saved') {
      // Saved methods belong to the signed-in shopper who owns the session (openSession checked
      // the caller is that shopper); a guest session has none, and an id from elsewhere is unknown.
      if (!record.shopperId) throw new RequestError('forbidden', 'Sign in to pay with a saved method.');
      if (!session.savedMethods.some((s) => s.id === src.savedMethodId && s.method === req.method)) throw new RequestError('not_found', 'Unknown saved payment method.');
    }
    // Never trust the client's total: price the requested codes ourselves.
    const input = await pricingInput(session, req.couponCodes, ctx);
    const q = priceWith(input, req.couponCodes, req.method);
    const invalidCodes = q.rejected.length > 0;
    if (invalidCodes || q.total !== req.expectedTotal.amount || req.expectedTotal.currency !== session.currency) {
      const fresh = invalidCodes ? bestQuote(input, req.method) : q;
      return { status: 409, reply: failed('price_changed', { quote: fresh }) };
    }
    const paymentId = newId('pay');
    const amount = { amount: q.total, currency: session.currency };
    const couponCodes = q.applied.map((a) => a.code);
    const base: Omit<StoredPayment, 'reply'> = { id: paymentId, sessionId: session.id, method: req.method, amount, couponCodes, createdAt: now() };
    // One charge at a time per session (two tabs, two keys), and none once it is paid: the
    // shopper is shown the payment that already succeeded instead of paying twice.
    return withLock(`session:${session.id}`, async () => {
      const paid = await paidPayment(session.id);
      if (paid) return { status: 200, reply: paid.reply };
      // A payment whose outcome is unknown may have taken the money: it is reconciled first, and
      // nothing more is charged on this session while it stays unknown.
      const open = await unknownPayment(session.id);
      if (open) {
        const now = await reconcile(open.id);
        if (now?.reply.status === 'succeeded') return { status: 200, reply: now.reply };
        if (!now || now.reply.status === 'error') return { status: httpStatusOf(open.reply), reply: open.reply };
      }
      // Reserve the key for this payment before any money moves (see IdempotencyRecord).
      const taken = await reserve(paymentId);
      if (taken) return { taken };
      return authorizeLocked(session, req, base, ctx);
    });
  }

  /**
   * Calls the processor. The payment is stored as "outcome unknown" first, so a crash while the
   * processor works leaves a record that reconcile() resolves. The payment's lock is held while
   * it works, so a webhook settling it meanwhile waits for the charge to be recorded instead of
   * missing it. (Never await settle() inside authorize(): that would wait for itself.)
   */
  function authorizeLocked(session: Session, req: PayRequest, base: Omit<StoredPayment, 'reply'>, ctx: TillContext) {
    const { id: paymentId, amount, couponCodes } = base;
    return withLock(paymentId, async () => {
      await savePayment({ ...base, reply: UNKNOWN_OUTCOME });
      let result: AuthorizeResult | undefined;
      try {
        result = await backend.authorize(
          {
            paymentId,
            idempotencyKey: req.idempotencyKey,
            session,
            method: req.method,
            source: req.source,
            amount,
            couponCodes,
            ...(req.installments ? { installments: req.installments } : {}),
            ...(req.returnUrl ? { returnUrl: req.returnUrl } : {}),
            ...(req.saveMethod ? { saveMethod: true } : {}),
          },
          ctx,
        );
      } catch {
        // A processor that threw may still have taken the money (a timeout after capture): the
        // outcome is unknown, so never claim "not charged". The browser re-sends the same key
        // and gets this same answer until the payment is reconciled (retrieve or settle).
      }
      const reply = checkedReply(paymentId, amount, result);
      if (reply !== UNKNOWN_OUTCOME) await savePayment({ ...base, reply });
      return { status: httpStatusOf(reply), reply, reserved: paymentId };
    });
  }

  /**
   * Resolves a payment whose outcome is unknown (its charging process died, or the processor threw
   * or broke the protocol) by asking the processor (`backend.retrieve`). Inside the payment's
   * lock: while the charging instance is alive it holds that lock, so this waits for its answer
   * instead of guessing. Returns the payment as it is now.
   */
  const NOT_CHARGED = 'The payment did not go through and you were not charged. You can pay again.';

  async function reconcile(paymentId: string): Promise<StoredPayment | undefined> {
    return withLock(paymentId, async () => {
      const p = await storage.getPayment(paymentId);
      if (!p || p.reply.status !== 'error' || !backend.retrieve) return p;
      let result: AuthorizeResult | undefined;
      try {
        result = await backend.retrieve(p, await ownerContext(p.sessionId));
      } catch {
        return p; // the processor cannot say yet: still unknown, asked again next time
      }
      const reply = result ? checkedReply(paymentId, p.amount, result) : failed('processing_error', { paymentId, message: NOT_CHARGED });
      if (reply.status === 'error') return p;
      const settled = { ...p, reply };
      await savePayment(settled);
      return settled;
    });
  }

  /** The session's marker of its first successful payment (no idempotency key is this short). */
  const paidKey = (sessionId: string) => `${sessionId}:paid`;

  async function paidPayment(sessionId: string): Promise<StoredPayment | undefined> {
    const id = (await storage.getIdempotency(paidKey(sessionId)))?.paymentId;
    return id ? storage.getPayment(id) : undefined;
  }

  const unknownKey = (sessionId: string) => `${sessionId}:unknown`;

  /** The session's payment whose outcome is unknown (processor threw, reply broke the protocol), if still so. */
  async function unknownPayment(sessionId: string): Promise<StoredPayment | undefined> {
    const id = (await storage.getIdempotency(unknownKey(sessionId)))?.paymentId;
    const p = id ? await storage.getPayment(id) : undefined;
    return p?.reply.status === 'error' ? p : undefined;
  }

  /** Stores a payment; the first one to succeed marks its session paid, an unknown outcome holds it. */
  async function savePayment(p: StoredPayment): Promise<void> {
    await storage.putPayment(p);
    if (p.reply.status === 'succeeded') await storage.claimIdempotency(paidKey(p.sessionId), { bodyHash: 'paid', paymentId: p.id });
    if (p.reply.status === 'error') await storage.putIdempotency(unknownKey(p.sessionId), { bodyHash: 'unknown', paymentId: p.id });
  }

  function toReply(paymentId: string, amount: { amount: number; currency: string }, r: AuthorizeResult): PaymentReply {
    switch (r.status) {
      case 'succeeded':
        return { status: 'succeeded', paymentId, orderId: r.orderId, amount, ...(r.savedMethodId ? { savedMethodId: r.savedMethodId } : {}) };
      case 'requires_action':
        return { status: 'requires_action', paymentId, action: r.action, amount };
      case 'failed':
        return failed(r.code, { paymentId, ...(r.message ? { message: r.message } : {}), ...(r.retryable !== undefined ? { retryable: r.retryable } : {}) });
    }
  }

  async function pay(sessionId: string, body: unknown, call: Call): Promise<Response> {
    const req = validate(PayRequest, body);
    // A wallet "token" that is really a card number in clear is refused without being stored or echoed.
    if (req.source.type === 'wallet' && containsCardNumber(req.source.token)) {
      throw new RequestError('invalid_request', 'Wallet tokens must be gateway tokens, not card numbers.');
    }
    const record = await openSession(sessionId, call);
    const ctx = contextOf(record, call);
    // Hash what the schema accepted (unknown keys stripped), so a retry that merely carries an
    // extra field is the same request.
    const hash = await sha256(canonical(req));
    // Keys are scoped to their session: the same key in another session is another key.
    const key = `${sessionId}:${req.idempotencyKey}`;
    const done = await once(key, async (stored) => {
      if (stored) return fromRecord(key, stored);
      const r = await charge(record, req, ctx, (paymentId) => storage.claimIdempotency(key, { bodyHash: hash, paymentId }));
      // Another instance claimed the key first: answer as a replay would, charge nothing.
      if ('taken' in r) return fromRecord(key, r.taken);
      // The reserved payment id stays on the record even when the reply carries none (an unknown
      // outcome), so replays follow that payment once it is reconciled.
      const paymentId = r.reserved ?? ('paymentId' in r.reply ? r.reply.paymentId : undefined);
      const rec = { bodyHash: hash, httpStatus: r.status, reply: r.reply, ...(paymentId ? { paymentId } : {}) };
      // Our own reservation is completed; an answer given without charging (price changed, method
      // not offered) is claimed, so it never replaces a void or another instance's record.
      if (r.reserved) await storage.putIdempotency(key, rec);
      else {
        const taken = await storage.claimIdempotency(key, rec);
        if (taken) return fromRecord(key, taken);
      }
      return { status: r.status, reply: r.reply, hash };
    });
    if (done.hash !== hash) throw new RequestError('idempotency_conflict', 'This idempotency key was already used with a different request.');
    return json(done.reply, done.status);
  }

  type KeyResult = { status: number; reply: unknown; hash: string };

  /**
   * Runs `fn` with the key's stored record, one at a time per key: a request arriving while
   * another with the same key is being handled waits for that one's result. There is no await
   * between the inflight lookup and inflight.set, so a double click shares one charge.
   */
  function once(key: string, fn: (stored: IdempotencyRecord | undefined) => Promise<KeyResult>): Promise<KeyResult> {
    let work = inflight.get(key);
    if (!work) {
      work = storage.getIdempotency(key).then(fn);
      inflight.set(key, work);
      void work.finally(() => inflight.delete(key)).catch(() => undefined);
    }
    return work;
  }

  async function fromRecord(key: string, stored: IdempotencyRecord): Promise<KeyResult> {
    // A key that started a payment answers with that payment as it is now (settled since, or
    // reconciled after an unknown outcome). Reserved but never stored (a crash between the two
    // writes): the outcome is unknown. Charging again is the one thing never done.
    let p = stored.paymentId ? await storage.getPayment(stored.paymentId) : undefined;
    if (p?.reply.status === 'error') p = await reconcile(p.id);
    if (p) return { status: httpStatusOf(p.reply), reply: p.reply, hash: stored.bodyHash };
    if (stored.reply !== undefined) return { status: stored.httpStatus ?? 200, reply: stored.reply, hash: stored.bodyHash };
    if (stored.paymentId) return reservedOnly(key, stored, stored.paymentId);
    return { status: httpStatusOf(UNKNOWN_OUTCOME), reply: UNKNOWN_OUTCOME, hash: stored.bodyHash };
  }

  /**
   * A key reserved for a payment that was never written: the request that claimed it died, or
   * its write failed, before the payment's "unknown" record — which comes before authorize,
   * under the session's lock. Once that lock is ours and the payment is still absent, authorize
   * never ran: the key answers "not charged" for good, and the shopper may pay again.
   */
  function reservedOnly(key: string, stored: IdempotencyRecord, paymentId: string): Promise<KeyResult> {
    const sessionId = key.slice(0, key.indexOf(':'));
    return withLock(`session:${sessionId}`, async () => {
      const p = await storage.getPayment(paymentId);
      if (p) return { status: httpStatusOf(p.reply), reply: p.reply, hash: stored.bodyHash };
      const reply = failed('processing_error', { message: NOT_CHARGED });
      const status = httpStatusOf(reply);
      await storage.putIdempotency(key, { bodyHash: stored.bodyHash, httpStatus: status, reply });
      return { status, reply, hash: stored.bodyHash };
    });
  }

  /**
   * "What became of the payment I sent with this key?" — asked by a browser that lost the answer
   * and then its memory of the request (a reload). A key this server has seen answers as a
   * replay would. An unknown key is voided before answering: a copy of the request still on its
   * way can never charge, so the shopper may safely pay again.
   */
  async function resolveAttempt(sessionId: string, body: unknown, call: Call): Promise<Response> {
    // The key travels in the body, not the path: it stays out of access logs.
    const k = validate(PayRequest.shape.idempotencyKey, (body as { idempotencyKey?: unknown } | null)?.idempotencyKey);
    // Expired sessions too: a payment that passed its checks just before expiry may still be on its way.
    await openSession(sessionId, call, { allowExpired: true });
    const key = `${sessionId}:${k}`;
    const done = await once(key, async (stored) => {
      if (stored) return fromRecord(key, stored);
      countLookup(sessionId, 'attempt:', 'Too many look-ups. Wait a few minutes.');
      const reply = failed('cancelled', { message: 'That payment attempt never reached the shop and is now void: nothing was charged.' });
      const status = httpStatusOf(reply);
      // Claimed, not written: if the request got in first on another instance, its answer wins.
      const taken = await storage.claimIdempotency(key, { bodyHash: VOIDED, httpStatus: status, reply });
      return taken ? fromRecord(key, taken) : { status, reply, hash: VOIDED };
    });
    // A payment the key started answers with its state now: it may have settled since (a bank
    // approval, a webhook), and an old "requires_action" would send the shopper back to the bank.
    const paymentId = (await storage.getIdempotency(key))?.paymentId;
    const current = paymentId ? await withLock(paymentId, () => pendingPayment(paymentId)).catch(() => undefined) : undefined;
    return current ? json(current.reply, httpStatusOf(current.reply)) : json(done.reply, done.status);
  }

  /** Reads a payment, expiring a QR code or voucher past its time (call inside its lock). */
  async function pendingPayment(paymentId: string, ctx?: TillContext): Promise<StoredPayment> {
    const p = await storage.getPayment(paymentId);
    if (!p) throw new RequestError('not_found', 'Unknown payment.');
    const a = p.reply.status === 'requires_action' ? p.reply.action : undefined;
    if (a && (a.type === 'qr' || a.type === 'voucher') && a.expiresAt <= now()) {
      // Void it at the processor too, so a late scan or cash payment cannot take money.
      await backend.cancel?.(p, ctx ?? (await ownerContext(p.sessionId)));
      const expired = { ...p, reply: failed('expired', { paymentId }) };
      await storage.putPayment(expired);
      return expired;
    }
    return p;
  }

  async function paymentStatus(paymentId: string, call: Call): Promise<Response> {
    const { record, payment } = await openPayment(paymentId, call);
    if (payment.reply.status === 'error') {
      const now = await reconcile(paymentId);
      if (now) return json(now.reply, httpStatusOf(now.reply));
    }
    return json((await withLock(paymentId, () => pendingPayment(paymentId, contextOf(record, call)))).reply);
  }

  async function cancelPayment(paymentId: string, call: Call): Promise<Response> {
    const { record } = await openPayment(paymentId, call);
    const ctx = contextOf(record, call);
    return withLock(paymentId, async () => {
      const p = await pendingPayment(paymentId, ctx);
      if (p.reply.status !== 'requires_action') return json(p.reply);
      await backend.cancel?.(p, ctx);
      const reply = failed('cancelled', { paymentId });
      await storage.putPayment({ ...p, reply });
      return json(reply);
    });
  }

  async function passkeyAssertion(paymentId: string, body: unknown, call: Call): Promise<Response> {
    const { credential } = validate(PasskeyAssertionRequest, body);
    validate(AssertionResponse, credential.response);
    const { record } = await openPayment(paymentId, call);
    // Step-up answers only for the signed-in shopper who owns the session (checked by openPayment).
    if (!record.shopperId) throw new RequestError('forbidden', 'Passkeys need a signed-in shopper.');
    const ctx = contextOf(record, call);
    return withLock(paymentId, async () => {
      const p = await pendingPayment(paymentId, ctx);
      if (p.reply.status !== 'requires_action' || p.reply.action.type !== 'passkey' || !backend.verifyStepUp) return json(p.reply);
      let reply: PaymentReply = UNKNOWN_OUTCOME;
      try {
        reply = checkedReply(paymentId, p.amount, await backend.verifyStepUp(p, credential, ctx));
      } catch {
        // A throw may come after the charge: leave the payment pending and let status tell.
      }
      // An unusable result is not stored: the payment stays pending for the backend to settle.
      if (reply.status !== 'error') await savePayment({ ...p, reply });
      return json(reply, httpStatusOf(reply));
    });
  }

  /** A signed-in session for the passkey calls: guests (and anyone but the owner) are refused. */
  async function ownedSession(sessionId: string, call: Call): Promise<{ session: Session; ctx: TillContext & { shopper: Shopper } }> {
    const record = await openSession(sessionId, call);
    if (!record.shopperId) throw new RequestError('forbidden', 'Sign in to use passkeys.');
    return { session: record.session, ctx: { request: call.request, shopper: { shopperId: record.shopperId } } };
  }

  async function passkeyOptions(sessionId: string, call: Call): Promise<Response> {
    const { session, ctx } = await ownedSession(sessionId, call);
    if (!backend.passkeyRegistrationOptions) throw new RequestError('not_found', 'Passkeys are not offered.');
    const r = await backend.passkeyRegistrationOptions(session, ctx);
    if ('error' in r) throw backendError(r as ErrorLike);
    // Never hand the browser options it would reject: check them against the protocol first.
    if (!WebAuthnOptions.safeParse(r).success) throw new RequestError('internal', 'Invalid passkey options from the backend.');
    return json({ status: 'ok', options: r });
  }

  async function passkeyRegistration(sessionId: string, body: unknown, call: Call): Promise<Response> {
    const { credential } = validate(PasskeyRegistrationRequest, body);
    validate(AttestationResponse, credential.response);
    const { session, ctx } = await ownedSession(sessionId, call);
    if (!backend.registerPasskey) throw new RequestError('not_found', 'Passkeys are not offered.');
    // No money moves here: a verifier that throws on a malformed credential is a refusal.
    const r = await backend.registerPasskey(session, credential, ctx).catch((): ErrorLike => ({ error: 'invalid_request', message: 'The passkey could not be verified.' }));
    if (r !== true) throw backendError(r);
    return json({ status: 'ok' });
  }

  async function route(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (!url.pathname.startsWith(basePath + '/')) throw new RequestError('not_found', 'Not a Till endpoint.');
    const path = url.pathname.slice(basePath.length);
    const version = req.headers.get(VERSION_HEADER);
    if (version !== PROTOCOL_VERSION) {
      throw new RequestError('unsupported_version', `Send header ${VERSION_HEADER}: ${PROTOCOL_VERSION}.`);
    }
    const call = callOf(req);
    let p: Record<string, string> | undefined;
    const m = req.method;
    if ((p = match('/sessions', path))) return m === 'POST' ? createSession(await readBody(req), call) : notAllowed();
    if ((p = match('/sessions/:id', path))) return m === 'GET' ? json({ status: 'ok', session: (await openSession(p.id!, call)).session }) : notAllowed();
    if ((p = match('/sessions/:id/quote', path))) return m === 'POST' ? quote(p.id!, await readBody(req), call) : notAllowed();
    if ((p = match('/sessions/:id/payments', path))) return m === 'POST' ? pay(p.id!, await readBody(req), call) : notAllowed();
    if ((p = match('/sessions/:id/payments/resolve', path))) return m === 'POST' ? resolveAttempt(p.id!, await readBody(req), call) : notAllowed();
    if ((p = match('/payments/:id', path))) return m === 'GET' ? paymentStatus(p.id!, call) : notAllowed();
    if ((p = match('/payments/:id/cancel', path))) return m === 'POST' ? cancelPayment(p.id!, call) : notAllowed();
    if ((p = match('/payments/:id/passkey', path))) return m === 'POST' ? passkeyAssertion(p.id!, await readBody(req), call) : notAllowed();
    if ((p = match('/sessions/:id/passkeys/options', path))) return m === 'POST' ? passkeyOptions(p.id!, call) : notAllowed();
    if ((p = match('/sessions/:id/passkeys', path))) return m === 'POST' ? passkeyRegistration(p.id!, await readBody(req), call) : notAllowed();
    throw new RequestError('not_found', 'Not a Till endpoint.');
  }

  /** A backend's error, with its code checked: anything outside the protocol becomes `internal`. */
  function backendError(e: ErrorLike): RequestError {
    const code = ErrorCodeSchema.safeParse(e.error);
    return code.success ? new RequestError(code.data, String(e.message).slice(0, 200)) : new RequestError('internal', 'Internal error.');
  }

  function notAllowed(): never {
    throw new RequestError('method_not_allowed', 'Method not allowed on this endpoint.');
  }

  return {
    storage,
    /** Handles one protocol request. Never throws: every problem becomes a typed error reply. */
    async handle(req: Request): Promise<Response> {
      try {
        return await route(req);
      } catch (e) {
        if (e instanceof RequestError) return errorResponse(e.code, e.message, e.issues);
        return errorResponse('internal', 'Internal error.');
      }
    },
    /**
     * Settles a payment that was waiting on an action (challenge done, QR paid, …), or reconciles
     * one whose outcome was unknown (the processor threw; the session takes no other payment until
     * then). `result` may be a function: it runs only if the payment is still open (not expired,
     * cancelled or already settled), inside the payment's lock, so the backend books the order
     * exactly once.
     */
    async settle(paymentId: string, result: AuthorizeResult | (() => Promise<AuthorizeResult>)): Promise<PaymentReply | undefined> {
      return withLock(paymentId, async () => {
        const p = await pendingPayment(paymentId).catch(() => undefined);
        if (!p || (p.reply.status !== 'requires_action' && p.reply.status !== 'error')) return p?.reply;
        const reply = checkedReply(paymentId, p.amount, typeof result === 'function' ? await result() : result);
        // A result outside the protocol is refused and the payment stays pending (fix and retry).
        if (reply.status === 'error') throw new Error(`settle(): the result does not match protocol v${PROTOCOL_VERSION}`);
        await savePayment({ ...p, reply });
        return reply;
      });
    },
    /** Resolves a payment whose outcome is unknown through `backend.retrieve` (see reconcile). */
    reconcile: (paymentId: string) => reconcile(paymentId).then((p) => p?.reply),
    getPayment: (id: string) => storage.getPayment(id),
    /** The server's record of a session: the session, its owner (`shopperId`) and secret hash. */
    getSession: (id: string) => storage.getSession(id),
    /** Replaces a pending action (e.g. a step-up after a challenge). */
    async requireAction(paymentId: string, action: PaymentAction): Promise<void> {
      await withLock(paymentId, async () => {
        const p = await storage.getPayment(paymentId);
        if (p && p.reply.status === 'requires_action') await storage.putPayment({ ...p, reply: { status: 'requires_action', paymentId, action, amount: p.amount } });
      });
    },
  };
}

export type TillServer = ReturnType<typeof createTillServer>;

/**
 * The ledger: every payment is written before money moves and changes only inside its lock.
 * A session is charged at most once: charges of a session take turns, a paid session answers with
 * its payment, and a payment whose outcome is unknown is reconciled (backend.retrieve) before
 * anything else is charged on that session.
 */
import { bestQuote, priceWith } from '../core/pricing/index';
import { PROTOCOL_VERSION, type MethodFlow, type PasskeyCredential, type PaymentAction, type PaymentReply, type PaymentSource, type PayRequest, type Session } from '../protocol/index';
import type { Actor, AuthorizeResult, Mandate, TillContext } from './backend';
import type { Access } from './access';
import type { CouponLookup } from './coupon-lookup';
import { RequestError } from './http';
import type { Kit } from './kit';
import { checkedReply, failed, httpStatusOf, NOT_CHARGED, UNKNOWN_OUTCOME } from './replies';
import type { IdempotencyRecord, SessionRecord, StoredPayment } from './storage/index';

/** A reply and the HTTP status it travels with. */
export interface Answer {
  status: number;
  reply: PaymentReply;
}

/** The session's marker of its first successful payment (no idempotency key is this short). */
const paidKey = (sessionId: string) => `${sessionId}:paid`;
/** The session's payment whose outcome is unknown, while it is. */
const unknownKey = (sessionId: string) => `${sessionId}:unknown`;
/** Every payment a session started, oldest first (a pending QR or challenge holds the cart as it was). */
const paymentsKey = (sessionId: string) => `${sessionId}:payments`;
/** A checkout that started this many payments takes no more (abuse, not shopping). */
const MAX_PAYMENTS_PER_SESSION = 500;

/** A single-use mandate's claim: the checkout session it was used for. */
const mandateKey = (mandateId: string) => `mandate:${mandateId}`;

/**
 * An agent pays only with a delegated token, under the mandate the merchant's processor says the
 * token carries; a person never sends one. Returns that mandate (undefined for a person).
 */
async function verifiedMandate(backend: Kit['backend'], session: Session, src: PaymentSource, ctx: TillContext): Promise<Mandate | undefined> {
  const { agent } = ctx;
  if (!agent) {
    if (src.type === 'delegated') throw new RequestError('mandate_invalid', 'Delegated payment tokens are accepted from authenticated agents only.');
    return undefined;
  }
  if (src.type !== 'delegated') throw new RequestError('mandate_invalid', 'An agent pays only with a delegated payment token under a mandate.');
  const mandate = backend.verifyMandate ? await backend.verifyMandate(src.token, session, { ...ctx, agent }) : undefined;
  if (!mandate) throw new RequestError('mandate_invalid', 'The payment token carries no mandate this shop accepts.');
  return mandate;
}

/** The mandate's limits, checked by the kit whatever the agent or the processor says. */
function withinMandate(m: Mandate, session: Session, amount: { amount: number; currency: string }, nowS: number): void {
  if (m.merchantId !== session.merchantId || (m.sessionId !== undefined && m.sessionId !== session.id)) throw new RequestError('mandate_invalid', 'The mandate is for another merchant or checkout.');
  if (m.maxAmount.currency !== amount.currency) throw new RequestError('mandate_invalid', `The mandate is in ${m.maxAmount.currency}; this checkout is in ${amount.currency}.`);
  if (!(m.expiresAt > nowS)) throw new RequestError('mandate_invalid', 'The mandate has expired.');
  if (!Number.isSafeInteger(m.maxAmount.amount) || amount.amount > m.maxAmount.amount) throw new RequestError('mandate_exceeded', `The total is over what the mandate allows (${m.maxAmount.amount} ${m.maxAmount.currency} minor units).`);
}

export type Ledger = ReturnType<typeof createLedger>;

/** The method flows each kind of source can pay (a saved method is bound to its own method instead). */
const SOURCE_FLOWS: Record<PaymentSource['type'], readonly MethodFlow[]> = {
  card_jwe: ['card'],
  stripe: ['card'],
  delegated: ['card'],
  wallet: ['wallet'],
  none: ['qr', 'voucher', 'redirect', 'bank_transfer'],
  saved: ['card', 'wallet', 'qr', 'voucher', 'redirect', 'bank_transfer'],
};

export function createLedger({ backend, storage, now, newId, withLock }: Kit, access: Access, coupons: CouponLookup) {
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
  ): Promise<(Answer & { reserved?: string }) | { taken: IdempotencyRecord }> {
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
    // The method follows from the source: a card (typed, Stripe's or an agent's delegated token)
    // pays card methods only, a wallet token wallet methods, and only off-page methods (QR,
    // voucher, redirect, bank transfer) take no source. A method named beside a source of
    // another kind would borrow that method's discounts (PIX's coupon on a card charge).
    if (!SOURCE_FLOWS[src.type].includes(offered.flow)) {
      throw new RequestError('invalid_request', src.type === 'delegated' ? `A delegated payment token pays card methods only, not ${offered.label}.` : `A ${src.type} source cannot pay with ${offered.label}.`);
    }
    const mandate = await verifiedMandate(backend, session, src, ctx);
    // Never trust the client's total: price the requested codes ourselves.
    const input = await coupons.pricingInput(session, req.couponCodes, ctx);
    const q = priceWith(input, req.couponCodes, req.method);
    const invalidCodes = q.rejected.length > 0;
    if (invalidCodes || q.total !== req.expectedTotal.amount || req.expectedTotal.currency !== session.currency) {
      const fresh = invalidCodes ? bestQuote(input, req.method) : q;
      return { status: 409, reply: failed('price_changed', { quote: fresh }) };
    }
    const paymentId = newId('pay');
    const amount = { amount: q.total, currency: session.currency };
    if (mandate) withinMandate(mandate, session, amount, now());
    const couponCodes = q.applied.map((a) => a.code);
    const actor: Actor = ctx.agent && mandate ? { type: 'agent', agentId: ctx.agent.agentId, mandateId: mandate.id } : { type: 'shopper' };
    const base: Omit<StoredPayment, 'reply'> = { id: paymentId, sessionId: session.id, method: req.method, amount, couponCodes, createdAt: now(), actor };
    // One charge at a time per session (two tabs, two keys), and none once it is paid: the
    // shopper is shown the payment that already succeeded instead of paying twice.
    return withLock(`session:${session.id}`, async () => {
      // The cart may have changed (POST …/items) since this request read it: price it again.
      const current = await storage.getSession(session.id);
      if (current?.agentState?.status === 'canceled') throw new RequestError('session_locked', 'This checkout was canceled.');
      if (current && JSON.stringify([current.session.lines, current.session.shipping]) !== JSON.stringify([session.lines, session.shipping])) {
        const fresh = bestQuote(await coupons.pricingInput(current.session, req.couponCodes, ctx), req.method);
        return { status: 409, reply: failed('price_changed', { quote: fresh }) };
      }
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
      // A single-use mandate is claimed for this checkout before any money moves: another
      // checkout can never use it, retries of this one (after a decline) may.
      if (mandate?.use === 'single') {
        const used = await storage.claimIdempotency(mandateKey(mandate.id), { bodyHash: session.id });
        if (used && used.bodyHash !== session.id) throw new RequestError('mandate_invalid', 'This mandate was already used for another checkout.');
      }
      const earlier = await paymentIds(session.id);
      if (earlier.length >= MAX_PAYMENTS_PER_SESSION) throw new RequestError('rate_limited', 'Too many payment attempts for this checkout.');
      // Reserve the key for this payment before any money moves (see IdempotencyRecord).
      const taken = await reserve(paymentId);
      if (taken) return { taken };
      return authorizeLocked(session, req, base, ctx, mandate, earlier);
    });
  }

  /**
   * Calls the processor. The payment is stored as "outcome unknown" first, so a crash while the
   * processor works leaves a record that reconcile() resolves. The payment's lock is held while
   * it works, so a webhook settling it meanwhile waits for the charge to be recorded instead of
   * missing it. (Never await settle() inside authorize(): that would wait for itself.)
   */
  function authorizeLocked(session: Session, req: PayRequest, base: Omit<StoredPayment, 'reply'>, ctx: TillContext, mandate: Mandate | undefined, earlier: string[]) {
    const { id: paymentId, amount, couponCodes } = base;
    return withLock(paymentId, async () => {
      await savePayment({ ...base, reply: UNKNOWN_OUTCOME });
      // Appended under the session's charging lock (held by charge(), which read `earlier`), so
      // no instance loses an id.
      await storage.putIdempotency(paymentsKey(session.id), { bodyHash: 'payments', reply: [...earlier, paymentId] });
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
            actor: base.actor ?? { type: 'shopper' },
            ...(mandate ? { mandate } : {}),
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
  async function reconcile(paymentId: string): Promise<StoredPayment | undefined> {
    return withLock(paymentId, async () => {
      const p = await storage.getPayment(paymentId);
      if (!p || p.reply.status !== 'error' || !backend.retrieve) return p;
      let result: AuthorizeResult | undefined;
      try {
        result = await backend.retrieve(p, await access.ownerContext(p.sessionId));
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

  async function paidPayment(sessionId: string): Promise<StoredPayment | undefined> {
    const id = (await storage.getIdempotency(paidKey(sessionId)))?.paymentId;
    return id ? storage.getPayment(id) : undefined;
  }

  /** The session's payment whose outcome is unknown (processor threw, reply broke the protocol), if still so. */
  async function unknownPayment(sessionId: string): Promise<StoredPayment | undefined> {
    const id = (await storage.getIdempotency(unknownKey(sessionId)))?.paymentId;
    const p = id ? await storage.getPayment(id) : undefined;
    return p?.reply.status === 'error' ? p : undefined;
  }

  /**
   * The payment that holds the session's cart as it is: a paid one, one whose outcome is unknown,
   * or the latest one while it waits for the shopper (QR, voucher, redirect, challenge).
   */
  async function blocking(sessionId: string): Promise<StoredPayment | undefined> {
    const held = (await paidPayment(sessionId)) ?? (await unknownPayment(sessionId));
    return held ?? (await openPayments(sessionId))[0];
  }

  async function paymentIds(sessionId: string): Promise<string[]> {
    const ids = (await storage.getIdempotency(paymentsKey(sessionId)))?.reply;
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
  }

  /** The session's payments still waiting for the shopper or unconfirmed (every one, not just the latest). */
  async function openPayments(sessionId: string): Promise<StoredPayment[]> {
    const open: StoredPayment[] = [];
    const isOpen = (p: StoredPayment | undefined): p is StoredPayment => p?.reply.status === 'requires_action' || p?.reply.status === 'error';
    for (const id of await paymentIds(sessionId)) {
      // Settled payments (most of them) are read once and skipped; only an open one takes its
      // lock, where an expired QR or voucher is voided before it counts.
      if (!isOpen(await storage.getPayment(id))) continue;
      const p = await withLock(id, () => pendingPayment(id)).catch(() => undefined);
      if (isOpen(p)) open.push(p);
    }
    return open;
  }

  /** Stores a payment; the first one to succeed marks its session paid, an unknown outcome holds it. */
  async function savePayment(p: StoredPayment): Promise<void> {
    await storage.putPayment(p);
    if (p.reply.status === 'succeeded') await storage.claimIdempotency(paidKey(p.sessionId), { bodyHash: 'paid', paymentId: p.id });
    if (p.reply.status === 'error') await storage.putIdempotency(unknownKey(p.sessionId), { bodyHash: 'unknown', paymentId: p.id });
  }

  /** Reads a payment, expiring a QR code or voucher past its time (call inside its lock). */
  async function pendingPayment(paymentId: string, ctx?: TillContext): Promise<StoredPayment> {
    const p = await storage.getPayment(paymentId);
    if (!p) throw new RequestError('not_found', 'Unknown payment.');
    const a = p.reply.status === 'requires_action' ? p.reply.action : undefined;
    if (a && (a.type === 'qr' || a.type === 'voucher') && a.expiresAt <= now()) {
      // Void it at the processor too, so a late scan or cash payment cannot take money.
      await backend.cancel?.(p, ctx ?? (await access.ownerContext(p.sessionId)));
      const expired = { ...p, reply: failed('expired', { paymentId }) };
      await storage.putPayment(expired);
      return expired;
    }
    return p;
  }

  /** The payment as it is now: reconciled when its outcome was unknown, expired when past its time. */
  async function status(record: SessionRecord, payment: StoredPayment, ctx: TillContext): Promise<Answer> {
    if (payment.reply.status === 'error') {
      const now = await reconcile(payment.id);
      if (now) return { status: httpStatusOf(now.reply), reply: now.reply };
    }
    return { status: 200, reply: (await withLock(payment.id, () => pendingPayment(payment.id, ctx))).reply };
  }

  /** Cancels a pending payment (QR, voucher, redirect) at the processor; a settled one answers as it is. */
  function cancel(paymentId: string, ctx: TillContext): Promise<PaymentReply> {
    return withLock(paymentId, async () => {
      const p = await pendingPayment(paymentId, ctx);
      if (p.reply.status !== 'requires_action') return p.reply;
      await backend.cancel?.(p, ctx);
      const reply = failed('cancelled', { paymentId });
      await storage.putPayment({ ...p, reply });
      return reply;
    });
  }

  /** Answers a passkey step-up with the shopper's assertion (the caller checked the owner). */
  function stepUp(paymentId: string, credential: PasskeyCredential, ctx: TillContext): Promise<Answer> {
    return withLock(paymentId, async () => {
      const p = await pendingPayment(paymentId, ctx);
      if (p.reply.status !== 'requires_action' || p.reply.action.type !== 'passkey' || !backend.verifyStepUp) return { status: 200, reply: p.reply };
      let reply: PaymentReply = UNKNOWN_OUTCOME;
      try {
        reply = checkedReply(paymentId, p.amount, await backend.verifyStepUp(p, credential, ctx));
      } catch {
        // A throw may come after the charge: leave the payment pending and let status tell.
      }
      // An unusable result is not stored: the payment stays pending for the backend to settle.
      if (reply.status !== 'error') await savePayment({ ...p, reply });
      return { status: httpStatusOf(reply), reply };
    });
  }

  /** See TillServer.settle. */
  function settle(paymentId: string, result: AuthorizeResult | (() => Promise<AuthorizeResult>)): Promise<PaymentReply | undefined> {
    return withLock(paymentId, async () => {
      const p = await pendingPayment(paymentId).catch(() => undefined);
      if (!p || (p.reply.status !== 'requires_action' && p.reply.status !== 'error')) return p?.reply;
      const reply = checkedReply(paymentId, p.amount, typeof result === 'function' ? await result() : result);
      // A result outside the protocol is refused and the payment stays pending (fix and retry).
      if (reply.status === 'error') throw new Error(`settle(): the result does not match protocol v${PROTOCOL_VERSION}`);
      await savePayment({ ...p, reply });
      return reply;
    });
  }

  /** Replaces a pending action (e.g. a step-up after a challenge). */
  async function requireAction(paymentId: string, action: PaymentAction): Promise<void> {
    await withLock(paymentId, async () => {
      const p = await storage.getPayment(paymentId);
      if (p && p.reply.status === 'requires_action') await storage.putPayment({ ...p, reply: { status: 'requires_action', paymentId, action, amount: p.amount } });
    });
  }

  return { charge, reconcile, paidPayment, blocking, openPayments, pendingPayment, status, cancel, stepUp, settle, requireAction };
}

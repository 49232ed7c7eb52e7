/**
 * Sessions: created from the merchant's own catalog and prices (`backend.createSession`), priced
 * by the kit, stored with the hash of their client secret and their owner, and re-priced on every
 * quote with the same engine the browser runs.
 */
import { bestQuote, bestQuotePerMethod, priceWith } from '../core/pricing/index';
import type { CreateSessionRequest, Quote, QuoteRequest, Session, UpdateItemsRequest } from '../protocol/index';
import type { SessionDraft, TillContext } from './backend';
import type { CouponLookup } from './coupon-lookup';
import { RequestError } from './http';
import type { Kit } from './kit';
import type { Ledger } from './ledger';
import { backendError } from './replies';
import { hashSecret, newClientSecret } from './secrets';
import type { SessionRecord } from './storage/index';

export type Sessions = ReturnType<typeof createSessions>;

export function createSessions({ backend, storage, now, newId, withLock }: Kit, coupons: CouponLookup, ledger: Ledger) {
  /** A session from the merchant's draft: priced by the kit, saved methods only for a shopper. */
  async function priced(draft: SessionDraft, id: string, expiresAt: number, ctx: TillContext): Promise<Session> {
    const { ttlSeconds: _ttl, ...rest } = draft;
    // A guest never sees saved methods, whatever the backend put in the draft.
    const base = { ...rest, savedMethods: ctx.shopper ? rest.savedMethods : [], id, expiresAt, ...(ctx.shopper ? { signedIn: true } : {}) };
    const input = await coupons.pricingInput({ ...base, quote: undefined as never, methodQuotes: [] }, [], ctx);
    const perMethod = bestQuotePerMethod(input, base.methods.map((m) => m.id));
    return { ...base, quote: bestQuote(input), methodQuotes: Object.values(perMethod) };
  }

  /** A new session for `ctx.shopper` (null: a guest), and its client secret (returned only here). */
  async function create(req: CreateSessionRequest, ctx: TillContext, extra: Pick<SessionRecord, 'agentId' | 'agentState'> = {}): Promise<{ session: Session; clientSecret: string }> {
    const { shopper } = ctx;
    const draft = await backend.createSession(req, ctx);
    if ('error' in draft) throw backendError(draft);
    const session = await priced(draft, newId('cs'), now() + (draft.ttlSeconds ?? 3600), ctx);
    const clientSecret = newClientSecret();
    await storage.putSession({ session, secretHash: await hashSecret(clientSecret), ...(shopper ? { shopperId: shopper.shopperId } : {}), ...extra });
    return { session, clientSecret };
  }

  /**
   * Replaces the cart's items, priced again by the merchant. Under the session's charging lock, so
   * no payment starts on the old cart meanwhile; refused (`session_locked`) once a payment of the
   * session is pending, unconfirmed or done — that payment is for the cart as it was.
   */
  function updateItems(record: SessionRecord, req: UpdateItemsRequest, ctx: TillContext): Promise<Session> {
    const { session } = record;
    return withLock(`session:${session.id}`, async () => {
      if (await ledger.blocking(session.id)) throw new RequestError('session_locked', 'A payment for this cart is underway or done: the cart can no longer change.');
      const draft = backend.updateSession
        ? await backend.updateSession(req, session, ctx)
        : await backend.createSession({ items: req.items, currency: session.currency, country: session.country, locale: session.locale }, ctx);
      if ('error' in draft) throw backendError(draft);
      if (draft.currency !== session.currency) throw new RequestError('internal', 'The backend priced the cart in another currency.');
      const next = await priced(draft, session.id, session.expiresAt, ctx);
      await storage.putSession({ ...record, session: next });
      return next;
    });
  }

  /** Prices exactly these codes (or, with `optimize`, the best of them and the session's own). */
  async function quote(record: SessionRecord, req: QuoteRequest, ctx: TillContext): Promise<Quote> {
    const { session } = record;
    if (req.method && !session.methods.some((m) => m.id === req.method)) {
      throw new RequestError('invalid_request', 'That payment method is not offered for this session.');
    }
    const input = await coupons.pricingInput(session, req.couponCodes, ctx);
    return req.optimize ? bestQuote(input, req.method) : priceWith(input, req.couponCodes, req.method);
  }

  return { create, updateItems, quote };
}

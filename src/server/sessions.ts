/**
 * Sessions: created from the merchant's own catalog and prices (`backend.createSession`), priced
 * by the kit, stored with the hash of their client secret and their owner, and re-priced on every
 * quote with the same engine the browser runs.
 */
import { bestQuote, bestQuotePerMethod, priceWith } from '../core/pricing/index';
import type { CreateSessionRequest, Quote, QuoteRequest, Session } from '../protocol/index';
import type { TillContext } from './backend';
import type { CouponLookup } from './coupon-lookup';
import { RequestError } from './http';
import type { Kit } from './kit';
import { backendError } from './replies';
import { hashSecret, newClientSecret } from './secrets';
import type { SessionRecord } from './storage/index';

export type Sessions = ReturnType<typeof createSessions>;

export function createSessions({ backend, storage, now, newId }: Kit, coupons: CouponLookup) {
  /** A new session for `ctx.shopper` (null: a guest), and its client secret (returned only here). */
  async function create(req: CreateSessionRequest, ctx: TillContext): Promise<{ session: Session; clientSecret: string }> {
    const { shopper } = ctx;
    const draft = await backend.createSession(req, ctx);
    if ('error' in draft) throw backendError(draft);
    const { ttlSeconds = 3600, ...rest } = draft;
    // A guest never sees saved methods, whatever the backend put in the draft.
    const base = { ...rest, savedMethods: shopper ? rest.savedMethods : [], id: newId('cs'), expiresAt: now() + ttlSeconds, ...(shopper ? { signedIn: true } : {}) };
    const input = await coupons.pricingInput({ ...base, quote: undefined as never, methodQuotes: [] }, [], ctx);
    const perMethod = bestQuotePerMethod(input, base.methods.map((m) => m.id));
    const session: Session = { ...base, quote: bestQuote(input), methodQuotes: Object.values(perMethod) };
    const clientSecret = newClientSecret();
    await storage.putSession({ session, secretHash: await hashSecret(clientSecret), ...(shopper ? { shopperId: shopper.shopperId } : {}) });
    return { session, clientSecret };
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

  return { create, quote };
}

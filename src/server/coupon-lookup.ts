/**
 * Codes the shopper typed that the session did not offer: looked up with the merchant's
 * `resolveCoupon`, a limited number per session per 10 minutes so hidden codes cannot be
 * enumerated, and never a card number.
 */
import { containsCardNumber } from '../core/card/index';
import { sessionPricingInput, type PricingInput } from '../core/pricing/index';
import type { Coupon, Session } from '../protocol/index';
import type { TillContext } from './backend';
import { RequestError } from './http';
import type { Kit } from './kit';

export type CouponLookup = ReturnType<typeof createCouponLookup>;

export function createCouponLookup({ options, backend, now }: Kit) {
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

  /** The pricing input for a session plus the typed codes the merchant knows. */
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

  return { countLookup, pricingInput };
}

/**
 * Totals in the store: the server's best quotes for auto-apply, and exact re-pricing of a
 * hand-edited coupon set (in the browser with the server's own engine when every code was
 * offered, by the server when a typed code only it knows is involved).
 */
import { loadModule } from '../core/lazy';
import type { Quote, Session } from '../protocol/index';
import type { StoreContext } from './context';

export type Quotes = ReturnType<typeof createQuotes>;

/** The server's best quote for a method (or overall): what auto-apply shows. */
export function bestFor(session: Session, method: string | undefined): Quote {
  return session.methodQuotes.find((q) => q.method === method) ?? session.quote;
}

export function createQuotes({ get, set, client, now, onEvent }: StoreContext) {
  /** Prices exactly these codes in the browser, with the engine the server runs (loaded on first use). */
  async function localQuote(session: Session, codes: string[], method: string | undefined): Promise<Quote> {
    const { priceWith, sessionPricingInput } = await loadModule('pricing');
    return priceWith(sessionPricingInput(session, now()), codes, method);
  }

  /**
   * Prices exactly these codes. Codes the session offered are priced here with the same engine
   * the server runs; a code only the server knows (typed by the shopper) makes the server price.
   */
  async function priceCodes(codes: string[], method: string | undefined): Promise<Quote | undefined> {
    const session = get().session;
    if (!session) return undefined;
    set({ repricing: true });
    try {
      if (codes.every((c) => session.coupons.some((k) => k.code === c))) return await localQuote(session, codes, method);
      const r = await client.quote(session.id, { couponCodes: codes, ...(method ? { method } : {}) });
      return r.status === 'ok' ? r.quote : undefined;
    } catch {
      return undefined;
    } finally {
      set({ repricing: false });
    }
  }

  function commitQuote(quote: Quote) {
    set({ quote, autoCoupons: false });
    onEvent({ type: 'coupons-changed', codes: quote.applied.map((a) => a.code), total: quote.total });
  }

  async function reprice(codes: string[]) {
    if (get().phase !== 'ready') return;
    const q = await priceCodes(codes, get().method);
    if (q) commitQuote(q);
  }

  return { priceCodes, commitQuote, reprice };
}

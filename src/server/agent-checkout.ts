/**
 * What the agent protocols (ACP, UCP) share: a checkout an agent created and only that agent may
 * act on, the state the protocol keeps on the session (buyer, address, submitted codes, canceled),
 * its quote (the best coupons with the agent's codes, priced for the card method a delegated token
 * pays), where it stands, and paying it with a delegated token through the kit's own idempotency.
 */
import { containsCardNumber } from '../core/card/index';
import { bestQuote, priceWith } from '../core/pricing/index';
import type { Quote, Session } from '../protocol/index';
import type { Agent, TillContext } from './backend';
import type { CouponLookup } from './coupon-lookup';
import { RequestError, sha256 } from './http';
import type { Idempotency } from './idempotency';
import type { Kit } from './kit';
import type { Answer, Ledger } from './ledger';
import type { SessionRecord } from './storage/index';

/** What an agent protocol keeps on a session (SessionRecord.agentState). */
export interface AgentState {
  protocol: 'acp' | 'ucp';
  status?: 'canceled';
  codes?: string[];
  buyer?: { email: string; first_name?: string | undefined; last_name?: string | undefined; full_name?: string | undefined; phone_number?: string | undefined };
  fulfillment?: { name?: string | undefined; phone_number?: string | undefined; email?: string | undefined; address?: { country: string; [k: string]: unknown } | undefined };
  selected?: unknown;
}

/** Where a checkout stands, whatever the protocol calls it. */
export type Progress = { stage: 'completed'; orderId: string } | { stage: 'canceled' } | { stage: 'expired' } | { stage: 'in_progress' } | { stage: 'open' };

/** A quote's discounts by what they apply to (minor units, positive): agent protocols list them apart. */
export function discountsByClass(quote: Quote): { product: number; order: number; shipping: number } {
  const by = (cls: string) => quote.applied.filter((a) => a.class === cls).reduce((n, a) => n + a.amount, 0);
  return { product: by('product'), order: by('order'), shipping: by('shipping') };
}

export type AgentCheckouts = ReturnType<typeof createAgentCheckouts>;

export function createAgentCheckouts({ storage, now, withLock }: Kit, { ledger, idempotency, coupons }: { ledger: Ledger; idempotency: Idempotency; coupons: CouponLookup }) {
  const stateOf = (r: SessionRecord, protocol: AgentState['protocol']): AgentState =>
    r.agentState && (r.agentState as { protocol?: unknown }).protocol ? (r.agentState as unknown as AgentState) : { protocol };

  /** The method a delegated card token pays with: the session's card method. */
  const cardMethod = (s: Session) => s.methods.find((m) => m.flow === 'card');

  /** Only the agent that created a checkout may act on it; anyone else learns nothing. */
  async function open(id: string, agent: Agent): Promise<SessionRecord> {
    const record = await storage.getSession(id);
    if (!record || record.agentId !== agent.agentId) throw new RequestError('not_found', 'Unknown checkout session.');
    return record;
  }

  const contextOf = (record: SessionRecord, request: Request, agent: Agent): TillContext => ({ request, shopper: record.shopperId ? { shopperId: record.shopperId } : null, agent });

  /** The quote shown and charged: the best one with the agent's codes, priced for the card method. */
  async function quoteOf(record: SessionRecord, codes: readonly string[], ctx: TillContext): Promise<Quote> {
    const { session } = record;
    const method = cardMethod(session)?.id;
    const input = await coupons.pricingInput(session, codes, ctx);
    const best = bestQuote(input, method);
    // Each submitted code that did not make it in is reported with its own reason.
    const rejected = codes
      .filter((c) => !best.applied.some((a) => a.code === c))
      .map((code) => ({ code, reason: priceWith(input, [code], method).rejected[0]?.reason ?? ('not_best' as const) }));
    return { ...best, rejected };
  }

  async function progress(record: SessionRecord, state: AgentState): Promise<Progress> {
    const paid = await ledger.paidPayment(record.session.id);
    if (paid?.reply.status === 'succeeded') return { stage: 'completed', orderId: paid.reply.orderId };
    if (state.status === 'canceled') return { stage: 'canceled' };
    if (record.session.expiresAt <= now()) return { stage: 'expired' };
    if (await ledger.blocking(record.session.id)) return { stage: 'in_progress' };
    return { stage: 'open' };
  }

  /** Saves the protocol's state on the session under its charging lock (a payment never starts mid-change). */
  function saveState(id: string, protocol: AgentState['protocol'], change: (s: AgentState) => AgentState): Promise<SessionRecord> {
    return withLock(`session:${id}`, async () => {
      const current = (await storage.getSession(id))!;
      const next = { ...current, agentState: change(stateOf(current, protocol)) as unknown as Record<string, unknown> };
      await storage.putSession(next);
      return next;
    });
  }

  /** A card number sent as a discount code is refused before anything is stored or looked up. */
  function noCardNumbers(codes: readonly string[] | undefined, path: string): void {
    const at = codes?.findIndex((c) => containsCardNumber(c)) ?? -1;
    if (at >= 0) throw new RequestError('invalid_request', 'A discount code cannot be a card number.', [{ path: `${path}[${at}]`, message: 'Looks like a card number.' }]);
  }

  /**
   * Pays the checkout's quote with a delegated token under its mandate. The kit's payment key is
   * derived from the protocol's own key, so a retry (after a lost answer or a 5xx) is the same
   * payment, never a second charge.
   */
  async function payDelegated(record: SessionRecord, token: string, protocolKey: string, ctx: TillContext & { agent: Agent }): Promise<Answer> {
    const method = cardMethod(record.session);
    if (!method) throw new RequestError('invalid_request', 'This checkout takes no card payments.');
    // The codes the protocol's state holds, whichever protocol set them.
    const quote = await quoteOf(record, (record.agentState as Partial<AgentState> | undefined)?.codes ?? [], ctx);
    return idempotency.pay(record, {
      idempotencyKey: 'agt_' + (await sha256(`${ctx.agent.agentId}:${record.session.id}:${protocolKey}`)).slice(0, 48),
      method: method.id,
      source: { type: 'delegated', token },
      couponCodes: quote.applied.map((a) => a.code),
      expectedTotal: { amount: quote.total, currency: record.session.currency },
    }, ctx);
  }

  /** Voids every payment still waiting for the buyer and marks the checkout canceled. */
  async function cancel(record: SessionRecord, protocol: AgentState['protocol'], ctx: TillContext): Promise<SessionRecord | 'unconfirmed'> {
    const open = await ledger.openPayments(record.session.id);
    if (open.some((p) => p.reply.status === 'error')) return 'unconfirmed';
    for (const p of open) await ledger.cancel(p.id, ctx);
    return saveState(record.session.id, protocol, (s) => ({ ...s, status: 'canceled' }));
  }

  return { stateOf, cardMethod, open, contextOf, quoteOf, progress, saveState, noCardNumbers, payDelegated, cancel };
}

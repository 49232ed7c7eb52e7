/**
 * ACP (Agentic Commerce Protocol, API-Version 2026-04-17) checkout endpoints, served from the same
 * sessions, pricing, coupons, idempotency and ledger as the Till protocol: a checkout an agent
 * creates here is a Till session, and a person can finish it in `<till-checkout>` (continue_url).
 *
 *   POST /checkout_sessions                 create (201)
 *   GET  /checkout_sessions/{id}            retrieve
 *   POST /checkout_sessions/{id}            update (items, buyer, fulfillment, discount codes)
 *   POST /checkout_sessions/{id}/complete   pay with a delegated payment token (under its mandate)
 *   POST /checkout_sessions/{id}/cancel     cancel
 */
import { containsCardNumber } from '../../core/card/index';
import { bestQuote, priceWith } from '../../core/pricing/index';
import type { PayRequest, Quote, Session } from '../../protocol/index';
import type { Access } from '../access';
import type { Agent, TillContext } from '../backend';
import type { CouponLookup } from '../coupon-lookup';
import { match, readBody, RequestError, sha256, validate } from '../http';
import type { Idempotency } from '../idempotency';
import type { Kit } from '../kit';
import type { Ledger } from '../ledger';
import type { Sessions } from '../sessions';
import type { SessionRecord } from '../storage/index';
import { acpError, createAcpIdempotency, type AcpAnswer } from './idempotency';
import type { AcpOptions, AcpPresentation } from './options';
import { DELEGATED_CARD_HANDLER, renderCheckout, type AcpStatus } from './render';
import { ACP_VERSION, AcpCompleteRequest, AcpCreateRequest, AcpUpdateRequest, type AcpState } from './schemas';

export interface AcpServices {
  access: Access;
  sessions: Sessions;
  ledger: Ledger;
  idempotency: Idempotency;
  coupons: CouponLookup;
}

/** Till's request-level errors in ACP's flat error shape. */
const ERROR_MAP: Record<string, [number, 'invalid_request' | 'processing_error' | 'service_unavailable', string]> = {
  invalid_request: [400, 'invalid_request', 'invalid'],
  payload_too_large: [413, 'invalid_request', 'invalid'],
  not_found: [404, 'invalid_request', 'not_found'],
  forbidden: [403, 'invalid_request', 'forbidden'],
  session_expired: [410, 'invalid_request', 'expired'],
  session_locked: [409, 'invalid_request', 'conflict'],
  idempotency_conflict: [422, 'invalid_request', 'idempotency_conflict'],
  mandate_invalid: [403, 'invalid_request', 'mandate_invalid'],
  mandate_exceeded: [403, 'invalid_request', 'mandate_exceeded'],
  rate_limited: [429, 'invalid_request', 'rate_limited'],
  method_not_allowed: [405, 'invalid_request', 'method_not_allowed'],
  unsupported_version: [400, 'invalid_request', 'unsupported_api_version'],
  internal: [500, 'processing_error', 'processing_error'],
};

export function acpErrorOf(e: unknown): AcpAnswer {
  if (!(e instanceof RequestError)) return acpError(500, 'processing_error', 'processing_error', 'Internal error.');
  const [status, type, code] = ERROR_MAP[e.code] ?? [500, 'processing_error', 'processing_error'];
  const path = e.issues?.[0]?.path;
  return acpError(status, type, code, e.message, path ? `$.${path}` : undefined);
}

function respond(a: AcpAnswer & { replayed?: boolean }, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(a.body), {
    status: a.status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      ...(a.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
      ...(a.status === 409 && a.body.code === 'idempotency_in_flight' ? { 'Retry-After': '1' } : {}),
      ...headers,
    },
  });
}

export function createAcpRoutes(kit: Kit, { access, sessions, ledger, idempotency, coupons }: AcpServices, options: AcpOptions) {
  const { storage, now, withLock } = kit;
  const keys = createAcpIdempotency(storage, now);
  const present = (request: Request): AcpPresentation => ({
    ...options,
    orderUrl: options.orderUrl ?? ((orderId) => new URL(`/orders/${encodeURIComponent(orderId)}`, request.url).href),
  });

  const stateOf = (r: SessionRecord): AcpState => (r.agentState?.protocol === 'acp' ? (r.agentState as unknown as AcpState) : { protocol: 'acp' });
  /** The method a delegated card token pays with: the session's card method. */
  const cardMethod = (s: Session) => s.methods.find((m) => m.flow === 'card');

  async function openAcp(id: string, agent: Agent): Promise<SessionRecord> {
    const record = await storage.getSession(id);
    // Only the agent that created a checkout may act on it here; anyone else learns nothing.
    if (!record || record.agentId !== agent.agentId) throw new RequestError('not_found', 'Unknown checkout session.');
    return record;
  }

  const contextOf = (record: SessionRecord, request: Request, agent: Agent): TillContext => ({ request, shopper: record.shopperId ? { shopperId: record.shopperId } : null, agent });

  /** The quote ACP shows and charges: the best one with the agent's codes, priced for the card method. */
  async function quoteOf(record: SessionRecord, ctx: TillContext): Promise<Quote> {
    const { session } = record;
    const method = cardMethod(session)?.id;
    const codes = stateOf(record).codes ?? [];
    const input = await coupons.pricingInput(session, codes, ctx);
    const best = bestQuote(input, method);
    // Report each submitted code that did not make it in, with its own reason.
    const rejected = codes
      .filter((c) => !best.applied.some((a) => a.code === c))
      .map((code) => ({ code, reason: priceWith(input, [code], method).rejected[0]?.reason ?? ('not_best' as const) }));
    return { ...best, rejected };
  }

  async function statusOf(record: SessionRecord): Promise<{ status: AcpStatus; order?: { orderId: string } }> {
    const paid = await ledger.paidPayment(record.session.id);
    if (paid?.reply.status === 'succeeded') return { status: 'completed', order: { orderId: paid.reply.orderId } };
    if (stateOf(record).status === 'canceled') return { status: 'canceled' };
    if (record.session.expiresAt <= now()) return { status: 'expired' };
    if (await ledger.blocking(record.session.id)) return { status: 'complete_in_progress' };
    return { status: stateOf(record).fulfillment?.address ? 'ready_for_payment' : 'not_ready_for_payment' };
  }

  async function view(record: SessionRecord, request: Request, agent: Agent, status = 200): Promise<AcpAnswer> {
    const ctx = contextOf(record, request, agent);
    const s = await statusOf(record);
    return { status, body: renderCheckout(record.session, stateOf(record), await quoteOf(record, ctx), s.status, present(request), s.order) };
  }

  /** Saves ACP state on the session under its charging lock (a payment never starts mid-change). */
  function saveState(id: string, change: (s: AcpState) => AcpState): Promise<SessionRecord> {
    return withLock(`session:${id}`, async () => {
      const current = (await storage.getSession(id))!;
      const next = { ...current, agentState: change(stateOf(current)) as unknown as Record<string, unknown> };
      await storage.putSession(next);
      return next;
    });
  }

  /** A card number sent as a discount code is refused before anything is stored or looked up. */
  function noCardNumbers(codes: readonly string[] | undefined): void {
    const at = codes?.findIndex((c) => containsCardNumber(c)) ?? -1;
    if (at >= 0) throw new RequestError('invalid_request', 'A discount code cannot be a card number.', [{ path: `discounts.codes[${at}]`, message: 'Looks like a card number.' }]);
  }

  async function create(body: unknown, request: Request, agent: Agent): Promise<AcpAnswer> {
    const req = validate(AcpCreateRequest, body);
    noCardNumbers(req.discounts?.codes);
    const ctx: TillContext = { request, shopper: null, agent };
    const country = req.fulfillment_details?.address?.country.toUpperCase();
    const { session } = await sessions.create(
      { items: req.line_items.map((i) => ({ productId: i.id, quantity: i.quantity ?? 1 })), currency: req.currency.toUpperCase(), ...(country ? { country } : {}), ...(req.locale ? { locale: req.locale } : {}) },
      ctx,
      { agentId: agent.agentId, agentState: { protocol: 'acp', ...(req.buyer ? { buyer: req.buyer } : {}), ...(req.fulfillment_details ? { fulfillment: req.fulfillment_details } : {}), ...(req.discounts ? { codes: req.discounts.codes.map((c) => c.toUpperCase()) } : {}) } },
    );
    return view((await storage.getSession(session.id))!, request, agent, 201);
  }

  async function update(id: string, body: unknown, request: Request, agent: Agent): Promise<AcpAnswer> {
    const req = validate(AcpUpdateRequest, body);
    noCardNumbers(req.discounts?.codes);
    let record = await openAcp(id, agent);
    const { status } = await statusOf(record);
    if (status === 'completed' || status === 'canceled') return acpError(405, 'invalid_request', 'not_updatable', `The checkout is ${status}.`);
    if (req.line_items) {
      const ctx = contextOf(record, request, agent);
      await sessions.updateItems(record, { items: req.line_items.map((i) => ({ productId: i.id, quantity: i.quantity ?? 1 })) }, ctx);
    }
    record = await saveState(id, (s) => ({
      ...s,
      ...(req.buyer ? { buyer: req.buyer } : {}),
      ...(req.fulfillment_details ? { fulfillment: req.fulfillment_details } : {}),
      ...(req.selected_fulfillment_options ? { selected: req.selected_fulfillment_options } : {}),
      ...(req.discounts ? { codes: req.discounts.codes.map((c) => c.toUpperCase()) } : {}),
    }));
    return view(record, request, agent);
  }

  async function complete(id: string, body: unknown, request: Request, agent: Agent, key: string): Promise<AcpAnswer> {
    const req = validate(AcpCompleteRequest, body);
    let record = await openAcp(id, agent);
    const before = await statusOf(record);
    if (before.status === 'completed') return view(record, request, agent);
    if (before.status === 'canceled' || before.status === 'expired') return acpError(405, 'invalid_request', 'not_completable', `The checkout is ${before.status}.`);
    if (before.status === 'not_ready_for_payment') return acpError(400, 'invalid_request', 'missing', 'A shipping address is needed before payment.', '$.fulfillment_details.address');
    if (req.payment_data.handler_id !== DELEGATED_CARD_HANDLER) return acpError(400, 'invalid_request', 'invalid', `Unknown payment handler; use ${DELEGATED_CARD_HANDLER}.`, '$.payment_data.handler_id');
    if (req.buyer) record = await saveState(id, (s) => ({ ...s, buyer: req.buyer! }));
    const method = cardMethod(record.session);
    if (!method) return acpError(400, 'invalid_request', 'unsupported', 'This checkout takes no card payments.', '$.payment_data');
    const ctx = contextOf(record, request, agent);
    const quote = await quoteOf(record, ctx);
    const pay: PayRequest = {
      // One Till payment key per ACP key and checkout: a retry (after a lost answer or a 5xx) is the same payment.
      idempotencyKey: 'acp_' + (await sha256(`${agent.agentId}:${id}:${key}`)).slice(0, 48),
      method: method.id,
      source: { type: 'delegated', token: req.payment_data.instrument.credential.token },
      couponCodes: quote.applied.map((a) => a.code),
      expectedTotal: { amount: quote.total, currency: record.session.currency },
    };
    const done = await idempotency.pay(record, pay, ctx);
    const reply = done.reply;
    if (reply.status === 'succeeded') return view((await storage.getSession(id))!, request, agent);
    if (reply.status === 'requires_action') return view((await storage.getSession(id))!, request, agent);
    if (reply.status === 'failed') {
      if (reply.code === 'price_changed') return acpError(409, 'invalid_request', 'conflict', 'The cart changed while paying; retrieve it and complete again.');
      return acpError(402, 'invalid_request', reply.code === 'card_declined' || reply.code === 'insufficient_funds' ? 'payment_declined' : reply.code, reply.message, '$.payment_data');
    }
    // The payment's outcome is unknown: never cached (5xx), a retry asks the same payment again.
    return acpError(500, 'processing_error', 'processing_error', reply.message);
  }

  async function cancel(id: string, request: Request, agent: Agent): Promise<AcpAnswer> {
    const record = await openAcp(id, agent);
    const { status } = await statusOf(record);
    if (status === 'completed' || status === 'canceled') return acpError(405, 'invalid_request', 'not_cancelable', `The checkout is already ${status}.`);
    const open = await ledger.openPayments(id);
    if (open.some((p) => p.reply.status === 'error')) return acpError(409, 'invalid_request', 'conflict', 'A payment for this checkout is being confirmed; try again shortly.');
    // Every payment still waiting for the buyer is voided, not just the latest one.
    for (const p of open) await ledger.cancel(p.id, contextOf(record, request, agent));
    return view(await saveState(id, (s) => ({ ...s, status: 'canceled' })), request, agent);
  }

  /** Routes one ACP request (path relative to the ACP base path). */
  return async function route(req: Request, path: string): Promise<Response> {
    let agent: Agent | null;
    try {
      agent = await access.callOf(req).agent();
    } catch {
      return respond(acpError(500, 'processing_error', 'processing_error', 'Internal error.'));
    }
    if (!agent) return respond(acpError(401, 'invalid_request', 'unauthorized', 'Send the agent credential: Authorization: Bearer <key>.'));
    const version = req.headers.get('api-version');
    if (version !== ACP_VERSION) {
      const a = acpError(400, 'invalid_request', version ? 'unsupported_api_version' : 'missing_api_version', `Send API-Version: ${ACP_VERSION}.`);
      return respond({ ...a, body: { ...a.body, supported_versions: [ACP_VERSION] } });
    }
    const m = req.method;
    const key = req.headers.get('idempotency-key');
    const echo: Record<string, string> = {
      ...(key && m === 'POST' ? { 'Idempotency-Key': key } : {}),
      ...(req.headers.get('request-id') ? { 'Request-Id': req.headers.get('request-id')!.slice(0, 200) } : {}),
    };
    const post = async (scope: string, work: (body: unknown) => Promise<AcpAnswer>, optionalBody = false) => {
      let body: unknown;
      try {
        // Cancel's body is optional (and only informative): an absent or unreadable one is {}.
        body = optionalBody ? await readBody(req).catch(() => ({})) : await readBody(req);
      } catch (e) {
        return respond(acpErrorOf(e), echo);
      }
      const run = () => work(body).catch(acpErrorOf);
      return respond(await keys.once(`${agent.agentId}:${scope}`, key, body, run), echo);
    };
    let p: Record<string, string> | undefined;
    try {
      if ((p = match('/checkout_sessions', path))) return m === 'POST' ? await post(`POST ${path}`, (b) => create(b, req, agent)) : respond(acpError(405, 'invalid_request', 'method_not_allowed', 'Use POST.'));
      if ((p = match('/checkout_sessions/:id', path))) {
        const id = p.id!;
        if (m === 'GET') return respond(await view(await openAcp(id, agent), req, agent).catch(acpErrorOf), echo);
        if (m === 'POST') return await post(`POST ${path}`, (b) => update(id, b, req, agent));
        return respond(acpError(405, 'invalid_request', 'method_not_allowed', 'Use GET or POST.'));
      }
      if ((p = match('/checkout_sessions/:id/complete', path))) {
        const id = p.id!;
        return m === 'POST' ? await post(`POST ${path}`, (b) => complete(id, b, req, agent, key!)) : respond(acpError(405, 'invalid_request', 'method_not_allowed', 'Use POST.'));
      }
      if ((p = match('/checkout_sessions/:id/cancel', path))) {
        const id = p.id!;
        return m === 'POST' ? await post(`POST ${path}`, () => cancel(id, req, agent), true) : respond(acpError(405, 'invalid_request', 'method_not_allowed', 'Use POST.'));
      }
      return respond(acpError(404, 'invalid_request', 'not_found', 'Not an ACP endpoint.'));
    } catch (e) {
      return respond(acpErrorOf(e), echo);
    }
  };
}

export { ACP_VERSION, type AcpOptions };

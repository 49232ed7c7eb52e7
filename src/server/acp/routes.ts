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
import type { Access } from '../access';
import type { AgentCheckouts, AgentState } from '../agent-checkout';
import type { Agent, TillContext } from '../backend';
import { match, RequestError, validate } from '../http';
import type { Kit } from '../kit';
import type { Sessions } from '../sessions';
import type { SessionRecord } from '../storage/index';
import { agentResponse, createAgentIdempotency, idempotentWrite, type AgentAnswer } from '../agent-idempotency';
import { ACP_KEY_ERRORS, acpError } from './errors';
import type { AcpOptions, AcpPresentation } from './options';
import { DELEGATED_CARD_HANDLER, renderCheckout, type AcpStatus } from './render';
import { ACP_VERSION, AcpCompleteRequest, AcpCreateRequest, AcpUpdateRequest, type AcpState } from './schemas';

export interface AcpServices {
  access: Access;
  sessions: Sessions;
  agents: AgentCheckouts;
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

export function acpErrorOf(e: unknown): AgentAnswer {
  if (!(e instanceof RequestError)) return acpError(500, 'processing_error', 'processing_error', 'Internal error.');
  const [status, type, code] = ERROR_MAP[e.code] ?? [500, 'processing_error', 'processing_error'];
  const path = e.issues?.[0]?.path;
  return acpError(status, type, code, e.message, path ? `$.${path}` : undefined);
}

const respond = (a: AgentAnswer & { replayed?: boolean }, headers: Record<string, string> = {}) => agentResponse(a, headers, true);

export function createAcpRoutes(kit: Kit, { access, sessions, agents }: AcpServices, options: AcpOptions) {
  const { storage, now } = kit;
  const keys = createAgentIdempotency(storage, now, ACP_KEY_ERRORS);
  const present = (request: Request): AcpPresentation => ({
    ...options,
    orderUrl: options.orderUrl ?? ((orderId) => new URL(`/orders/${encodeURIComponent(orderId)}`, request.url).href),
  });
  const stateOf = (r: SessionRecord) => agents.stateOf(r, 'acp') as AcpState;
  const save = (id: string, change: (s: AcpState) => AcpState) => agents.saveState(id, 'acp', change as (s: AgentState) => AgentState);

  async function statusOf(record: SessionRecord): Promise<{ status: AcpStatus; order?: { orderId: string } }> {
    const p = await agents.progress(record, stateOf(record));
    if (p.stage === 'completed') return { status: 'completed', order: { orderId: p.orderId } };
    if (p.stage === 'canceled' || p.stage === 'expired') return { status: p.stage };
    if (p.stage === 'in_progress') return { status: 'complete_in_progress' };
    return { status: stateOf(record).fulfillment?.address ? 'ready_for_payment' : 'not_ready_for_payment' };
  }

  async function view(record: SessionRecord, request: Request, agent: Agent, status = 200): Promise<AgentAnswer> {
    const ctx = agents.contextOf(record, request, agent);
    const s = await statusOf(record);
    const state = stateOf(record);
    return { status, body: renderCheckout(record.session, state, await agents.quoteOf(record, state.codes ?? [], ctx), s.status, present(request), s.order) };
  }

  async function create(body: unknown, request: Request, agent: Agent): Promise<AgentAnswer> {
    const req = validate(AcpCreateRequest, body);
    agents.noCardNumbers(req.discounts?.codes, 'discounts.codes');
    const ctx: TillContext = { request, shopper: null, agent };
    const country = req.fulfillment_details?.address?.country.toUpperCase();
    const { session } = await sessions.create(
      { items: req.line_items.map((i) => ({ productId: i.id, quantity: i.quantity ?? 1 })), currency: req.currency.toUpperCase(), ...(country ? { country } : {}), ...(req.locale ? { locale: req.locale } : {}) },
      ctx,
      { agentId: agent.agentId, agentState: { protocol: 'acp', ...(req.buyer ? { buyer: req.buyer } : {}), ...(req.fulfillment_details ? { fulfillment: req.fulfillment_details } : {}), ...(req.discounts ? { codes: req.discounts.codes.map((c) => c.toUpperCase()) } : {}) } },
    );
    return view((await storage.getSession(session.id))!, request, agent, 201);
  }

  async function update(id: string, body: unknown, request: Request, agent: Agent): Promise<AgentAnswer> {
    const req = validate(AcpUpdateRequest, body);
    agents.noCardNumbers(req.discounts?.codes, 'discounts.codes');
    let record = await agents.open(id, agent);
    const { status } = await statusOf(record);
    if (status === 'completed' || status === 'canceled') return acpError(405, 'invalid_request', 'not_updatable', `The checkout is ${status}.`);
    if (req.line_items) {
      await sessions.updateItems(record, { items: req.line_items.map((i) => ({ productId: i.id, quantity: i.quantity ?? 1 })) }, agents.contextOf(record, request, agent));
    }
    record = await save(id, (s) => ({
      ...s,
      ...(req.buyer ? { buyer: req.buyer } : {}),
      ...(req.fulfillment_details ? { fulfillment: req.fulfillment_details } : {}),
      ...(req.selected_fulfillment_options ? { selected: req.selected_fulfillment_options } : {}),
      ...(req.discounts ? { codes: req.discounts.codes.map((c) => c.toUpperCase()) } : {}),
    }));
    return view(record, request, agent);
  }

  async function complete(id: string, body: unknown, request: Request, agent: Agent, key: string): Promise<AgentAnswer> {
    const req = validate(AcpCompleteRequest, body);
    let record = await agents.open(id, agent);
    const before = await statusOf(record);
    if (before.status === 'completed') return view(record, request, agent);
    if (before.status === 'canceled' || before.status === 'expired') return acpError(405, 'invalid_request', 'not_completable', `The checkout is ${before.status}.`);
    if (before.status === 'not_ready_for_payment') return acpError(400, 'invalid_request', 'missing', 'A shipping address is needed before payment.', '$.fulfillment_details.address');
    if (req.payment_data.handler_id !== DELEGATED_CARD_HANDLER) return acpError(400, 'invalid_request', 'invalid', `Unknown payment handler; use ${DELEGATED_CARD_HANDLER}.`, '$.payment_data.handler_id');
    if (req.buyer) record = await save(id, (s) => ({ ...s, buyer: req.buyer! }));
    const done = await agents.payDelegated(record, req.payment_data.instrument.credential.token, key, { ...agents.contextOf(record, request, agent), agent });
    const reply = done.reply;
    if (reply.status === 'succeeded' || reply.status === 'requires_action') return view((await storage.getSession(id))!, request, agent);
    if (reply.status === 'failed') {
      if (reply.code === 'price_changed') return acpError(409, 'invalid_request', 'conflict', 'The cart changed while paying; retrieve it and complete again.');
      return acpError(402, 'invalid_request', reply.code === 'card_declined' || reply.code === 'insufficient_funds' ? 'payment_declined' : reply.code, reply.message, '$.payment_data');
    }
    // The payment's outcome is unknown: never cached (5xx), a retry asks the same payment again.
    return acpError(500, 'processing_error', 'processing_error', reply.message);
  }

  async function cancel(id: string, request: Request, agent: Agent): Promise<AgentAnswer> {
    const record = await agents.open(id, agent);
    const { status } = await statusOf(record);
    if (status === 'completed' || status === 'canceled') return acpError(405, 'invalid_request', 'not_cancelable', `The checkout is already ${status}.`);
    // Every payment still waiting for the buyer is voided, not just the latest one.
    const done = await agents.cancel(record, 'acp', agents.contextOf(record, request, agent));
    if (done === 'unconfirmed') return acpError(409, 'invalid_request', 'conflict', 'A payment for this checkout is being confirmed; try again shortly.');
    return view(done, request, agent);
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
    const post = async (scope: string, work: (body: unknown) => Promise<AgentAnswer>, optionalBody = false) =>
      respond(await idempotentWrite(req, keys.once, `${agent.agentId}:${scope}`, acpErrorOf, work, optionalBody), echo);
    let p: Record<string, string> | undefined;
    try {
      if ((p = match('/checkout_sessions', path))) return m === 'POST' ? await post(`POST ${path}`, (b) => create(b, req, agent)) : respond(acpError(405, 'invalid_request', 'method_not_allowed', 'Use POST.'));
      if ((p = match('/checkout_sessions/:id', path))) {
        const id = p.id!;
        if (m === 'GET') return respond(await view(await agents.open(id, agent), req, agent).catch(acpErrorOf), echo);
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

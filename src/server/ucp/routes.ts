/**
 * UCP (Universal Commerce Protocol, release 2026-08-25) checkout capability over REST, served from
 * the same sessions, pricing, coupons, idempotency and ledger as the Till protocol and ACP:
 *
 *   POST /checkout-sessions                 create (201)
 *   GET  /checkout-sessions/{id}            get
 *   PUT  /checkout-sessions/{id}            update (a full replacement)
 *   POST /checkout-sessions/{id}/complete   pay with a delegated payment token (under its mandate)
 *   POST /checkout-sessions/{id}/cancel     cancel
 *
 * Every call names the platform in `UCP-Agent: profile="https://…"` and is authenticated by the
 * merchant's `authenticateAgent`; POST and PUT carry an `Idempotency-Key` of at least 128 bits.
 * Business outcomes (a declined card, a mandate overrun) are HTTP 200 with the checkout and a
 * message; protocol problems are 4xx with `{ code, content }`.
 */
import type { Access } from '../access';
import type { AgentCheckouts, AgentState } from '../agent-checkout';
import type { Agent, TillContext } from '../backend';
import { match, RequestError, validate } from '../http';
import type { Kit } from '../kit';
import type { Sessions } from '../sessions';
import type { SessionRecord } from '../storage/index';
import { agentResponse, createAgentIdempotency, idempotentWrite, type AgentAnswer, type KeyErrors } from '../agent-idempotency';
import type { UcpOptions, UcpPresentation } from './options';
import { envelope, renderUcp, UCP_HANDLER_ID, UCP_HANDLERS, type UcpMessage, type UcpStatus } from './render';
import { UCP_VERSION, UcpCheckoutRequest, UcpCompleteRequest } from './schemas';


const protocolError = (status: number, code: string, content: string): AgentAnswer => ({ status, body: { code, content } });

/** A key of at least 128 bits: a UUID, or 22+ URL-safe characters (REST binding, "Idempotency"). */
const KEY = /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9_-]{22,255})$/;

const UCP_KEY_ERRORS: KeyErrors = {
  missing: () => protocolError(400, 'idempotency_key_required', 'Send an Idempotency-Key (a UUID) on every POST and PUT.'),
  invalid: () => protocolError(400, 'invalid_request', 'The Idempotency-Key must carry at least 128 bits: a UUID, or 22 or more URL-safe characters.'),
  conflict: () => protocolError(409, 'idempotency_conflict', 'This Idempotency-Key was used with a different request body.'),
  inFlight: () => protocolError(409, 'idempotency_in_flight', 'A request with this Idempotency-Key is still being processed.'),
  valid: (key) => KEY.test(key),
};

/** The profile a business publishes at `/.well-known/ucp` for this server's checkout endpoint. */
export function ucpProfile(endpoint: string) {
  return {
    ucp: {
      version: UCP_VERSION,
      services: {
        'dev.ucp.shopping': [{ version: UCP_VERSION, spec: `https://ucp.dev/${UCP_VERSION}/specification/overview`, transport: 'rest', schema: `https://ucp.dev/${UCP_VERSION}/services/shopping/rest.openapi.json`, endpoint: endpoint.replace(/\/+$/, '') }],
      },
      capabilities: {
        'dev.ucp.shopping.checkout': [{ version: UCP_VERSION, spec: `https://ucp.dev/${UCP_VERSION}/specification/shopping/checkout`, schema: `https://ucp.dev/${UCP_VERSION}/schemas/shopping/checkout.json` }],
      },
      payment_handlers: UCP_HANDLERS,
    },
  };
}

export function createUcpRoutes(kit: Kit, { access, sessions, agents }: { access: Access; sessions: Sessions; agents: AgentCheckouts }, options: UcpOptions) {
  const { storage, now } = kit;
  const keys = createAgentIdempotency(storage, now, UCP_KEY_ERRORS);
  const present = (request: Request): UcpPresentation => ({ ...options, orderUrl: options.orderUrl ?? ((orderId) => new URL(`/orders/${encodeURIComponent(orderId)}`, request.url).href) });
  const stateOf = (r: SessionRecord) => agents.stateOf(r, 'ucp');

  async function statusOf(record: SessionRecord): Promise<{ status: UcpStatus; order?: { orderId: string } }> {
    const p = await agents.progress(record, stateOf(record));
    if (p.stage === 'completed') return { status: 'completed', order: { orderId: p.orderId } };
    if (p.stage === 'canceled' || p.stage === 'expired') return { status: 'canceled' };
    if (p.stage === 'in_progress') return { status: 'complete_in_progress' };
    return { status: stateOf(record).buyer?.email ? 'ready_for_complete' : 'incomplete' };
  }

  async function view(record: SessionRecord, request: Request, agent: Agent, status = 200, extra: UcpMessage[] = []): Promise<AgentAnswer> {
    const ctx = agents.contextOf(record, request, agent);
    const s = await statusOf(record);
    const state = stateOf(record);
    return { status, body: renderUcp(record.session, state, await agents.quoteOf(record, state.codes ?? [], ctx), s.status, present(request), extra, s.order) };
  }

  const stateFrom = (req: UcpCheckoutRequest, s: AgentState): AgentState => ({
    protocol: s.protocol,
    ...(s.status ? { status: s.status } : {}),
    // A full replacement: what the platform did not resend is cleared.
    ...(req.buyer?.email ? { buyer: { ...req.buyer, email: req.buyer.email } } : {}),
    ...(req.discounts ? { codes: req.discounts.codes.map((c) => c.toUpperCase()) } : {}),
  });

  async function create(body: unknown, request: Request, agent: Agent): Promise<AgentAnswer> {
    const req = validate(UcpCheckoutRequest, body);
    agents.noCardNumbers(req.discounts?.codes, 'discounts.codes');
    const ctx: TillContext = { request, shopper: null, agent };
    const country = req.context?.address_country?.toUpperCase();
    const currency = req.context?.currency?.toUpperCase();
    const { session } = await sessions.create(
      { items: req.line_items.map((l) => ({ productId: l.item.id, quantity: l.quantity })), ...(country ? { country } : {}), ...(currency ? { currency } : {}), ...(req.context?.language ? { locale: req.context.language } : {}) },
      ctx,
      { agentId: agent.agentId, agentState: stateFrom(req, { protocol: 'ucp' }) as unknown as Record<string, unknown> },
    );
    return view((await storage.getSession(session.id))!, request, agent, 201);
  }

  async function update(id: string, body: unknown, request: Request, agent: Agent): Promise<AgentAnswer> {
    const req = validate(UcpCheckoutRequest, body);
    agents.noCardNumbers(req.discounts?.codes, 'discounts.codes');
    let record = await agents.open(id, agent);
    const { status } = await statusOf(record);
    if (status === 'completed' || status === 'canceled') return view(record, request, agent, 200, [{ type: 'error', code: 'checkout_immutable', content: `The checkout is ${status}.`, severity: 'unrecoverable' }]);
    if (status === 'complete_in_progress') return view(record, request, agent, 200, [{ type: 'error', code: 'complete_in_progress', content: 'A payment is being completed; try again once it settles.', severity: 'recoverable' }]);
    const lines = record.session.lines.map((l) => `${l.productId}×${l.quantity}`).join();
    const asked = req.line_items.map((l) => `${l.item.id}×${l.quantity}`).join();
    if (lines !== asked) await sessions.updateItems(record, { items: req.line_items.map((l) => ({ productId: l.item.id, quantity: l.quantity })) }, agents.contextOf(record, request, agent));
    record = await agents.saveState(id, 'ucp', (s) => stateFrom(req, s));
    return view(record, request, agent);
  }

  async function complete(id: string, body: unknown, request: Request, agent: Agent, key: string): Promise<AgentAnswer> {
    const req = validate(UcpCompleteRequest, body);
    const record = await agents.open(id, agent);
    const before = await statusOf(record);
    if (before.status === 'completed') return view(record, request, agent);
    if (before.status !== 'ready_for_complete') return view(record, request, agent, 200, [{ type: 'error', code: 'not_ready', content: `The checkout is ${before.status}.`, severity: before.status === 'canceled' ? 'unrecoverable' : 'recoverable' }]);
    const [instrument, ...more] = req.payment.instruments;
    if (more.length) return view(record, request, agent, 200, [{ type: 'error', code: 'payment_failed', path: '$.payment.instruments', content: 'Send exactly one payment instrument.', severity: 'recoverable' }]);
    const token = instrument!.credential?.token;
    if (instrument!.handler_id !== UCP_HANDLER_ID || !token) return view(record, request, agent, 200, [{ type: 'error', code: 'payment_failed', path: '$.payment.instruments[0].handler_id', content: `Pay with handler ${UCP_HANDLER_ID} and a delegated card token.`, severity: 'recoverable' }]);
    let reply;
    try {
      reply = (await agents.payDelegated(record, token, key, { ...agents.contextOf(record, request, agent), agent })).reply;
    } catch (e) {
      // Mandate problems are business outcomes for the buyer to resolve, told in a message.
      if (e instanceof RequestError && (e.code === 'mandate_invalid' || e.code === 'mandate_exceeded')) {
        return view(record, request, agent, 200, [{ type: 'error', code: e.code, path: '$.payment.instruments[0].credential', content: e.message, severity: 'requires_buyer_input' }]);
      }
      throw e;
    }
    const now = (await storage.getSession(id))!;
    if (reply.status === 'succeeded' || reply.status === 'requires_action') return view(now, request, agent);
    if (reply.status === 'failed') return view(now, request, agent, 200, [{ type: 'error', code: 'payment_failed', path: '$.payment.instruments[0]', content: reply.message, severity: 'recoverable' }]);
    // Unknown outcome: a 5xx, never kept; a retry with the same key asks the same payment again.
    return protocolError(500, 'internal_error', reply.message);
  }

  async function cancel(id: string, request: Request, agent: Agent): Promise<AgentAnswer> {
    const record = await agents.open(id, agent);
    const { status } = await statusOf(record);
    if (status === 'completed' || status === 'canceled') return view(record, request, agent, 200, [{ type: 'error', code: 'not_cancelable', content: `The checkout is already ${status}.`, severity: 'unrecoverable' }]);
    const done = await agents.cancel(record, 'ucp', agents.contextOf(record, request, agent));
    if (done === 'unconfirmed') return view(record, request, agent, 200, [{ type: 'error', code: 'complete_in_progress', content: 'A payment is being confirmed; try again shortly.', severity: 'recoverable' }]);
    return view(done, request, agent);
  }

  const errorOf = (e: unknown): AgentAnswer => {
    if (!(e instanceof RequestError)) return protocolError(500, 'internal_error', 'Internal error.');
    if (e.code === 'not_found') return { status: 404, body: { ucp: envelope('error'), messages: [{ type: 'error', code: 'not_found', content: e.message, severity: 'unrecoverable' }] } };
    const status = { invalid_request: 400, payload_too_large: 413, forbidden: 403, session_locked: 409, rate_limited: 429, session_expired: 410 }[e.code as string] ?? 500;
    const path = e.issues?.[0]?.path;
    return protocolError(status, status === 500 ? 'internal_error' : e.code, status === 500 ? 'Internal error.' : e.message + (path ? ` ($.${path})` : ''));
  };

  const respond = (a: AgentAnswer, headers: Record<string, string> = {}) => agentResponse(a, headers);

  /** Routes one UCP request (path relative to the UCP base path). */
  return async function route(req: Request, path: string): Promise<Response> {
    // UCP-Agent names the platform by its profile URL (RFC 8941 dictionary), https only.
    const profile = /(?:^|[;,\s])profile="(https:\/\/[^"\s]{1,2040})"/.exec(req.headers.get('ucp-agent') ?? '')?.[1];
    if (!profile) return respond(protocolError(400, 'invalid_profile_url', 'Send UCP-Agent: profile="https://…" naming your platform profile.'));
    let agent: Agent | null;
    try {
      agent = await access.callOf(req).agent();
    } catch {
      return respond(protocolError(500, 'internal_error', 'Internal error.'));
    }
    if (!agent) return respond(protocolError(401, 'unauthorized', 'Send the agent credential: Authorization: Bearer <key>.'));
    const m = req.method;
    const key = req.headers.get('idempotency-key');
    const echo: Record<string, string> = req.headers.get('request-id') ? { 'Request-Id': req.headers.get('request-id')!.slice(0, 200) } : {};
    const write = async (scope: string, work: (body: unknown) => Promise<AgentAnswer>, optionalBody = false) =>
      respond(await idempotentWrite(req, keys.once, `${agent.agentId}:ucp:${scope}`, errorOf, work, optionalBody), echo);
    let p: Record<string, string> | undefined;
    try {
      if ((p = match('/checkout-sessions', path))) return m === 'POST' ? await write(`POST ${path}`, (b) => create(b, req, agent)) : respond(protocolError(405, 'method_not_allowed', 'Use POST.'));
      if ((p = match('/checkout-sessions/:id', path))) {
        const id = p.id!;
        if (m === 'GET') return respond(await view(await agents.open(id, agent), req, agent).catch(errorOf), echo);
        if (m === 'PUT') return await write(`PUT ${path}`, (b) => update(id, b, req, agent));
        return respond(protocolError(405, 'method_not_allowed', 'Use GET or PUT.'));
      }
      if ((p = match('/checkout-sessions/:id/complete', path))) {
        const id = p.id!;
        return m === 'POST' ? await write(`POST ${path}`, (b) => complete(id, b, req, agent, key!)) : respond(protocolError(405, 'method_not_allowed', 'Use POST.'));
      }
      if ((p = match('/checkout-sessions/:id/cancel', path))) {
        const id = p.id!;
        return m === 'POST' ? await write(`POST ${path}`, () => cancel(id, req, agent), true) : respond(protocolError(405, 'method_not_allowed', 'Use POST.'));
      }
      return respond(protocolError(404, 'not_found', 'Not a UCP endpoint.'));
    } catch (e) {
      return respond(errorOf(e), echo);
    }
  };
}

export { UCP_VERSION, type UcpOptions };

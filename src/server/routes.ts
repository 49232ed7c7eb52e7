/**
 * The Till protocol's HTTP routes (docs/protocol.md): each validates its body with the protocol
 * schema, opens the session or payment for the caller (access.ts) and answers with JSON.
 */
import { AssertionResponse, AttestationResponse } from './passkey-input';
import {
  CreateSessionRequest,
  PasskeyAssertionRequest,
  PasskeyRegistrationRequest,
  PayRequest,
  PROTOCOL_VERSION,
  QuoteRequest,
  UpdateItemsRequest,
  VERSION_HEADER,
  WebAuthnOptions,
} from '../protocol/index';
import type { Session } from '../protocol/index';
import type { ErrorLike } from './backend';
import type { Access, Call } from './access';
import { json, match, readBody, RequestError, validate } from './http';
import type { Idempotency } from './idempotency';
import type { Kit } from './kit';
import type { Ledger } from './ledger';
import { backendError } from './replies';
import type { Sessions } from './sessions';

export interface Services {
  access: Access;
  sessions: Sessions;
  ledger: Ledger;
  idempotency: Idempotency;
}

export function notAllowed(): never {
  throw new RequestError('method_not_allowed', 'Method not allowed on this endpoint.');
}

export function createRoutes({ backend }: Kit, { access, sessions, ledger, idempotency }: Services) {
  /** The session as stored, plus its payment once paid (so a reload, another tab or an agent's payment shows as paid). */
  async function withPaid(session: Session): Promise<Session> {
    const p = await ledger.paidPayment(session.id);
    return p?.reply.status === 'succeeded' ? { ...session, paid: { paymentId: p.id, orderId: p.reply.orderId, amount: p.reply.amount, method: p.method } } : session;
  }

  async function createSession(body: unknown, call: Call): Promise<Response> {
    const req = validate(CreateSessionRequest, body);
    const created = await sessions.create(req, { request: call.request, shopper: await call.shopper() });
    return json({ status: 'ok', ...created });
  }

  async function quote(sessionId: string, body: unknown, call: Call): Promise<Response> {
    const req = validate(QuoteRequest, body);
    const record = await access.openSession(sessionId, call);
    return json({ status: 'ok', quote: await sessions.quote(record, req, await access.contextOf(record, call)) });
  }

  async function updateItems(sessionId: string, body: unknown, call: Call): Promise<Response> {
    const req = validate(UpdateItemsRequest, body);
    const record = await access.openSession(sessionId, call);
    return json({ status: 'ok', session: await sessions.updateItems(record, req, await access.contextOf(record, call)) });
  }

  async function pay(sessionId: string, body: unknown, call: Call): Promise<Response> {
    const req = validate(PayRequest, body);
    const record = await access.openSession(sessionId, call);
    const done = await idempotency.pay(record, req, await access.contextOf(record, call));
    return json(done.reply, done.status);
  }

  async function resolveAttempt(sessionId: string, body: unknown, call: Call): Promise<Response> {
    // The key travels in the body, not the path: it stays out of access logs.
    const k = validate(PayRequest.shape.idempotencyKey, (body as { idempotencyKey?: unknown } | null)?.idempotencyKey);
    // Expired sessions too: a payment that passed its checks just before expiry may still be on its way.
    await access.openSession(sessionId, call, { allowExpired: true });
    const done = await idempotency.resolve(sessionId, k);
    return json(done.reply, done.status);
  }

  async function paymentStatus(paymentId: string, call: Call): Promise<Response> {
    const { record, payment } = await access.openPayment(paymentId, call);
    const now = await ledger.status(record, payment, await access.contextOf(record, call));
    return json(now.reply, now.status);
  }

  async function cancelPayment(paymentId: string, call: Call): Promise<Response> {
    const { record } = await access.openPayment(paymentId, call);
    return json(await ledger.cancel(paymentId, await access.contextOf(record, call)));
  }

  async function passkeyAssertion(paymentId: string, body: unknown, call: Call): Promise<Response> {
    const { credential } = validate(PasskeyAssertionRequest, body);
    validate(AssertionResponse, credential.response);
    const { record } = await access.openPayment(paymentId, call);
    // Step-up answers only for the signed-in shopper who owns the session (checked by openPayment).
    if (!record.shopperId) throw new RequestError('forbidden', 'Passkeys need a signed-in shopper.');
    const done = await ledger.stepUp(paymentId, credential, await access.contextOf(record, call));
    return json(done.reply, done.status);
  }

  async function passkeyOptions(sessionId: string, call: Call): Promise<Response> {
    const { session, ctx } = await access.ownedSession(sessionId, call);
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
    const { session, ctx } = await access.ownedSession(sessionId, call);
    if (!backend.registerPasskey) throw new RequestError('not_found', 'Passkeys are not offered.');
    // No money moves here: a verifier that throws on a malformed credential is a refusal.
    const r = await backend.registerPasskey(session, credential, ctx).catch((): ErrorLike => ({ error: 'invalid_request', message: 'The passkey could not be verified.' }));
    if (r !== true) throw backendError(r);
    return json({ status: 'ok' });
  }

  /** Routes one request whose path is already relative to the kit's base path. */
  return async function route(req: Request, path: string): Promise<Response> {
    const version = req.headers.get(VERSION_HEADER);
    if (version !== PROTOCOL_VERSION) {
      throw new RequestError('unsupported_version', `Send header ${VERSION_HEADER}: ${PROTOCOL_VERSION}.`);
    }
    const call = access.callOf(req);
    let p: Record<string, string> | undefined;
    const m = req.method;
    if ((p = match('/sessions', path))) return m === 'POST' ? createSession(await readBody(req), call) : notAllowed();
    if ((p = match('/sessions/:id', path))) return m === 'GET' ? json({ status: 'ok', session: await withPaid((await access.openSession(p.id!, call)).session) }) : notAllowed();
    if ((p = match('/sessions/:id/quote', path))) return m === 'POST' ? quote(p.id!, await readBody(req), call) : notAllowed();
    if ((p = match('/sessions/:id/items', path))) return m === 'POST' ? updateItems(p.id!, await readBody(req), call) : notAllowed();
    if ((p = match('/sessions/:id/payments', path))) return m === 'POST' ? pay(p.id!, await readBody(req), call) : notAllowed();
    if ((p = match('/sessions/:id/payments/resolve', path))) return m === 'POST' ? resolveAttempt(p.id!, await readBody(req), call) : notAllowed();
    if ((p = match('/payments/:id', path))) return m === 'GET' ? paymentStatus(p.id!, call) : notAllowed();
    if ((p = match('/payments/:id/cancel', path))) return m === 'POST' ? cancelPayment(p.id!, call) : notAllowed();
    if ((p = match('/payments/:id/passkey', path))) return m === 'POST' ? passkeyAssertion(p.id!, await readBody(req), call) : notAllowed();
    if ((p = match('/sessions/:id/passkeys/options', path))) return m === 'POST' ? passkeyOptions(p.id!, call) : notAllowed();
    if ((p = match('/sessions/:id/passkeys', path))) return m === 'POST' ? passkeyRegistration(p.id!, await readBody(req), call) : notAllowed();
    throw new RequestError('not_found', 'Not a Till endpoint.');
  };
}

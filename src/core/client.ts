import { CLIENT_SECRET_HEADER, PROTOCOL_VERSION, VERSION_HEADER } from '../protocol/constants';
import type { CreateSessionRequest, PasskeyCredential, PasskeyReply, PaymentReply, PayRequest, QuoteReply, QuoteRequest, SessionReply, UpdateItemsRequest } from '../protocol/index';
import { loadSchemas, type Schemas } from './load-schemas';
import { yieldToMain } from './tasks';

/** The reply schemas by name, and the type each one parses to. */
interface Replies {
  SessionReply: SessionReply;
  QuoteReply: QuoteReply;
  PaymentReply: PaymentReply;
  PasskeyReply: PasskeyReply;
}

/** Why a call produced no protocol reply at all. Protocol-level errors come back as `status: 'error'` replies instead. */
export class TillClientError extends Error {
  override name = 'TillClientError';
  constructor(
    readonly code: 'network' | 'timeout' | 'bad_response',
    message: string,
    /** True when repeating the same request may succeed (it is idempotent on the server). */
    readonly retryable: boolean,
    /** HTTP status of a reply that was not protocol JSON (a proxy's or framework's page). */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  /** Merchant base URL, e.g. `https://shop.example/api/till/v1`. */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Per-request timeout in ms. */
  timeoutMs?: number;
  /** The session's client secret (from `POST /sessions`), sent with every call on the session. */
  clientSecret?: string;
}

export type TillClient = ReturnType<typeof createClient>;

/**
 * Typed HTTP client for protocol v1. Every reply is validated with the protocol schema; a reply
 * that does not match becomes a TillClientError('bad_response') rather than reaching the UI.
 * The schemas load with the first call, alongside its request, never at import.
 */
export function createClient({ baseUrl, fetch: fetchImpl = globalThis.fetch.bind(globalThis), timeoutMs = 20_000, clientSecret }: ClientOptions) {
  const base = baseUrl.replace(/\/+$/, '');
  const auth: Record<string, string> = clientSecret ? { [CLIENT_SECRET_HEADER]: clientSecret } : {};

  async function call<K extends keyof Replies>(schema: K, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Replies[K]> {
    // Fetched in parallel with the request; a failed load is a network failure like any other.
    const schemas: Promise<Schemas | undefined> = loadSchemas().catch(() => undefined);
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    let res: Response;
    try {
      res = await fetchImpl(base + path, {
        method,
        headers: { [VERSION_HEADER]: PROTOCOL_VERSION, ...auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
        signal: ctrl.signal,
        credentials: 'same-origin',
      });
    } catch {
      throw ctrl.signal.aborted
        ? new TillClientError('timeout', 'The payment service did not answer in time.', true)
        : new TillClientError('network', 'Could not reach the payment service.', true);
    } finally {
      clearTimeout(timer);
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new TillClientError('bad_response', `Unreadable reply (HTTP ${res.status}).`, res.status >= 500, res.status);
    }
    const s = await schemas;
    if (!s) throw new TillClientError('network', 'Could not load the checkout (till-schemas.js).', true);
    // Validation, and what the caller does with the reply, each get a task of their own.
    await yieldToMain();
    const parsed = s[schema].safeParse(json);
    if (!parsed.success) {
      throw new TillClientError('bad_response', `Reply does not match protocol v${PROTOCOL_VERSION} (HTTP ${res.status}).`, false, res.status);
    }
    await yieldToMain();
    return parsed.data as Replies[K];
  }

  const id = (s: string) => encodeURIComponent(s);
  return {
    createSession: (req: CreateSessionRequest) => call('SessionReply', 'POST', '/sessions', req),
    getSession: (sessionId: string) => call('SessionReply', 'GET', `/sessions/${id(sessionId)}`),
    /** Replaces the cart's items (re-priced by the merchant); `session_locked` once a payment holds the cart. */
    updateItems: (sessionId: string, req: UpdateItemsRequest) => call('SessionReply', 'POST', `/sessions/${id(sessionId)}/items`, req),
    quote: (sessionId: string, req: QuoteRequest) => call('QuoteReply', 'POST', `/sessions/${id(sessionId)}/quote`, req),
    pay: (sessionId: string, req: PayRequest) => call('PaymentReply', 'POST', `/sessions/${id(sessionId)}/payments`, req),
    /** What became of the payment sent with this key; the server voids a key it never saw. */
    resolveAttempt: (sessionId: string, idempotencyKey: string) =>
      call('PaymentReply', 'POST', `/sessions/${id(sessionId)}/payments/resolve`, { idempotencyKey }),
    paymentStatus: (paymentId: string) => call('PaymentReply', 'GET', `/payments/${id(paymentId)}`),
    cancelPayment: (paymentId: string) => call('PaymentReply', 'POST', `/payments/${id(paymentId)}/cancel`, {}),
    passkeyAssertion: (paymentId: string, credential: PasskeyCredential) =>
      call('PaymentReply', 'POST', `/payments/${id(paymentId)}/passkey`, { credential }),
    passkeyRegistrationOptions: (sessionId: string) => call('PasskeyReply', 'POST', `/sessions/${id(sessionId)}/passkeys/options`, {}),
    registerPasskey: (sessionId: string, credential: PasskeyCredential) =>
      call('PasskeyReply', 'POST', `/sessions/${id(sessionId)}/passkeys`, { credential }),
  };
}

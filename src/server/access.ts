/**
 * Who may act on a session or payment: the client secret opens it, and a session created for a
 * signed-in shopper opens only for that shopper (see docs/security.md).
 */
import { CLIENT_SECRET_HEADER, type Session } from '../protocol/index';
import type { Agent, Shopper, TillContext } from './backend';
import { RequestError } from './http';
import type { Kit } from './kit';
import { secretMatches } from './secrets';
import type { SessionRecord, StoredPayment } from './storage/index';

/** A request as the kit sees it: the web Request, and its shopper asked of `authenticate` at most once. */
export interface Call {
  request: Request | undefined;
  shopper(): Promise<Shopper | null>;
  /** The AI agent making the call (asked of `authenticateAgent` at most once), or null for a person. */
  agent(): Promise<Agent | null>;
}

const NOT_FOUND = 'Unknown checkout session.';

export type Access = ReturnType<typeof createAccess>;

export function createAccess({ options, storage, now }: Kit) {
  function callOf(request: Request | undefined): Call {
    let who: Promise<Shopper | null> | undefined;
    let bot: Promise<Agent | null> | undefined;
    const { authenticate, authenticateAgent } = options;
    return {
      request,
      shopper: () => (who ??= request && authenticate ? named(authenticate(request), 'shopperId', 'authenticate') : Promise.resolve(null)),
      agent: () => (bot ??= request && authenticateAgent ? named(authenticateAgent(request), 'agentId', 'authenticateAgent') : Promise.resolve(null)),
    };
  }

  /** What a merchant's authentication hook answered: null, or exactly `{ [key]: 1–128 characters }`. */
  async function named<K extends string>(answer: Promise<Partial<Record<K, unknown>> | null>, key: K, hook: string): Promise<Record<K, string> | null> {
    const a = await answer;
    if (a === null || a === undefined) return null;
    const id = a[key];
    if (typeof id !== 'string' || id.length < 1 || id.length > 128) throw new Error(`${hook}() returned an invalid ${key}`);
    return { [key]: id } as Record<K, string>;
  }

  /** The context backend hooks get for a session: its owner, checked by openSession(), and the calling agent. */
  async function contextOf(record: SessionRecord, call: Call): Promise<TillContext> {
    const agent = await call.agent();
    return { request: call.request, shopper: record.shopperId ? { shopperId: record.shopperId } : null, ...(agent ? { agent } : {}) };
  }

  /**
   * The session a call may act on. Unknown id and wrong or missing client secret answer alike
   * (`not_found`), so an id alone tells nothing; a session that belongs to a signed-in shopper
   * answers `forbidden` to anyone else, whatever secret they hold. `secret` overrides the
   * header (agent protocols carry their own credential and name the session in the path).
   */
  async function openSession(id: string, call: Call, { allowExpired = false, secret }: { allowExpired?: boolean; secret?: string | null } = {}): Promise<SessionRecord> {
    const record = await storage.getSession(id);
    const presented = secret !== undefined ? secret : (call.request?.headers.get(CLIENT_SECRET_HEADER) ?? null);
    if (!record || !(await secretMatches(presented, record.secretHash))) {
      throw new RequestError('not_found', NOT_FOUND);
    }
    if (record.shopperId) {
      const shopper = await call.shopper();
      if (shopper?.shopperId !== record.shopperId) throw new RequestError('forbidden', 'This checkout belongs to a signed-in shopper. Sign in again to continue.');
    }
    if (!allowExpired && record.session.expiresAt <= now()) throw new RequestError('session_expired', 'This checkout session has expired. Reload to start again.');
    return record;
  }

  /** A payment a call may act on: its session's secret and owner are checked as for the session. */
  async function openPayment(paymentId: string, call: Call): Promise<{ record: SessionRecord; payment: StoredPayment }> {
    const payment = await storage.getPayment(paymentId);
    if (!payment) throw new RequestError('not_found', 'Unknown payment.');
    try {
      return { record: await openSession(payment.sessionId, call, { allowExpired: true }), payment };
    } catch (e) {
      // A wrong secret for a payment reads as an unknown payment, not as an unknown session.
      if (e instanceof RequestError && e.code === 'not_found') throw new RequestError('not_found', 'Unknown payment.');
      throw e;
    }
  }

  /** Context for the merchant's own calls (settle, requireAction): the session's owner, no request. */
  async function ownerContext(sessionId: string): Promise<TillContext> {
    const record = await storage.getSession(sessionId);
    return { request: undefined, shopper: record?.shopperId ? { shopperId: record.shopperId } : null };
  }

  /** A signed-in session for the passkey calls: guests (and anyone but the owner) are refused. */
  async function ownedSession(sessionId: string, call: Call): Promise<{ session: Session; ctx: TillContext & { shopper: Shopper } }> {
    const record = await openSession(sessionId, call);
    if (!record.shopperId) throw new RequestError('forbidden', 'Sign in to use passkeys.');
    return { session: record.session, ctx: { request: call.request, shopper: { shopperId: record.shopperId } } };
  }

  return { callOf, contextOf, openSession, openPayment, ownerContext, ownedSession };
}

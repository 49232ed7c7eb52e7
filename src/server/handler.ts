/**
 * The Till server kit: validates every request with the protocol schemas, checks the session's
 * client secret and owner, re-prices every payment itself, enforces idempotency keys and
 * delegates charging to the merchant's backend. Web-standard Request → Response, so it runs on
 * Node, Deno, Bun and workers.
 *
 * Where things are: access.ts (who may act on what), sessions.ts, coupon-lookup.ts,
 * idempotency.ts (keys, replays, voids), ledger.ts (charging, reconciling, settling),
 * replies.ts (failure messages and HTTP statuses), routes.ts (the Till protocol's routes).
 */
import type { AuthorizeResult, TillServerOptions } from './backend';
import type { PaymentAction, PaymentReply } from '../protocol/index';
import { createAccess } from './access';
import { createCouponLookup } from './coupon-lookup';
import { errorResponse, RequestError } from './http';
import { createIdempotency } from './idempotency';
import { createKit } from './kit';
import { createLedger } from './ledger';
import { createRoutes } from './routes';
import { createAcpRoutes } from './acp/routes';
import { createAgentCheckouts } from './agent-checkout';
import { createUcpRoutes } from './ucp/routes';
import { createSessions } from './sessions';

export type { Actor, Agent, Mandate, AuthorizeInput, AuthorizeResult, ErrorLike, MerchantBackend, SessionDraft, Shopper, TillContext, TillServerOptions } from './backend';

export function createTillServer(options: TillServerOptions) {
  const kit = createKit(options);
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const access = createAccess(kit);
  const coupons = createCouponLookup(kit);
  const ledger = createLedger(kit, access, coupons);
  const sessions = createSessions(kit, coupons, ledger);
  const idempotency = createIdempotency(kit, ledger, coupons);
  const route = createRoutes(kit, { access, sessions, ledger, idempotency });
  const acpBase = options.acp?.basePath.replace(/\/+$/, '');
  const agents = createAgentCheckouts(kit, { ledger, idempotency, coupons });
  const acp = options.acp ? createAcpRoutes(kit, { access, sessions, agents }, options.acp) : undefined;
  const ucpBase = options.ucp?.basePath.replace(/\/+$/, '');
  const ucp = options.ucp ? createUcpRoutes(kit, { access, sessions, agents }, options.ucp) : undefined;

  async function dispatch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (acp && acpBase !== undefined && url.pathname.startsWith(acpBase + '/')) return acp(req, url.pathname.slice(acpBase.length));
    if (ucp && ucpBase !== undefined && url.pathname.startsWith(ucpBase + '/')) return ucp(req, url.pathname.slice(ucpBase.length));
    if (!url.pathname.startsWith(basePath + '/')) throw new RequestError('not_found', 'Not a Till endpoint.');
    return route(req, url.pathname.slice(basePath.length));
  }

  return {
    storage: kit.storage,
    /** Handles one protocol request. Never throws: every problem becomes a typed error reply. */
    async handle(req: Request): Promise<Response> {
      try {
        return await dispatch(req);
      } catch (e) {
        if (e instanceof RequestError) return errorResponse(e.code, e.message, e.issues);
        return errorResponse('internal', 'Internal error.');
      }
    },
    /**
     * Settles a payment that was waiting on an action (challenge done, QR paid, …), or reconciles
     * one whose outcome was unknown (the processor threw; the session takes no other payment until
     * then). `result` may be a function: it runs only if the payment is still open (not expired,
     * cancelled or already settled), inside the payment's lock, so the backend books the order
     * exactly once.
     */
    settle: (paymentId: string, result: AuthorizeResult | (() => Promise<AuthorizeResult>)): Promise<PaymentReply | undefined> => ledger.settle(paymentId, result),
    /** Resolves a payment whose outcome is unknown through `backend.retrieve` (see reconcile). */
    reconcile: (paymentId: string) => ledger.reconcile(paymentId).then((p) => p?.reply),
    getPayment: (id: string) => kit.storage.getPayment(id),
    /** The server's record of a session: the session, its owner (`shopperId`) and secret hash. */
    getSession: (id: string) => kit.storage.getSession(id),
    /** Replaces a pending action (e.g. a step-up after a challenge). */
    requireAction: (paymentId: string, action: PaymentAction): Promise<void> => ledger.requireAction(paymentId, action),
  };
}

export type TillServer = ReturnType<typeof createTillServer>;

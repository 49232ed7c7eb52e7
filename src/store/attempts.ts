/**
 * Payments whose answer never arrived. A request without a definite reply is kept and re-sent
 * byte for byte under the same idempotency key, so the server answers with what it already did
 * instead of charging twice; an attempt whose request was lost in a reload (only its key
 * survived, see AttemptLog) is asked about before anything else is paid.
 */
import { TillClientError } from '../core/client';
import type { PaymentReply, PayRequest } from '../protocol/index';
import type { StoreContext } from './context';
import type { Outcomes } from './outcomes';
import type { LostAttempt } from './types';

const NETWORK_RETRIES = 2;

const UNKNOWN_OUTCOME = 'We could not confirm the payment. Press pay again to check; you will not be charged twice.';
const NOTHING_CHARGED = 'Your earlier payment did not go through: nothing was charged.';
const UNCHECKABLE = 'We could not check your earlier payment. If it went through you will get a confirmation; otherwise pay again.';

export type Attempts = ReturnType<typeof createAttempts>;

export function createAttempts({ get, set, client, options, onEvent }: StoreContext, { fail, handleReply }: Outcomes) {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  /** A payment request whose outcome we never heard (network loss); the next pay() re-sends it. */
  let unresolved: PayRequest | undefined;
  /** An unanswered attempt inherited from before a reload: only its key survived. */
  let lost: LostAttempt | undefined;

  function setUnresolved(req: PayRequest | undefined) {
    unresolved = req;
    // send() already remembered the attempt before the first byte left; only forget it here.
    const id = get().session?.id;
    if (id && !req) options.attempts?.set(id, undefined);
    set({ checking: !!req });
  }

  /**
   * Sends a payment. Without a definite answer (no reply, an unreadable reply, or the server's
   * own `internal` error) the outcome is unknown: the request is kept and the next Pay re-sends
   * it byte for byte under the same idempotency key, and the shopper cannot change what is
   * being paid until that answer arrives.
   */
  async function send(sessionId: string, req: PayRequest, fresh: boolean): Promise<PaymentReply | undefined> {
    // An error reply is a definite "nothing charged" only for a request never sent before: once
    // one attempt went unanswered, an error (a proxy's 429, say) says nothing about that attempt.
    let uncertain = !fresh;
    // Remembered before the first byte leaves: a reload from here on asks the server first.
    options.attempts?.set(sessionId, { key: req.idempotencyKey, method: req.method });
    for (let attempt = 0; ; attempt++) {
      let definite: PaymentReply | undefined;
      try {
        let reply = await client.pay(sessionId, req);
        // Our own fresh key "used with another request": another tab of this session (a
        // duplicated tab shares sessionStorage) had it voided. Ask what the key stands for now.
        if (reply.status === 'error' && reply.code === 'idempotency_conflict') reply = await client.resolveAttempt(sessionId, req.idempotencyKey);
        if (reply.status !== 'error' || (!uncertain && reply.code !== 'internal')) definite = reply;
      } catch {
        // No reply, or one that does not match the protocol: the outcome is unknown.
      }
      if (!definite) uncertain = true;
      if (definite) {
        setUnresolved(undefined);
        return definite;
      }
      if (attempt < NETWORK_RETRIES) {
        await sleep(400 * 2 ** attempt);
        continue;
      }
      setUnresolved(req);
      fail({ code: 'network', message: UNKNOWN_OUTCOME, retryable: true }, req.method);
      return undefined;
    }
  }

  /**
   * Asks the server what became of the attempt lost in a reload. True when the shopper may go on
   * to pay afresh (the server had never seen it and has voided it); false otherwise — its real
   * outcome is now shown, or it is still unknown and Pay asks again.
   */
  async function resolveLost(sessionId: string, quiet: boolean): Promise<boolean> {
    const attempt = lost;
    if (!attempt) return true;
    let reply: PaymentReply | undefined;
    let http: number | undefined;
    try {
      reply = await client.resolveAttempt(sessionId, attempt.key);
    } catch (e) {
      http = e instanceof TillClientError ? e.status : undefined;
    }
    const code = reply?.status === 'error' ? reply.code : undefined;
    // A server without this endpoint (its own 404/405, JSON or not) cannot say: the shopper is
    // told, and decides. A malformed key was never accepted, so nothing was charged under it.
    const cannotSay = code === 'not_found' || code === 'method_not_allowed' || http === 404 || http === 405;
    const neverValid = code === 'invalid_request';
    if (!cannotSay && !neverValid && (!reply || code)) {
      fail({ code: 'network', message: UNKNOWN_OUTCOME, retryable: true }, attempt.method);
      return false;
    }
    lost = undefined;
    options.attempts?.set(sessionId, undefined);
    set({ checking: false });
    if (cannotSay) {
      fail({ code: 'network', message: UNCHECKABLE, retryable: true }, attempt.method);
      return false;
    }
    if (reply && !neverValid && (reply.status !== 'failed' || reply.code !== 'cancelled' || reply.paymentId)) {
      handleReply(reply, attempt.method);
      return false;
    }
    // Void (or never valid): nothing was charged. Told once when the page comes back.
    const failure = { code: 'cancelled' as const, message: reply?.status === 'failed' ? reply.message : NOTHING_CHARGED, retryable: true };
    onEvent({ type: 'payment-failed', method: attempt.method, failure });
    if (!quiet) set({ failure });
    return true;
  }

  return {
    send,
    resolveLost,
    /** Some payment's outcome is unknown: nothing may be changed or paid until it is known. */
    undecided: (): boolean => !!(unresolved || lost),
    /** The request to re-send, if one went unanswered. */
    unresolved: (): PayRequest | undefined => unresolved,
    /** The attempt lost in a reload, if any (set when a session loads). */
    lost: (): LostAttempt | undefined => lost,
    restoreLost(attempt: LostAttempt | undefined) {
      lost = attempt;
    },
  };
}

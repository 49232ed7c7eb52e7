/**
 * Idempotency keys: one payment intent per key within one session (`<sessionId>:<key>`). The key
 * is claimed in storage (a unique key, `INSERT … ON CONFLICT`) before any money moves; a replay
 * answers with that payment as it is now; the same key with another body is a conflict; a key
 * asked about but never seen is voided, so a late copy of its request can never charge.
 */
import { containsCardNumber } from '../core/card/index';
import type { PayRequest } from '../protocol/index';
import type { TillContext } from './backend';
import type { CouponLookup } from './coupon-lookup';
import { canonical, RequestError, sha256 } from './http';
import type { Kit } from './kit';
import type { Answer, Ledger } from './ledger';
import { failed, httpStatusOf, NOT_CHARGED, UNKNOWN_OUTCOME } from './replies';
import type { IdempotencyRecord, SessionRecord } from './storage/index';

/** Body hash of a voided key: no SHA-256 hex digest equals it, so any request under that key conflicts. */
const VOIDED = 'void';

type KeyResult = { status: number; reply: unknown; hash: string };

export type Idempotency = ReturnType<typeof createIdempotency>;

export function createIdempotency({ storage, withLock }: Kit, ledger: Ledger, coupons: CouponLookup) {
  /** Same-key requests arriving while the first is still charging wait for its result. */
  const inflight = new Map<string, Promise<KeyResult>>();

  /**
   * Runs `fn` with the key's stored record, one at a time per key: a request arriving while
   * another with the same key is being handled waits for that one's result. There is no await
   * between the inflight lookup and inflight.set, so a double click shares one charge.
   */
  function once(key: string, fn: (stored: IdempotencyRecord | undefined) => Promise<KeyResult>): Promise<KeyResult> {
    let work = inflight.get(key);
    if (!work) {
      work = storage.getIdempotency(key).then(fn);
      inflight.set(key, work);
      void work.finally(() => inflight.delete(key)).catch(() => undefined);
    }
    return work;
  }

  async function fromRecord(key: string, stored: IdempotencyRecord): Promise<KeyResult> {
    // A key that started a payment answers with that payment as it is now (settled since, or
    // reconciled after an unknown outcome). Reserved but never stored (a crash between the two
    // writes): the outcome is unknown. Charging again is the one thing never done.
    let p = stored.paymentId ? await storage.getPayment(stored.paymentId) : undefined;
    if (p?.reply.status === 'error') p = await ledger.reconcile(p.id);
    if (p) return { status: httpStatusOf(p.reply), reply: p.reply, hash: stored.bodyHash };
    if (stored.reply !== undefined) return { status: stored.httpStatus ?? 200, reply: stored.reply, hash: stored.bodyHash };
    if (stored.paymentId) return reservedOnly(key, stored, stored.paymentId);
    return { status: httpStatusOf(UNKNOWN_OUTCOME), reply: UNKNOWN_OUTCOME, hash: stored.bodyHash };
  }

  /**
   * A key reserved for a payment that was never written: the request that claimed it died, or
   * its write failed, before the payment's "unknown" record — which comes before authorize,
   * under the session's lock. Once that lock is ours and the payment is still absent, authorize
   * never ran: the key answers "not charged" for good, and the shopper may pay again.
   */
  function reservedOnly(key: string, stored: IdempotencyRecord, paymentId: string): Promise<KeyResult> {
    const sessionId = key.slice(0, key.indexOf(':'));
    return withLock(`session:${sessionId}`, async () => {
      const p = await storage.getPayment(paymentId);
      if (p) return { status: httpStatusOf(p.reply), reply: p.reply, hash: stored.bodyHash };
      const reply = failed('processing_error', { message: NOT_CHARGED });
      const status = httpStatusOf(reply);
      await storage.putIdempotency(key, { bodyHash: stored.bodyHash, httpStatus: status, reply });
      return { status, reply, hash: stored.bodyHash };
    });
  }

  /**
   * Pays once per key: a first request charges (through the ledger), a replay answers with what
   * the key did, another body under the key is `idempotency_conflict`. `scope` names the key's
   * namespace within the session (the Till protocol's keys and an agent protocol's keys never meet).
   */
  async function pay(record: SessionRecord, req: PayRequest, ctx: TillContext, scope = ''): Promise<Answer> {
    // A wallet "token" that is really a card number in clear is refused without being stored or echoed.
    if (req.source.type === 'wallet' && containsCardNumber(req.source.token)) {
      throw new RequestError('invalid_request', 'Wallet tokens must be gateway tokens, not card numbers.');
    }
    const sessionId = record.session.id;
    // Hash what the schema accepted (unknown keys stripped), so a retry that merely carries an
    // extra field is the same request.
    const hash = await sha256(canonical(req));
    // Keys are scoped to their session: the same key in another session is another key.
    const key = `${sessionId}:${scope}${req.idempotencyKey}`;
    const done = await once(key, async (stored) => {
      if (stored) return fromRecord(key, stored);
      const r = await ledger.charge(record, req, ctx, (paymentId) => storage.claimIdempotency(key, { bodyHash: hash, paymentId }));
      // Another instance claimed the key first: answer as a replay would, charge nothing.
      if ('taken' in r) return fromRecord(key, r.taken);
      // The reserved payment id stays on the record even when the reply carries none (an unknown
      // outcome), so replays follow that payment once it is reconciled.
      const paymentId = r.reserved ?? ('paymentId' in r.reply ? r.reply.paymentId : undefined);
      const rec = { bodyHash: hash, httpStatus: r.status, reply: r.reply, ...(paymentId ? { paymentId } : {}) };
      // Our own reservation is completed; an answer given without charging (price changed, method
      // not offered) is claimed, so it never replaces a void or another instance's record.
      if (r.reserved) await storage.putIdempotency(key, rec);
      else {
        const taken = await storage.claimIdempotency(key, rec);
        if (taken) return fromRecord(key, taken);
      }
      return { status: r.status, reply: r.reply, hash };
    });
    if (done.hash !== hash) throw new RequestError('idempotency_conflict', 'This idempotency key was already used with a different request.');
    return done as Answer;
  }

  /**
   * "What became of the payment I sent with this key?" — asked by a browser that lost the answer
   * and then its memory of the request (a reload). A key this server has seen answers as a
   * replay would. An unknown key is voided before answering: a copy of the request still on its
   * way can never charge, so the shopper may safely pay again.
   */
  async function resolve(sessionId: string, idempotencyKey: string): Promise<Answer> {
    const key = `${sessionId}:${idempotencyKey}`;
    const done = await once(key, async (stored) => {
      if (stored) return fromRecord(key, stored);
      coupons.countLookup(sessionId, 'attempt:', 'Too many look-ups. Wait a few minutes.');
      const reply = failed('cancelled', { message: 'That payment attempt never reached the shop and is now void: nothing was charged.' });
      const status = httpStatusOf(reply);
      // Claimed, not written: if the request got in first on another instance, its answer wins.
      const taken = await storage.claimIdempotency(key, { bodyHash: VOIDED, httpStatus: status, reply });
      return taken ? fromRecord(key, taken) : { status, reply, hash: VOIDED };
    });
    // A payment the key started answers with its state now: it may have settled since (a bank
    // approval, a webhook), and an old "requires_action" would send the shopper back to the bank.
    const paymentId = (await storage.getIdempotency(key))?.paymentId;
    const current = paymentId ? await withLock(paymentId, () => ledger.pendingPayment(paymentId)).catch(() => undefined) : undefined;
    return current ? { status: httpStatusOf(current.reply), reply: current.reply } : (done as Answer);
  }

  return { pay, resolve };
}

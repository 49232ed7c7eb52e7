/**
 * ACP's idempotency rules (RFC agentic_checkout §6, API-Version 2026-04-17): every POST carries an
 * `Idempotency-Key`, scoped to the authenticated agent and the endpoint path; the same key with the
 * same body answers the original response (`Idempotent-Replayed: true`), with another body is 422
 * `idempotency_conflict`, while the first is still running 409 `idempotency_in_flight` with
 * `Retry-After`; 5xx answers are never kept. Records live in the kit's storage (claimed with
 * `INSERT … ON CONFLICT`), so they hold across instances and restarts.
 */
import { canonical, sha256 } from '../http';
import type { TillStorage } from '../storage/index';

export interface AcpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A request still in flight for this long is taken over by a retry (its process died). */
const STALE_SECONDS = 60;
/** Body hash of a key whose answer was a 5xx: the next request with it runs afresh. */
const RELEASED = 'released';

export const acpError = (status: number, type: 'invalid_request' | 'processing_error' | 'service_unavailable', code: string, message: string, param?: string): AcpAnswer => ({
  status,
  body: { type, code, message, ...(param ? { param } : {}) },
});

/** How a protocol words its idempotency refusals (ACP's by default; UCP passes its own). */
export interface KeyErrors {
  missing(): AcpAnswer;
  invalid(): AcpAnswer;
  conflict(): AcpAnswer;
  inFlight(): AcpAnswer;
  /** Whether a key is acceptable (ACP: 1–255 characters; UCP: at least 128 bits, e.g. a UUID). */
  valid(key: string): boolean;
}

export const ACP_KEY_ERRORS: KeyErrors = {
  missing: () => acpError(400, 'invalid_request', 'idempotency_key_required', 'Idempotency-Key header is required on all POST requests'),
  invalid: () => acpError(400, 'invalid_request', 'invalid', 'Idempotency-Key is at most 255 characters.', '$.headers.Idempotency-Key'),
  conflict: () => acpError(422, 'invalid_request', 'idempotency_conflict', 'Idempotency-Key has already been used with a different request body'),
  inFlight: () => acpError(409, 'invalid_request', 'idempotency_in_flight', 'A request with this Idempotency-Key is currently being processed'),
  valid: (key) => key.length <= 255,
};

export function createAcpIdempotency(storage: TillStorage, now: () => number, errors: KeyErrors = ACP_KEY_ERRORS) {
  /** Runs `work` at most once per (agent, path, key, body); see the module comment. */
  async function once(scope: string, key: string | null, body: unknown, work: () => Promise<AcpAnswer>): Promise<AcpAnswer & { replayed?: boolean }> {
    if (!key) return errors.missing();
    if (!errors.valid(key)) return errors.invalid();
    const hash = await sha256(canonical(body ?? null));
    const k = `acp:${scope}:${await sha256(key)}`;
    const started = { bodyHash: hash, reply: { inFlightSince: now() } };
    let prior = await storage.claimIdempotency(k, started);
    if (prior && prior.bodyHash === RELEASED) {
      await storage.putIdempotency(k, started);
      prior = undefined;
    }
    if (prior) {
      if (prior.bodyHash !== hash) return errors.conflict();
      if (prior.httpStatus !== undefined) return { status: prior.httpStatus, body: prior.reply as Record<string, unknown>, replayed: true };
      const since = (prior.reply as { inFlightSince?: number } | undefined)?.inFlightSince ?? 0;
      if (now() - since < STALE_SECONDS) return errors.inFlight();
      // The request that claimed the key died mid-way: this retry runs it (what it did is itself
      // idempotent: a payment goes through the kit's own per-checkout key).
      await storage.putIdempotency(k, started);
    }
    let answer: AcpAnswer;
    try {
      answer = await work();
    } catch (e) {
      await storage.putIdempotency(k, { bodyHash: RELEASED });
      throw e;
    }
    await storage.putIdempotency(k, answer.status >= 500 ? { bodyHash: RELEASED } : { bodyHash: hash, httpStatus: answer.status, reply: answer.body });
    return answer;
  }
  return { once };
}

/**
 * Request idempotency of the agent protocols (ACP RFC agentic_checkout §6; UCP REST binding):
 * every write carries an `Idempotency-Key`, scoped to the authenticated agent and the endpoint; the
 * same key with the same body answers the original response, with another body is a conflict,
 * while the first is still running it is "in flight" (with `Retry-After`); 5xx answers are never
 * kept. Each protocol words the refusals its own way (KeyErrors). Records live in the kit's storage
 * (claimed with `INSERT … ON CONFLICT`), so they hold across instances and restarts.
 */
import { canonical, readBody, sha256 } from './http';
import type { TillStorage } from './storage/index';

/** An agent protocol's answer: HTTP status and JSON body. */
export interface AgentAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A request still in flight for this long is taken over by a retry (its process died). */
const STALE_SECONDS = 60;
/** Body hash of a key whose answer was a 5xx: the next request with it runs afresh. */
const RELEASED = 'released';

/** How a protocol words its idempotency refusals. */
export interface KeyErrors {
  missing(): AgentAnswer;
  invalid(): AgentAnswer;
  conflict(): AgentAnswer;
  inFlight(): AgentAnswer;
  /** Whether a key is acceptable (ACP: 1–255 characters; UCP: at least 128 bits, e.g. a UUID). */
  valid(key: string): boolean;
}

export function createAgentIdempotency(storage: TillStorage, now: () => number, errors: KeyErrors) {
  /** Runs `work` at most once per (agent, path, key, body); see the module comment. */
  async function once(scope: string, key: string | null, body: unknown, work: () => Promise<AgentAnswer>): Promise<AgentAnswer & { replayed?: boolean }> {
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
    let answer: AgentAnswer;
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

/** A JSON answer; `replayedHeader` adds ACP's `Idempotent-Replayed: true` to replays. */
export function agentResponse(a: AgentAnswer & { replayed?: boolean }, headers: Record<string, string> = {}, replayedHeader = false): Response {
  return new Response(JSON.stringify(a.body), {
    status: a.status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      ...(replayedHeader && a.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
      ...(a.status === 409 && a.body.code === 'idempotency_in_flight' ? { 'Retry-After': '1' } : {}),
      ...headers,
    },
  });
}

/**
 * Reads a write's JSON body and runs `work` once per idempotency key (see createAgentIdempotency).
 * `optionalBody`: an absent or unreadable body (cancel's, only informative) is `{}`.
 */
export async function idempotentWrite(
  req: Request,
  once: ReturnType<typeof createAgentIdempotency>['once'],
  scope: string,
  errorOf: (e: unknown) => AgentAnswer,
  work: (body: unknown) => Promise<AgentAnswer>,
  optionalBody = false,
): Promise<AgentAnswer & { replayed?: boolean }> {
  let body: unknown;
  try {
    body = optionalBody ? await readBody(req).catch(() => ({})) : await readBody(req);
  } catch (e) {
    return errorOf(e);
  }
  return once(scope, req.headers.get('idempotency-key'), body, () => work(body).catch(errorOf));
}

import type * as z from 'zod/mini';
import { MAX_BODY_BYTES, PROTOCOL_VERSION, VERSION_HEADER, type ErrorCode, type ErrorReply } from '../protocol/index';

/** HTTP status of each request-level error code. */
export const HTTP_FOR_ERROR: Record<ErrorCode, number> = {
  invalid_request: 400,
  payload_too_large: 413,
  unsupported_version: 400,
  not_found: 404,
  forbidden: 403,
  session_expired: 410,
  idempotency_conflict: 409,
  session_locked: 409,
  mandate_invalid: 403,
  mandate_exceeded: 403,
  method_not_allowed: 405,
  rate_limited: 429,
  internal: 500,
};

export function json(body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', [VERSION_HEADER]: PROTOCOL_VERSION, 'Cache-Control': 'no-store', ...extra },
  });
}

export function errorReply(code: ErrorCode, message: string, issues?: ErrorReply['issues']): ErrorReply {
  return { status: 'error', code, message, retryable: code === 'rate_limited' || code === 'internal', ...(issues ? { issues } : {}) };
}

export function errorResponse(code: ErrorCode, message: string, issues?: ErrorReply['issues']): Response {
  return json(errorReply(code, message, issues), HTTP_FOR_ERROR[code], code === 'method_not_allowed' ? { Allow: 'GET, POST' } : {});
}

/** A request-level problem; `handle()` turns it into a typed error reply. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorReply['issues'],
  ) {
    super(message);
  }
}

/** Reads at most MAX_BODY_BYTES, whatever Content-Length claims, so a hostile body cannot exhaust memory. */
export async function readBody(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw new RequestError('payload_too_large', `Body exceeds ${MAX_BODY_BYTES} bytes.`);
  if (!req.body) throw new RequestError('invalid_request', 'Missing JSON body.');
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new RequestError('payload_too_large', `Body exceeds ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.byteLength;
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new RequestError('invalid_request', 'Body is not valid UTF-8 JSON.');
  }
}

export function validate<S extends z.ZodMiniType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 20).map((i) => ({
    path: i.path.join('.').slice(0, 200),
    message: i.message.slice(0, 200),
  }));
  throw new RequestError('invalid_request', `The request does not match protocol v${PROTOCOL_VERSION}.`, issues);
}

/** Stable JSON (sorted keys) so that the same logical body always hashes the same. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Matches `/sessions/:id/quote`-style patterns; undefined when the path does not fit. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const s = path.split('/');
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    const val = s[i]!;
    if (seg.startsWith(':')) {
      if (!val) return undefined;
      try {
        params[seg.slice(1)] = decodeURIComponent(val);
      } catch {
        return undefined;
      }
    } else if (seg !== val) return undefined;
  }
  return params;
}

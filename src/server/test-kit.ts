/**
 * Test helpers for the server kit's own tests: calls a kit's `handle()` the way a browser would
 * (version header, client secret, a bearer token naming the shopper), and opens sessions.
 */
import { CLIENT_SECRET_HEADER, PROTOCOL_VERSION, SessionReply, VERSION_HEADER, type Session } from '../protocol/index';
import type { TillServer } from './handler';

export interface CallOptions {
  secret?: string;
  token?: string;
  body?: unknown;
}

export function kitCaller(server: TillServer, base = 'http://shop.test/api') {
  const call = async (method: string, path: string, o: CallOptions = {}) => {
    const headers: Record<string, string> = { [VERSION_HEADER]: PROTOCOL_VERSION };
    if (o.secret) headers[CLIENT_SECRET_HEADER] = o.secret;
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const res = await server.handle(new Request(`${base}${path}`, { method, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) }));
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** POST /sessions with these items; the session and its client secret. */
  const openWith = async (body: Record<string, unknown>, token?: string): Promise<{ session: Session; secret: string }> => {
    const reply = SessionReply.parse((await call('POST', '/sessions', { ...(token ? { token } : {}), body })).body);
    if (reply.status !== 'ok') throw new Error(reply.message);
    return { session: reply.session, secret: reply.clientSecret! };
  };
  return { call, openWith };
}

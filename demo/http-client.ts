/**
 * A shopper's browser, reduced to HTTP, for the process-level tests (restart, crash, several
 * instances): creates sessions, keeps their client secrets, signs in, pays with an encrypted card.
 */
import { encryptCard } from '../src/lazy/jwe';
import { CLIENT_SECRET_HEADER, PROTOCOL_VERSION, SessionReply, VERSION_HEADER, type Session } from '../src/protocol/index';

export interface Opened {
  session: Session;
  secret: string;
}

export function shopperClient(cookie = '') {
  const headers = (secret?: string): Record<string, string> => ({
    [VERSION_HEADER]: PROTOCOL_VERSION,
    'Content-Type': 'application/json',
    ...(secret ? { [CLIENT_SECRET_HEADER]: secret } : {}),
    ...(cookie ? { cookie } : {}),
  });
  const api = (base: string) => base.replace(/\/?$/, '/') + 'api/till/v1';
  return {
    async signIn(base: string, username: string) {
      const res = await fetch(base + 'demo/sign-in', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: 'correct horse battery' }) });
      if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
      cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    },
    async open(base: string, body: Record<string, unknown> = { items: [{ productId: 'tee-classic', quantity: 1 }], country: 'US' }): Promise<Opened> {
      const res = await fetch(api(base) + '/sessions', { method: 'POST', headers: headers(), body: JSON.stringify(body) });
      const reply = SessionReply.parse(await res.json());
      if (reply.status !== 'ok') throw new Error(reply.message);
      return { session: reply.session, secret: reply.clientSecret! };
    },
    async cardPayment(s: Session, number = '4242424242424242', extra: Record<string, unknown> = {}) {
      if (s.tokenization.provider !== 'jwe') throw new Error('expected jwe');
      const jwe = await encryptCard(s.tokenization.publicKey, { number, expMonth: 12, expYear: 2034, cvc: '123' });
      return {
        idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`,
        method: 'card',
        source: { type: 'card_jwe', jwe },
        couponCodes: s.methodQuotes.find((q) => q.method === 'card')!.applied.map((a) => a.code),
        expectedTotal: { amount: s.methodQuotes.find((q) => q.method === 'card')!.total, currency: s.currency },
        ...extra,
      };
    },
    async post(base: string, path: string, body: unknown, secret?: string) {
      const res = await fetch(api(base) + path, { method: 'POST', headers: headers(secret), body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async get(base: string, path: string, secret?: string) {
      const res = await fetch(api(base) + path, { headers: headers(secret) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async ledger(base: string): Promise<{ orderId: string; paymentId: string; sessionId: string; amount: number; card?: { last4: string } }[]> {
      return (await (await fetch(base + 'demo/ledger')).json()) as never;
    },
  };
}

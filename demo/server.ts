/**
 * The demo merchant backend and storefront in one process: the Till server kit mounted at
 * /api/till/v1, a simulated card processor, an order ledger QA and tests can read, and the
 * demo page served with a strict Content-Security-Policy.
 *
 *   npx tsx demo/server.ts [--port 4321] [--host 127.0.0.1]
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import { createTillServer, type AuthorizeResult, type SessionDraft, type StoredPayment } from '../src/server/index';
import { COUNTRY_DEFAULTS, DISPLAY_RATES, demoCoupons, hiddenCoupon, METHODS, PRIORS, PRODUCTS, SHIPPING } from './catalog';
import { authorizeCard, decryptCard } from './processor';
import { createPasskeys } from './passkeys';
import type { FailureCode } from '../src/protocol/index';
import { CardPlaintext, type CardBrand, type SavedMethod } from '../src/protocol/index';

export interface LedgerEntry {
  orderId: string;
  paymentId: string;
  sessionId: string;
  method: string;
  amount: number;
  currency: string;
  coupons: string[];
  card?: { brand: string; last4: string };
  shopperRef?: string;
  installments?: number;
  at: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const API = '/api/till/v1';

export async function startDemo({ port = 4321, host = '127.0.0.1' } = {}) {
  const { publicKey, privateKey } = await generateKeyPair('RSA-OAEP-256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(publicKey);
  const publicJwk = { kty: 'RSA' as const, n: jwk.n ?? '', e: jwk.e ?? '', kid: 'demo-key-1', alg: 'RSA-OAEP-256' as const, use: 'enc' as const };

  const ledger: LedgerEntry[] = [];
  /** Raw bodies of every protocol request, so tests can prove no card number arrives in clear. */
  const requests: { method: string; path: string; body: string }[] = [];
  /** What the ledger needs once a pending payment (challenge, QR, voucher, bank) completes. */
  const pending = new Map<string, { card?: { brand: string; last4: string }; installments?: number }>();
  const passkeys = createPasskeys();
  /** The simulated processor's vault: saved cards per shopper. Only ids and display data leave it. */
  /** Card data kept by the simulated processor: never the CVC (not stored after authorisation). */
  type VaultCard = Pick<CardPlaintext, 'number' | 'expMonth' | 'expYear'>;
  const vault = new Map<string, { method: SavedMethod; card: VaultCard }[]>();
  let orderSeq = 1000;

  function record(e: Omit<LedgerEntry, 'orderId' | 'at' | 'amount' | 'currency'> & { amount: { amount: number; currency: string } }): string {
    const orderId = `ord_${++orderSeq}`;
    ledger.push({ ...e, orderId, amount: e.amount.amount, currency: e.amount.currency, at: new Date().toISOString() });
    return orderId;
  }

  /** Deterministic demo digits for a payment (voucher numbers, QR payloads). */
  const digits = (id: string, n: number) => [...id].map((c) => c.charCodeAt(0) % 10).join('').padEnd(n, '7').slice(0, n);

  function isOwnPage(url: string): boolean {
    try {
      const u = new URL(url);
      return (u.hostname === '127.0.0.1' || u.hostname === 'localhost') && u.port === new URL(origin).port;
    } catch {
      return false;
    }
  }

  let origin = `http://${host}:${port}`;
  /** Demo-only knob (`?provider=stripe` on session creation), kept out of the protocol. */
  const demoRequest = new AsyncLocalStorage<{ provider: string | null }>();

  const till = createTillServer({
    basePath: API,
    backend: {
      async createSession(req): Promise<SessionDraft | { error: 'invalid_request'; message: string }> {
        const country = req.country ?? 'US';
        const defaults = COUNTRY_DEFAULTS[country];
        const methods = METHODS[country];
        if (!defaults || !methods) return { error: 'invalid_request', message: `The demo shop does not sell to ${country}.` };
        const currency = req.currency ?? defaults.currency;
        const lines = [];
        for (const [i, item] of req.items.entries()) {
          const product = PRODUCTS[item.productId];
          const unitPrice = product?.prices[currency];
          if (!product || unitPrice === undefined) return { error: 'invalid_request', message: `Unknown product or currency: ${item.productId} in ${currency}.` };
          lines.push({ id: `line_${i + 1}`, productId: item.productId, name: product.name, quantity: item.quantity, unitPrice, category: product.category });
        }
        return {
          merchantId: 'demo-shop',
          currency,
          country,
          locale: req.locale ?? defaults.locale,
          lines,
          shipping: SHIPPING[currency] ?? 0,
          methods,
          savedMethods: (req.shopperRef ? (vault.get(req.shopperRef) ?? []) : []).map((v) => v.method),
          coupons: demoCoupons(currency),
          firstOrder: !(req.shopperRef && ledger.some((e) => e.shopperRef === req.shopperRef)),
          ...(req.shopperRef ? { shopperRef: req.shopperRef } : {}),
          tokenization:
            demoRequest.getStore()?.provider === 'stripe'
              ? { provider: 'stripe', publishableKey: 'pk_test_TillDemoStandIn' }
              : { provider: 'jwe', publicKey: publicJwk },
          ...(DISPLAY_RATES[currency] ? { displayCurrency: DISPLAY_RATES[currency] } : {}),
          ...(PRIORS[country] ? { priors: { shares: Object.entries(PRIORS[country]).map(([method, value]) => ({ method, value })) } } : {}),
        };
      },
      async resolveCoupon(code) {
        return hiddenCoupon(code, Math.floor(Date.now() / 1000));
      },
      async authorize(input): Promise<AuthorizeResult> {
        const { source, paymentId, session, method, amount, couponCodes } = input;
        const base = { paymentId, sessionId: session.id, method, amount, coupons: couponCodes, ...(session.shopperRef ? { shopperRef: session.shopperRef } : {}), ...(input.installments ? { installments: input.installments } : {}) };
        const flow = session.methods.find((m) => m.id === method)?.flow;
        const nowS = Math.floor(Date.now() / 1000);
        if (source.type === 'none') {
          pending.set(paymentId, { ...(input.installments ? { installments: input.installments } : {}) });
          if (flow === 'qr') {
            const payload = `000201TILLDEMO|${method}|${paymentId}|${amount.amount}|${amount.currency}`;
            return { status: 'requires_action', action: { type: 'qr', payload, expiresAt: nowS + 180 } };
          }
          if (flow === 'voucher') {
            const reference = method === 'boleto' ? `23790.${digits(paymentId, 5)} ${digits(paymentId + 'a', 5)}.${digits(paymentId + 'b', 6)} 8 ${digits(paymentId + 'c', 14)}` : digits(paymentId, 14);
            const instructions = { boleto: 'Pay at any bank, lottery outlet or in your banking app.', oxxo: 'Pay in cash at any OXXO store.', konbini: 'Pay at the register of a convenience store (7-Eleven, Lawson, FamilyMart).' }[method];
            return { status: 'requires_action', action: { type: 'voucher', reference, expiresAt: nowS + 3 * 86_400, ...(instructions ? { instructions } : {}) } };
          }
          if (flow === 'redirect') {
            // Only send shoppers back to this shop: an open redirect would be a phishing aid.
            if (!input.returnUrl || !isOwnPage(input.returnUrl)) return { status: 'failed', code: 'method_unavailable', message: 'This return address is not allowed.' };
            return { status: 'requires_action', action: { type: 'redirect', url: `${origin}/demo/bank/${paymentId}?return=${encodeURIComponent(input.returnUrl)}` } };
          }
          return { status: 'failed', code: 'method_unavailable' };
        }
        let card: VaultCard | undefined;
        if (source.type === 'card_jwe') {
          const decrypted = await decryptCard(source.jwe, privateKey);
          if (typeof decrypted === 'string') return { status: 'failed', code: decrypted };
          card = decrypted;
        } else if (source.type === 'saved') {
          card = session.shopperRef ? vault.get(session.shopperRef)?.find((v) => v.method.id === source.savedMethodId)?.card : undefined;
          if (!card) return { status: 'failed', code: 'method_unavailable' };
        } else if (source.type === 'wallet') {
          // Simulated wallet processor: the token is the wallet's opaque payment data.
          if (source.token.includes('DECLINE')) return { status: 'failed', code: 'card_declined' };
          return { status: 'succeeded', orderId: record({ ...base }) };
        } else if (source.type === 'stripe') {
          // Stripe's servers cannot be reached here: the demo treats Stripe test PaymentMethod ids
          // the way Stripe's test mode does (pm_card_visa succeeds, pm_card_chargeDeclined declines).
          if (source.paymentMethodId === 'pm_card_chargeDeclined') return { status: 'failed', code: 'card_declined' };
          return { status: 'succeeded', orderId: record({ ...base, card: { brand: 'visa', last4: '4242' } }) };
        } else {
          return { status: 'failed', code: 'method_unavailable' };
        }
        const r = authorizeCard(card, new Date());
        if (r.status === 'declined') return { status: 'failed', code: r.code };
        const display = { brand: r.brand, last4: r.last4 };
        const savedMethodId = r.status === 'approved' && input.saveMethod && source.type === 'card_jwe' && session.shopperRef ? saveCard(session.shopperRef, card, r.brand, r.last4) : undefined;
        if (r.status === 'challenge') {
          pending.set(paymentId, { card: display, ...(input.installments ? { installments: input.installments } : {}) });
          // Risky payment: step up with the shopper's passkey when they have one, else the issuer's challenge.
          if (passkeys.has(session.shopperRef)) return { status: 'requires_action', action: { type: 'passkey', options: await passkeys.stepUpOptions(paymentId, session.shopperRef!) } };
          return { status: 'requires_action', action: { type: 'challenge', url: `${origin}/demo/challenge/${paymentId}`, origin } };
        }
        const orderId = record({ ...base, card: display });
        return { status: 'succeeded', orderId, ...(savedMethodId ? { savedMethodId } : {}) };
      },
      async verifyStepUp(payment, credential): Promise<AuthorizeResult> {
        const session = await till.storage.getSession(payment.sessionId);
        if (!session?.shopperRef || !(await passkeys.verifyStepUp(payment.id, session.shopperRef, credential))) return { status: 'failed', code: 'challenge_failed' };
        return { status: 'succeeded', orderId: recordPending(payment, session.shopperRef) };
      },
      async cancel(payment) {
        pending.delete(payment.id);
      },
      async passkeyRegistrationOptions(session) {
        if (!session.shopperRef) return { error: 'not_found', message: 'Sign in to use passkeys.' };
        return passkeys.registrationOptions(session.id, session.shopperRef);
      },
      async registerPasskey(session, credential) {
        if (session.shopperRef && (await passkeys.register(session.id, session.shopperRef, credential))) return true;
        return { error: 'invalid_request', message: 'The passkey could not be verified.' };
      },
    },
  });

  function recordPending(p: StoredPayment, shopperRef: string | undefined): string {
    const extra = pending.get(p.id) ?? {};
    pending.delete(p.id);
    return record({ paymentId: p.id, sessionId: p.sessionId, method: p.method, amount: p.amount, coupons: p.couponCodes, ...extra, ...(shopperRef ? { shopperRef } : {}) });
  }

  /**
   * Completes or fails a pending payment (QA controls, challenge page, bank page). The order is
   * booked inside the kit's settle, which runs it only while the payment is still pending.
   */
  async function settlePending(paymentId: string, ok: boolean, code: FailureCode = 'challenge_failed') {
    return till.settle(paymentId, async (): Promise<AuthorizeResult> => {
      if (!ok) {
        pending.delete(paymentId);
        return { status: 'failed', code };
      }
      const p = (await till.getPayment(paymentId))!;
      const session = await till.storage.getSession(p.sessionId);
      return { status: 'succeeded', orderId: recordPending(p, session?.shopperRef) };
    });
  }


  function saveCard(shopperRef: string, { number, expMonth, expYear }: VaultCard, brand: string, last4: string): string {
    const card = { number, expMonth, expYear };
    const list = vault.get(shopperRef) ?? [];
    const existing = list.find((v) => v.card.number === card.number);
    if (existing) return existing.method.id;
    const id = `pm_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
    list.push({ method: { id, method: 'card', brand: brand as CardBrand, last4, expMonth: card.expMonth, expYear: card.expYear }, card });
    vault.set(shopperRef, list);
    return id;
  }

  /** Test hook: saves a card for a shopper directly (e.g. an expired one, which checkout must not offer). */
  function vaultCard(shopperRef: string, card: VaultCard): string {
    const r = authorizeCard({ ...card, expYear: 2099 }, new Date());
    return saveCard(shopperRef, card, r.status === 'declined' ? 'visa' : r.brand, card.number.slice(-4));
  }

  // Stripe.js and its Elements frames are allowed for the Stripe provider; nothing else is.
  const CSP = "default-src 'self'; script-src 'self' https://js.stripe.com; style-src 'self'; img-src 'self' data:; connect-src 'self' https://api.stripe.com; frame-src 'self' https://js.stripe.com; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'";
  const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json' };

  async function serveFile(res: ServerResponse, rel: string) {
    const path = normalize(join(ROOT, rel));
    if (!path.startsWith(ROOT)) return send(res, 404, 'text/plain', 'Not found');
    try {
      const body = await readFile(path);
      return send(res, 200, TYPES[extname(path)] ?? 'application/octet-stream', body);
    } catch {
      return send(res, 404, 'text/plain', rel.startsWith('dist/') ? 'Not found: run `npm run build` first.' : 'Not found');
    }
  }

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer) {
    res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  }

  const sendJson = (res: ServerResponse, body: unknown, status = 200) => send(res, status, 'application/json', JSON.stringify(body));

  async function toRequest(req: IncomingMessage, url: URL): Promise<{ request: Request; body: string }> {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    if (req.method === 'GET' || req.method === 'HEAD') return { request: new Request(url, { method: req.method, headers }), body: '' };
    // Keep a copy of what arrived on the wire for the request log (bounded: the kit rejects larger bodies anyway).
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > 256 * 1024) break;
      chunks.push(c);
    }
    const raw = Buffer.concat(chunks);
    const request = new Request(url, { method: req.method, headers, body: Readable.toWeb(Readable.from([raw])) as ReadableStream, duplex: 'half' } as RequestInit);
    return { request, body: raw.toString('utf8') };
  }

  /**
   * QA network faults for one checkout session's API calls (`POST /demo/network {"sessionId",
   * "mode"}`; per session, so parallel QA runs do not disturb each other): `slow` delays each of
   * its replies by 2 s, its payments' status, cancel and passkey calls included; `lose-reply` lets
   * its next payment request reach the shop and then cuts the connection before the answer;
   * `lose-request` cuts its next payment request before the shop sees it. The last two happen
   * once, then the network is normal again.
   */
  type NetworkMode = 'normal' | 'slow' | 'lose-reply' | 'lose-request';
  const network = new Map<string, NetworkMode>();
  const MODES: readonly string[] = ['normal', 'slow', 'lose-reply', 'lose-request'];

  /** The session of a `/payments/:id…` call, looked up only while some session has a fault set. */
  async function paymentSession(sub: string): Promise<string | undefined> {
    const id = /^\/payments\/(pay_[A-Za-z0-9]+)(?:\/|$)/.exec(sub)?.[1];
    if (!id || network.size === 0) return undefined;
    // A storage error here means "no fault": the kit still answers the call with its own errors.
    return till.storage.getPayment(id).then((p) => p?.sessionId, () => undefined);
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      const path = url.pathname;
      if (path.startsWith(API + '/')) {
        const { request, body } = await toRequest(req, url);
        if (requests.length < 1000) requests.push({ method: req.method ?? 'GET', path, body });
        const sub = path.slice(API.length);
        const sessionId = /^\/sessions\/([^/]+)/.exec(sub)?.[1] ?? (await paymentSession(sub));
        const mode = (sessionId && network.get(sessionId)) || 'normal';
        if (mode === 'slow') await new Promise((r) => setTimeout(r, 2000));
        const paying = req.method === 'POST' && path.endsWith('/payments');
        const fault = paying && (mode === 'lose-reply' || mode === 'lose-request') ? mode : undefined;
        if (fault) network.delete(sessionId!);
        // The connection breaks after the status line went out: a browser never re-sends a request
        // whose answer had started (it would, silently, on a reused connection closed before that).
        const cut = () => {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
          res.write('{"status":');
          setTimeout(() => res.destroy(), 20);
        };
        if (fault === 'lose-request') return cut();
        const response = await demoRequest.run({ provider: url.searchParams.get('provider') }, () => till.handle(request));
        if (fault === 'lose-reply') return cut();
        res.writeHead(response.status, Object.fromEntries(response.headers));
        return res.end(await response.text());
      }
      if (path === '/demo/network' && req.method === 'POST') {
        const { body } = await toRequest(req, url);
        const { mode, sessionId } = (JSON.parse(body || '{}') ?? {}) as { mode?: unknown; sessionId?: unknown };
        const known = typeof sessionId === 'string' && (await till.storage.getSession(sessionId)) !== undefined;
        if (typeof mode !== 'string' || !MODES.includes(mode) || !known) return sendJson(res, { error: 'invalid_request' }, 400);
        if (mode === 'normal') network.delete(sessionId);
        else network.set(sessionId, mode as NetworkMode);
        return sendJson(res, { mode });
      }
      const netOf = /^\/demo\/network\/([\w-]+)$/.exec(path);
      if (netOf && req.method === 'GET') return sendJson(res, { mode: network.get(netOf[1]!) ?? 'normal' });
      if (path === '/demo/ledger' && req.method === 'GET') return sendJson(res, ledger);
      if (path === '/demo/requests' && req.method === 'GET') return sendJson(res, requests);
      if (path === '/demo/vault' && req.method === 'POST') {
        const { body } = await toRequest(req, url);
        const input = JSON.parse(body) as { shopperRef: string; card: CardPlaintext };
        const parsed = CardPlaintext.safeParse(input.card);
        if (!parsed.success || typeof input.shopperRef !== 'string') return sendJson(res, { error: 'invalid_request' }, 400);
        return sendJson(res, { id: vaultCard(input.shopperRef, parsed.data) });
      }
      if (path === '/demo/reset' && req.method === 'POST') {
        ledger.length = 0;
        requests.length = 0;
        network.clear();
        return sendJson(res, { ok: true });
      }
      const challenge = /^\/demo\/challenge\/(pay_[A-Za-z0-9]+)(\/(complete|fail))?$/.exec(path);
      if (challenge) {
        const paymentId = challenge[1]!;
        if (!challenge[2]) return serveFile(res, 'demo/challenge.html');
        if (req.method !== 'POST') return sendJson(res, { error: 'method_not_allowed' }, 405);
        return sendJson(res, (await settlePending(paymentId, challenge[3] === 'complete')) ?? { error: 'not_found' });
      }
      const qa = /^\/demo\/payments\/(pay_[A-Za-z0-9]+)\/(complete|fail|expire)$/.exec(path);
      if (qa && req.method === 'POST') {
        const [, paymentId, what] = qa as unknown as [string, string, string];
        if (what === 'expire') {
          const p = await till.getPayment(paymentId);
          if (p?.reply.status === 'requires_action' && (p.reply.action.type === 'qr' || p.reply.action.type === 'voucher')) {
            await till.requireAction(paymentId, { ...p.reply.action, expiresAt: Math.floor(Date.now() / 1000) - 1 });
          }
          return sendJson(res, { ok: true });
        }
        return sendJson(res, (await settlePending(paymentId, what === 'complete', 'cancelled')) ?? { error: 'not_found' });
      }
      if (/^\/demo\/bank\/pay_[A-Za-z0-9]+$/.test(path)) return serveFile(res, 'demo/bank.html');
      if (path === '/' || path === '/index.html') return serveFile(res, 'demo/index.html');
      if (/^\/demo\/[\w.-]+\.(js|css)$/.test(path) || /^\/dist\/[\w.-]+\.(js|json)$/.test(path)) return serveFile(res, path.slice(1));
      return send(res, 404, 'text/plain', 'Not found');
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain', 'Internal error');
      else res.end();
    }
  });

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  origin = `http://${host}:${actualPort}`;
  passkeys.setOrigins([`http://localhost:${actualPort}`, `http://127.0.0.1:${actualPort}`]);
  return { url: origin + '/', server, ledger, till, close: () => new Promise<void>((r) => server.close(() => r())) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const port = Number(arg('--port') ?? process.env.PORT ?? 4321);
  const host = arg('--host') ?? '127.0.0.1';
  const demo = await startDemo({ port, host });
  console.log(`Till demo running at ${demo.url}  (Ctrl+C to stop)`);
  if (host === '127.0.0.1') console.log(`Passkeys need a domain: use ${demo.url.replace('127.0.0.1', 'localhost')} for them.`);
  const stop = () => void demo.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

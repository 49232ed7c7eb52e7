/**
 * The demo merchant backend and storefront in one process: the Till server kit mounted at
 * /api/till/v1, a simulated card processor, an order ledger QA and tests can read, a real
 * sign-in (HttpOnly cookie) that decides who the shopper is, and the demo page served with a
 * strict Content-Security-Policy. State lives in a database: embedded PostgreSQL (PGlite) in a
 * data folder by default, or PostgreSQL itself with DATABASE_URL.
 *
 *   npx tsx demo/server.ts [--port 4321] [--host 127.0.0.1] [--data .demo-data | --memory]
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { ACP_VERSION, createTillServer, ucpProfile, type Actor, type Agent, type AuthorizeResult, type Mandate, type SessionDraft, type Shopper, type StoredPayment, type TillContext } from '../src/server/index';
import { migrate, pgliteStorage, postgresStorage, type SqlDb, type TillStorage } from '../src/server/storage/node';
import { COUNTRY_DEFAULTS, DISPLAY_RATES, demoContext, demoCoupons, hiddenCoupon, METHODS, PRIORS, PRODUCTS, SHIPPING } from './catalog';
import { authorizeCard, decryptCard, TEST_OUTCOME } from './processor';
import { createPasskeys } from './passkeys';
import { createMcpHttpHandler } from '../src/mcp/http';
import { secretMatches } from '../src/server/secrets';
import { errorReply } from '../src/server/http';
import { DEMO_MIGRATIONS, demoStore, type LedgerEntry } from './store';
import type { FailureCode } from '../src/protocol/index';
import { CardPlaintext, type CardBrand } from '../src/protocol/index';

export type { LedgerEntry } from './store';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const API = '/api/till/v1';
const LOGIN_COOKIE = 'till_demo_login';
/** The agent credential the demo accepts (a real merchant issues one per agent platform). */
export const DEMO_AGENT_KEY = 'demo-agent';
const LOGIN_SECONDS = 30 * 86_400;
const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export interface DemoOptions {
  port?: number;
  host?: string;
  /** Folder of the embedded database; omitted (or `memory`) for an in-memory one. */
  dataDir?: string;
  /** PostgreSQL instead of the embedded database (several demo instances may share it). */
  databaseUrl?: string;
  /**
   * The QA hooks (request log, ledger, vault, network faults, "mark paid", reset). Default: on
   * only when the demo listens on loopback, and `TILL_DEMO_QA=0` turns them off there too. A demo
   * reachable from elsewhere never serves them.
   */
  qa?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** The QA hooks' paths: answered 404 when the hooks are off. */
const QA_PATH = /^\/demo\/(requests|ledger|vault|reset|network(\/[\w-]+)?|payments\/[^/]+\/(complete|fail|expire))$/;

/** The request log keeps a body's shape, never its payment credentials (a JWE can be replayed). */
export function redactCredentials(body: string): string {
  return body.replace(/"(jwe|token|paymentMethodId)"(\s*):(\s*)"[^"]*"/g, (_m, k: string, a: string, b: string) => `"${k}"${a}:${b}"[redacted]"`);
}

async function openStorage({ dataDir, databaseUrl }: DemoOptions): Promise<TillStorage & { db: SqlDb }> {
  if (databaseUrl) return postgresStorage({ connectionString: databaseUrl });
  return pgliteStorage(dataDir && dataDir !== 'memory' ? { dataDir } : {});
}

/** QA knob for crash tests: `TILL_DEMO_CHARGE_DELAY=before:5000` waits before booking a charge, `after:5000` after. */
function chargeDelay(): { when: 'before' | 'after'; ms: number } | undefined {
  const m = /^(before|after):(\d+)$/.exec(process.env.TILL_DEMO_CHARGE_DELAY ?? '');
  return m ? { when: m[1] as 'before' | 'after', ms: Number(m[2]) } : undefined;
}

/** Every method some route here answers; anything else is a 405 at the door. */
const SERVED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The storefront page and its files: GET and HEAD only. */
const STATIC_PAGE = /^\/(index\.html)?$|^\/demo\/[\w.-]+\.(js|css)$|^\/dist\//;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256hex = async (s: string) => Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))).toString('hex');

function cookieOf(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export async function startDemo({ port = 4321, host = '127.0.0.1', qa: qaHooks = LOOPBACK.has(host) && process.env.TILL_DEMO_QA !== '0', ...where }: DemoOptions = {}) {
  const storage = await openStorage(where);
  await migrate(storage.db, 'demo', DEMO_MIGRATIONS);
  const store = demoStore(storage.db);

  // One RSA key pair for card JWEs, kept in the database so every instance (and a restart) decrypts.
  const privateJwk = (await store.keyPair(async () => {
    const { privateKey } = await generateKeyPair('RSA-OAEP-256', { modulusLength: 2048, extractable: true });
    return { ...(await exportJWK(privateKey)), kid: 'demo-key-1', alg: 'RSA-OAEP-256' };
  })) as JWK;
  const privateKey = (await importJWK(privateJwk, 'RSA-OAEP-256')) as CryptoKey;
  const publicJwk = { kty: 'RSA' as const, n: String(privateJwk.n), e: String(privateJwk.e), kid: 'demo-key-1', alg: 'RSA-OAEP-256' as const, use: 'enc' as const };

  /** Bodies of every protocol request (credentials redacted), so tests can prove no card number arrives in clear. */
  const requests: { method: string; path: string; body: string }[] = [];
  const passkeys = createPasskeys(store.passkeys);
  const delay = chargeDelay();

  /** Books an order: the simulated processor's capture. */
  async function record(e: Omit<LedgerEntry, 'orderId' | 'at'>): Promise<string> {
    if (delay?.when === 'before') await sleep(delay.ms);
    const orderId = await store.book(e);
    if (delay?.when === 'after') await sleep(delay.ms);
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

  /** The merchant's own authentication: the sign-in cookie, looked up in the database. */
  async function authenticate(request: Request): Promise<Shopper | null> {
    const token = cookieOf(request.headers.get('cookie'), LOGIN_COOKIE);
    if (!token || token.length > 100) return null;
    const login = await store.login(await sha256hex(token), Math.floor(Date.now() / 1000));
    return login ? { shopperId: login.shopperId } : null;
  }

  const ledgerBase = (p: { paymentId: string; sessionId: string; method: string; amount: { amount: number; currency: string }; couponCodes: string[]; actor?: Actor }, ctx: TillContext, installments?: number) => ({
    paymentId: p.paymentId,
    sessionId: p.sessionId,
    method: p.method,
    amount: p.amount.amount,
    currency: p.amount.currency,
    coupons: p.couponCodes,
    ...(ctx.shopper ? { shopperId: ctx.shopper.shopperId } : {}),
    ...(installments ? { installments } : {}),
    // Who paid, as the kit recorded it on the payment: the shopper, or an agent under a mandate.
    actor: p.actor?.type ?? 'shopper',
    ...(p.actor?.type === 'agent' ? { agentId: p.actor.agentId, mandateId: p.actor.mandateId } : {}),
  });

  /** The demo's agent credential (README): `Authorization: Bearer demo-agent`. */
  async function authenticateAgent(request: Request): Promise<Agent | null> {
    return request.headers.get('authorization') === `Bearer ${DEMO_AGENT_KEY}` ? { agentId: 'demo-agent' } : null;
  }

  const till = createTillServer({
    basePath: API,
    storage,
    authenticate,
    authenticateAgent,
    // The Agentic Commerce Protocol beside the Till protocol, on the same sessions and ledger.
    acp: {
      basePath: '/acp',
      psp: 'till-demo-psp',
      links: [{ type: 'terms_of_use', url: 'https://till.invalid/demo/terms' }],
      orderUrl: (orderId) => `${origin}/demo/orders/${encodeURIComponent(orderId)}`,
    },
    // UCP's checkout capability (release 2026-08-25), again on the same sessions and ledger.
    ucp: {
      basePath: '/ucp',
      links: [{ type: 'terms_of_service', url: 'https://till.invalid/demo/terms' }],
      orderUrl: (orderId) => `${origin}/demo/orders/${encodeURIComponent(orderId)}`,
    },
    backend: {
      /** The simulated PSP's word on a delegated token: the allowance it was issued with. */
      async verifyMandate(token): Promise<Mandate | undefined> {
        const t = await store.delegatedToken(token);
        return t ? (t.mandate as unknown as Mandate) : undefined;
      },
      async createSession(req, ctx): Promise<SessionDraft | { error: 'invalid_request'; message: string }> {
        const country = req.country ?? 'US';
        const defaults = COUNTRY_DEFAULTS[country];
        const methods = METHODS[country];
        if (!defaults || !methods) return { error: 'invalid_request', message: `The demo shop does not sell to ${country}.` };
        const currency = req.currency ?? defaults.currency;
        const lines = [];
        for (const [i, item] of req.items.entries()) {
          const product = Object.hasOwn(PRODUCTS, item.productId) ? PRODUCTS[item.productId] : undefined;
          const unitPrice = product && Object.hasOwn(product.prices, currency) ? product.prices[currency] : undefined;
          if (!product || unitPrice === undefined) return { error: 'invalid_request', message: `Unknown product or currency: ${item.productId} in ${currency}.` };
          lines.push({ id: `line_${i + 1}`, productId: item.productId, name: product.name, quantity: item.quantity, unitPrice, category: product.category });
        }
        const shopperId = ctx.shopper?.shopperId;
        return {
          merchantId: 'demo-shop',
          currency,
          country,
          locale: req.locale ?? defaults.locale,
          lines,
          shipping: SHIPPING[currency] ?? 0,
          methods,
          // Saved methods of the signed-in shopper only: the kit gives a guest none anyway.
          savedMethods: shopperId ? (await store.vault(shopperId)).map((v) => v.method) : [],
          coupons: demoCoupons(currency),
          firstOrder: !(shopperId && (await store.hasOrders(shopperId))),
          tokenization:
            demoRequest.getStore()?.provider === 'stripe'
              ? { provider: 'stripe', publishableKey: 'pk_test_TillDemoStandIn' }
              : { provider: 'jwe', publicKey: publicJwk },
          ...(DISPLAY_RATES[currency] ? { displayCurrency: DISPLAY_RATES[currency] } : {}),
          ...(PRIORS[country] ? { priors: { shares: Object.entries(PRIORS[country]).map(([method, value]) => ({ method, value })) } } : {}),
          context: demoContext(lines.map((l) => l.category)),
        };
      },
      async resolveCoupon(code) {
        return hiddenCoupon(code, Math.floor(Date.now() / 1000));
      },
      async authorize(input, ctx): Promise<AuthorizeResult> {
        const { source, paymentId, session, method, amount } = input;
        const base = ledgerBase({ ...input, sessionId: session.id }, ctx, input.installments);
        const flow = session.methods.find((m) => m.id === method)?.flow;
        const nowS = Math.floor(Date.now() / 1000);
        const shopperId = ctx.shopper?.shopperId;
        if (source.type === 'none') {
          await store.setPending(paymentId, { ...(input.installments ? { installments: input.installments } : {}) });
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
        let result: { status: 'approved' | 'challenge'; brand: string; last4: string } | { status: 'declined'; code: FailureCode };
        let card: Pick<CardPlaintext, 'number' | 'expMonth' | 'expYear'> | undefined;
        if (source.type === 'card_jwe') {
          const decrypted = await decryptCard(source.jwe, privateKey);
          if (typeof decrypted === 'string') return { status: 'failed', code: decrypted };
          card = decrypted;
          result = authorizeCard(card, new Date());
        } else if (source.type === 'saved') {
          // The kit has checked the session is the signed-in owner's; the vault is looked up for that shopper only.
          const saved = shopperId ? (await store.vault(shopperId)).find((v) => v.method.id === source.savedMethodId) : undefined;
          if (!saved) return { status: 'failed', code: 'method_unavailable' };
          result = authorizeToken(saved.method, saved.outcome, new Date());
        } else if (source.type === 'delegated') {
          // An agent's delegated token (the kit has checked its mandate): the card it stands for.
          const t = await store.delegatedToken(source.token);
          if (!t) return { status: 'failed', code: 'method_unavailable' };
          result = authorizeToken(t.card, t.outcome === 'challenge' ? 'approved' : t.outcome, new Date());
        } else if (source.type === 'wallet') {
          // Simulated wallet processor: the token is the wallet's opaque payment data.
          if (source.token.includes('DECLINE')) return { status: 'failed', code: 'card_declined' };
          return { status: 'succeeded', orderId: await record(base) };
        } else if (source.type === 'stripe') {
          // Stripe's servers cannot be reached here: the demo treats Stripe test PaymentMethod ids
          // the way Stripe's test mode does (pm_card_visa succeeds, pm_card_chargeDeclined declines).
          if (source.paymentMethodId === 'pm_card_chargeDeclined') return { status: 'failed', code: 'card_declined' };
          return { status: 'succeeded', orderId: await record({ ...base, card: { brand: 'visa', last4: '4242' } }) };
        } else {
          return { status: 'failed', code: 'method_unavailable' };
        }
        if (result.status === 'declined') return { status: 'failed', code: result.code };
        const display = { brand: result.brand, last4: result.last4 };
        const savedMethodId =
          result.status === 'approved' && input.saveMethod && card && shopperId
            ? await store.saveToVault(shopperId, { method: 'card', brand: result.brand as CardBrand, last4: result.last4, expMonth: card.expMonth, expYear: card.expYear }, TEST_OUTCOME(card.number))
            : undefined;
        if (result.status === 'challenge') {
          await store.setPending(paymentId, { card: display, ...(input.installments ? { installments: input.installments } : {}) });
          // Risky payment: step up with the shopper's passkey when they have one, else the issuer's challenge.
          if (shopperId && (await passkeys.has(shopperId))) return { status: 'requires_action', action: { type: 'passkey', options: await passkeys.stepUpOptions(paymentId, shopperId) } };
          return { status: 'requires_action', action: { type: 'challenge', url: `${origin}/demo/challenge/${paymentId}`, origin } };
        }
        const orderId = await record({ ...base, card: display });
        return { status: 'succeeded', orderId, ...(savedMethodId ? { savedMethodId } : {}) };
      },
      /** The simulated processor's answer for a payment whose outcome the kit lost: its booked order, or nothing taken. */
      async retrieve(payment) {
        const order = await store.orderOf(payment.id);
        return order ? { status: 'succeeded', orderId: order.orderId } : undefined;
      },
      async verifyStepUp(payment, credential, ctx): Promise<AuthorizeResult> {
        if (!ctx.shopper || !(await passkeys.verifyStepUp(payment.id, ctx.shopper.shopperId, credential))) return { status: 'failed', code: 'challenge_failed' };
        return { status: 'succeeded', orderId: await recordPending(payment, ctx) };
      },
      async cancel(payment) {
        await store.takePending(payment.id);
      },
      async passkeyRegistrationOptions(session, ctx) {
        return passkeys.registrationOptions(session.id, ctx.shopper.shopperId, (await store.usernameOf(ctx.shopper.shopperId)) ?? ctx.shopper.shopperId);
      },
      async registerPasskey(session, credential, ctx) {
        if (await passkeys.register(session.id, ctx.shopper.shopperId, credential)) return true;
        return { error: 'invalid_request', message: 'The passkey could not be verified.' };
      },
    },
  });

  async function recordPending(p: StoredPayment, ctx: TillContext): Promise<string> {
    const extra = await store.takePending(p.id);
    return record({ ...ledgerBase({ ...p, paymentId: p.id }, ctx, extra.installments), ...(extra.card ? { card: extra.card } : {}) });
  }

  /**
   * Completes or fails a pending payment (QA controls, challenge page, bank page). The order is
   * booked inside the kit's settle, which runs it only while the payment is still pending.
   */
  async function settlePending(paymentId: string, ok: boolean, code: FailureCode = 'challenge_failed') {
    return till.settle(paymentId, async (): Promise<AuthorizeResult> => {
      if (!ok) {
        await store.takePending(paymentId);
        return { status: 'failed', code };
      }
      const p = (await till.getPayment(paymentId))!;
      const record = await till.getSession(p.sessionId);
      return { status: 'succeeded', orderId: await recordPending(p, { request: undefined, shopper: record?.shopperId ? { shopperId: record.shopperId } : null }) };
    });
  }

  /** The simulated processor's authorisation of a vaulted card: its stored outcome, unless expired by now. */
  function authorizeToken(m: { brand?: string; last4?: string; expMonth?: number; expYear?: number }, outcome: string, now: Date) {
    const expired = m.expYear !== undefined && m.expMonth !== undefined && (m.expYear < now.getUTCFullYear() || (m.expYear === now.getUTCFullYear() && m.expMonth < now.getUTCMonth() + 1));
    if (expired) return { status: 'declined' as const, code: 'expired_card' as const };
    if (outcome === 'approved' || outcome === 'challenge') return { status: outcome, brand: m.brand ?? 'card', last4: m.last4 ?? '0000' } as const;
    return { status: 'declined' as const, code: outcome as FailureCode };
  }

  /** Test hook: saves a card for the signed-in shopper directly (e.g. an expired one, which checkout must not offer). */
  async function vaultCard(shopperId: string, card: Pick<CardPlaintext, 'number' | 'expMonth' | 'expYear'>): Promise<string> {
    const r = authorizeCard({ ...card, expYear: 2099 }, new Date());
    const brand = (r.status === 'declined' ? 'visa' : r.brand) as CardBrand;
    return store.saveToVault(shopperId, { method: 'card', brand, last4: card.number.slice(-4), expMonth: card.expMonth, expYear: card.expYear }, TEST_OUTCOME(card.number));
  }

  async function signIn(body: string): Promise<{ status: number; body: unknown; cookie?: string }> {
    let input: { username?: unknown; password?: unknown };
    try {
      input = (JSON.parse(body) ?? {}) as typeof input;
    } catch {
      return { status: 400, body: { error: 'invalid_request', message: 'Send JSON.' } };
    }
    const { username, password } = input;
    if (typeof username !== 'string' || !/^[A-Za-z0-9_.-]{3,40}$/.test(username) || typeof password !== 'string' || password.length < 8 || password.length > 200) {
      return { status: 400, body: { error: 'invalid_request', message: 'A user name of 3–40 letters, digits, dots, dashes or underscores and a password of at least 8 characters.' } };
    }
    let account = await store.shopperByName(username);
    if (!account) {
      // Sign-up on first use (a demo): the password is kept as a salted scrypt hash.
      const salt = randomBytes(16);
      const hash = `${salt.toString('hex')}:${(await scrypt(password, salt, 32)).toString('hex')}`;
      await store.createShopper(`shp_${randomBytes(16).toString('hex')}`, username, hash);
      account = (await store.shopperByName(username))!;
    }
    const [salt, expected] = account.passwordHash.split(':') as [string, string];
    const got = await scrypt(password, Buffer.from(salt, 'hex'), 32);
    if (!timingSafeEqual(got, Buffer.from(expected, 'hex'))) return { status: 401, body: { error: 'unauthorized', message: 'Wrong user name or password.' } };
    const token = randomBytes(32).toString('base64url');
    await store.addLogin(await sha256hex(token), account.id, Math.floor(Date.now() / 1000) + LOGIN_SECONDS);
    return { status: 200, body: { signedIn: true, username }, cookie: `${LOGIN_COOKIE}=${token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${LOGIN_SECONDS}` };
  }

  /**
   * The simulated PSP's ACP delegate_payment endpoint: an agent platform hands it a card and an
   * allowance and gets a vault token limited to that allowance (the mandate the kit enforces). As
   * a processor's vault, it keeps brand, last four, expiry and the simulated outcome, never the PAN.
   */
  async function delegatePayment(request: Request, raw: string): Promise<{ status: number; body: unknown }> {
    if (!(await authenticateAgent(request))) return { status: 401, body: { type: 'invalid_request', code: 'unauthorized', message: 'Send Authorization: Bearer demo-agent.' } };
    let input: { payment_method?: Record<string, unknown>; allowance?: Record<string, unknown> } | null;
    try {
      input = JSON.parse(raw) as typeof input;
    } catch {
      input = null;
    }
    const pm = input?.payment_method ?? {};
    const al = input?.allowance ?? {};
    const card = CardPlaintext.safeParse({ number: String(pm.number ?? ''), expMonth: Number(pm.exp_month), expYear: Number(pm.exp_year), cvc: String(pm.cvc ?? '000') });
    const expires = typeof al.expires_at === 'string' ? Date.parse(al.expires_at) : NaN;
    const max = al.max_amount;
    const currency = typeof al.currency === 'string' ? al.currency.toUpperCase() : '';
    const bad = (param: string) => ({ status: 400, body: { type: 'invalid_request', code: 'invalid', message: `Invalid ${param}.`, param: `$.${param}` } });
    if (pm.type !== 'card' || !card.success) return bad('payment_method');
    if (!Number.isSafeInteger(max) || (max as number) < 0) return bad('allowance.max_amount');
    if (!(currency in SHIPPING)) return bad('allowance.currency');
    if (!Number.isFinite(expires)) return bad('allowance.expires_at');
    if (al.reason !== 'one_time' && al.reason !== 'recurring') return bad('allowance.reason');
    if (typeof al.merchant_id !== 'string') return bad('allowance.merchant_id');
    const token = `vt_${randomBytes(16).toString('hex')}`;
    const r = authorizeCard({ ...card.data, expYear: 2099 }, new Date());
    const brand = r.status === 'declined' ? 'visa' : r.brand;
    const mandate: Mandate = {
      id: token,
      maxAmount: { amount: max as number, currency },
      merchantId: al.merchant_id,
      expiresAt: Math.floor(expires / 1000),
      use: al.reason === 'one_time' ? 'single' : 'recurring',
      ...(typeof al.checkout_session_id === 'string' ? { sessionId: al.checkout_session_id } : {}),
    };
    await store.addDelegatedToken(token, mandate as unknown as Record<string, unknown>, { brand, last4: card.data.number.slice(-4), expMonth: card.data.expMonth, expYear: card.data.expYear }, TEST_OUTCOME(card.data.number));
    return { status: 201, body: { id: token, created: new Date().toISOString(), metadata: {} } };
  }

  // Strict: this origin only, no inline code or eval, and DOM sinks only through the Trusted Types
  // policies in use (Lit's). Stripe.js, its Elements frames and its API are allowed only on a page
  // opened for the Stripe provider (`?provider=stripe`), with Till's Stripe.js loader policy.
  const csp = (stripe: boolean) =>
    [
      "default-src 'self'",
      `script-src 'self'${stripe ? ' https://js.stripe.com' : ''}`,
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self'${stripe ? ' https://api.stripe.com' : ''}`,
      `frame-src 'self'${stripe ? ' https://js.stripe.com' : ''}`,
      "frame-ancestors 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "object-src 'none'",
      "require-trusted-types-for 'script'",
      `trusted-types lit-html${stripe ? ' till-stripe' : ''}`,
    ].join('; ');
  const CSP = csp(false);
  const STRIPE_CSP = csp(true);
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
    const stripe = new URL(res.req.url ?? '/', origin).searchParams.get('provider') === 'stripe';
    res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': stripe ? STRIPE_CSP : CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
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

  /**
   * The demo's assistant: the Till MCP server over Streamable HTTP at /mcp, acting as the demo's
   * agent (demo-agent) on the Till API of this very shop. The page hands it its own checkout with
   * the `Till-Checkout` and `Till-Client-Secret` headers of the initialize request.
   */
  const mcp = createMcpHttpHandler(
    async (req) => {
      // Only a page that holds a checkout's client secret gets an assistant, and only for that checkout.
      const id = req.headers['till-checkout'];
      const secret = req.headers['till-client-secret'];
      if (typeof id !== 'string' || typeof secret !== 'string') return undefined;
      const record = await till.getSession(id);
      if (!record || !(await secretMatches(secret, record.secretHash))) return undefined;
      return { endpoint: `${origin}${API}`, agentKey: DEMO_AGENT_KEY, checkouts: [{ id, clientSecret: secret }] };
    },
    { jsonResponse: true },
  );

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      const path = url.pathname;
      // Methods a fetch Request cannot even carry (TRACE, CONNECT, TRACK) or that nothing here
      // serves get a typed 405 before any handler sees them; pages and files are GET/HEAD only.
      const method = req.method ?? 'GET';
      if (!SERVED_METHODS.has(method) || (STATIC_PAGE.test(path) && method !== 'GET' && method !== 'HEAD')) {
        res.setHeader('Allow', 'GET, HEAD, POST');
        return sendJson(res, errorReply('method_not_allowed', 'Method not allowed.'), 405);
      }
      if (path.startsWith(API + '/')) {
        const { request, body } = await toRequest(req, url);
        if (requests.length < 1000) requests.push({ method: req.method ?? 'GET', path, body: redactCredentials(body) });
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
      if (path === '/.well-known/ucp' && req.method === 'GET') {
        // Public and cacheable, as the UCP overview asks of a business profile.
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' });
        return res.end(JSON.stringify(ucpProfile(`${origin}/ucp`)));
      }
      if (path.startsWith('/acp/') || path.startsWith('/ucp/')) {
        const { request } = await toRequest(req, url);
        const response = await till.handle(request);
        res.writeHead(response.status, Object.fromEntries(response.headers));
        return res.end(await response.text());
      }
      if (path === '/mcp') return await mcp.handle(req, res);
      if (path === '/.well-known/acp.json' && req.method === 'GET') {
        return sendJson(res, {
          protocol: { name: 'acp', version: ACP_VERSION, supported_versions: [ACP_VERSION] },
          api_base_url: `${origin}/acp`,
          transports: ['rest'],
          capabilities: { services: ['checkout', 'delegate_payment'], supported_currencies: Object.keys(SHIPPING).map((c) => c.toLowerCase()) },
        });
      }
      if (path === '/psp/agentic_commerce/delegate_payment' && req.method === 'POST') {
        const { request, body } = await toRequest(req, url);
        const r = await delegatePayment(request, body);
        return sendJson(res, r.body, r.status);
      }
      if (!qaHooks && QA_PATH.test(path)) return sendJson(res, { error: 'not_found' }, 404);
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
      if (path === '/demo/ledger' && req.method === 'GET') return sendJson(res, await store.ledger());
      if (path === '/demo/requests' && req.method === 'GET') return sendJson(res, requests);
      if (path === '/demo/sign-in' && req.method === 'POST') {
        const { body } = await toRequest(req, url);
        const r = await signIn(body);
        if (r.cookie) res.setHeader('Set-Cookie', r.cookie);
        return sendJson(res, r.body, r.status);
      }
      if (path === '/demo/sign-out' && req.method === 'POST') {
        const token = cookieOf(req.headers.cookie ?? null, LOGIN_COOKIE);
        if (token && token.length <= 100) await store.removeLogin(await sha256hex(token));
        res.setHeader('Set-Cookie', `${LOGIN_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`);
        return sendJson(res, { signedIn: false });
      }
      if (path === '/demo/me' && req.method === 'GET') {
        const { request } = await toRequest(req, url);
        const shopper = await authenticate(request);
        return sendJson(res, shopper ? { signedIn: true, username: await store.usernameOf(shopper.shopperId) } : { signedIn: false });
      }
      if (path === '/demo/vault' && req.method === 'POST') {
        // QA: vault a card for the signed-in shopper (e.g. an expired one). Who comes from the cookie only.
        const { request, body } = await toRequest(req, url);
        const shopper = await authenticate(request);
        if (!shopper) return sendJson(res, { error: 'unauthorized' }, 401);
        let card: unknown;
        try {
          card = (JSON.parse(body) as { card?: unknown } | null)?.card;
        } catch {
          card = undefined;
        }
        const parsed = CardPlaintext.safeParse(card);
        if (!parsed.success) return sendJson(res, { error: 'invalid_request' }, 400);
        return sendJson(res, { id: await vaultCard(shopper.shopperId, parsed.data) });
      }
      if (path === '/demo/reset' && req.method === 'POST') {
        await store.clearLedger();
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
  return {
    url: origin + '/',
    server,
    /** Every booked order, oldest first. */
    ledger: () => store.ledger(),
    till,
    storage,
    close: async () => {
      await mcp.close();
      await new Promise<void>((r) => server.close(() => r()));
      await storage.close?.();
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const port = Number(arg('--port') ?? process.env.PORT ?? 4321);
  const host = arg('--host') ?? '127.0.0.1';
  const databaseUrl = process.env.DATABASE_URL;
  const dataDir = process.argv.includes('--memory') ? 'memory' : resolve(arg('--data') ?? process.env.TILL_DEMO_DATA ?? join(ROOT, '.demo-data'));
  const demo = await startDemo({ port, host, dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
  console.log(`Till demo running at ${demo.url}  (Ctrl+C to stop)`);
  console.log(databaseUrl ? 'State: PostgreSQL (DATABASE_URL)' : dataDir === 'memory' ? 'State: in memory (gone on exit)' : `State: embedded PostgreSQL in ${dataDir}`);
  if (host === '127.0.0.1') console.log(`Passkeys need a domain: use ${demo.url.replace('127.0.0.1', 'localhost')} for them.`);
  const stop = () => void demo.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

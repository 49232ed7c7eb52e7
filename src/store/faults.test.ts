import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../core/client';
import { setLoaders } from '../core/lazy';
import { createTillServer, memoryStorage, PROTOCOL_VERSION, type AuthorizeInput, type AuthorizeResult, type TillServer, type TillStorage } from '../server/index';
import type { Coupon } from '../protocol/index';
import { sessionAttemptLog } from './attempt-log';
import { createCheckoutStore, type AttemptLog, type CheckoutStore } from './checkout-store';

/**
 * The fault suite: each row of SCENARIOS is one thing that goes wrong between the shopper's
 * checkout and the merchant's money — the network, the shop's database, the processor, a restart,
 * a reload, a second tab — run against the real store and the real server kit in-process. The
 * storage is a real memoryStorage behind a fault injector (it throws on the calls a scenario
 * names), the network a fetch wrapper that loses, replaces or holds replies, and the processor a
 * small simulated one with its own ledger, so "was the shopper charged?" has a true answer.
 *
 * After every scenario the same three promises are checked (see `checkInvariants`):
 *  - no double charge: at most one capture per session;
 *  - no lost order: if money was taken, every open page of that session shows that order;
 *  - a clear message when it did not succeed, and never "not charged" while money may have moved.
 */
beforeAll(() => setLoaders({ pricing: () => import('../core/pricing/index'), learn: () => import('../core/ranking/learn') }));

const BASE = 'http://shop.test/api';
/** The client's timeout where a scenario makes the shop slow: well above an in-process answer. */
const SHORT_TIMEOUT = 200;
const PAY = /^POST \/api\/sessions\/[^/]+\/payments$/;
const STATUS = /^GET \/api\/payments\/[^/]+$/;
const CANCEL = /^POST \/api\/payments\/[^/]+\/cancel$/;
/** A claim that money did not move. "You will not be charged twice" is not one. */
const NOT_CHARGED = /\b(?:were|was|been|are|is) not (?:been )?charged|nothing (?:was |has been )?charged|n't (?:been )?charged/i;

/**
 * What the widget sends for the selected method: a card source for the card method (this test's
 * processor never decrypts it), nothing for off-page methods (the server binds method to source).
 */
const sourceFor = (store: { getState(): { method?: string | undefined } }) => async () =>
  store.getState().method === 'card' ? ({ type: 'card_jwe', jwe: 'x'.repeat(40) } as const) : ({ type: 'none' } as const);

/** A deferred promise: the test decides when a held processor call goes on. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A tab's sessionStorage, kept across a reload of that tab (as the widget's sessionAttemptLog). */
function tab(): AttemptLog {
  const items = new Map<string, string>();
  return sessionAttemptLog({ getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) });
}

// ---------------------------------------------------------------------------------------------
// The shop's database: a real memoryStorage; a rule makes the next N matching calls throw.

type StorageCall = Exclude<keyof TillStorage, 'close' | 'lockPayment'>;

function faultyStorage(base: TillStorage) {
  const rules: { call: StorageCall; times: number; when: (arg: unknown) => boolean }[] = [];
  const failures: StorageCall[] = [];
  const guard =
    <A extends unknown[], R>(call: StorageCall, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const rule = rules.find((r) => r.call === call && r.times > 0 && r.when(args[0]));
      if (rule) {
        rule.times--;
        failures.push(call);
        throw new Error(`database unavailable (${call})`);
      }
      return fn(...args);
    };
  const storage: TillStorage = {
    getSession: guard('getSession', base.getSession),
    putSession: guard('putSession', base.putSession),
    getPayment: guard('getPayment', base.getPayment),
    putPayment: guard('putPayment', base.putPayment),
    getIdempotency: guard('getIdempotency', base.getIdempotency),
    putIdempotency: guard('putIdempotency', base.putIdempotency),
    claimIdempotency: guard('claimIdempotency', base.claimIdempotency),
    lockPayment: base.lockPayment,
  };
  return {
    storage,
    failures,
    /** The next `times` calls of `call` (whose first argument passes `when`) throw. */
    fail(call: StorageCall, times = 1, when: (arg: unknown) => boolean = () => true) {
      rules.push({ call, times, when });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The network between the page and the shop.

type Fault =
  /** Never answers; rejects when the client gives up (its timeout aborts the request). */
  | 'hang'
  /** The shop handles it, but the answer arrives only after the client gave up. */
  | 'hang-after'
  /** Connection reset before the request reached the shop. */
  | 'reset'
  /** The shop handled it; the connection broke before the answer. */
  | 'reset-after'
  /** The shop handled it; the body arrives garbled / cut in half / in a shape outside the protocol. */
  | 'garbled'
  | 'truncated'
  | 'schema'
  /** The request reaches the shop twice at once (a retrying proxy); the page sees the first answer. */
  | 'duplicate'
  /** A reply some proxy answers with instead of the shop's: before the shop saw the request, or after. */
  | { status: number; body: string; type: 'json' | 'html'; after: boolean };

function network(server: () => TillServer) {
  const rules: { on: RegExp; fault: Fault; times: number; tab: string | undefined }[] = [];
  const sent: { tab: string; line: string; body: string }[] = [];
  const inShop = new Set<Promise<unknown>>();
  let offline = false;
  let onArrival: ((line: string) => void) | undefined;

  const aborted = (signal: AbortSignal | null | undefined) =>
    new Promise<never>((_, reject) => {
      const fail = () => reject(new DOMException('The operation was aborted.', 'AbortError'));
      if (signal?.aborted) fail();
      else signal?.addEventListener('abort', fail, { once: true });
    });

  const handle = (url: string, init: RequestInit | undefined, line: string) => {
    onArrival?.(line);
    // Without the page's signal: the shop goes on with a request whose sender gave up.
    const p = server().handle(new Request(url, { method: init?.method ?? 'GET', headers: init?.headers ?? {}, body: init?.body ?? null }));
    inShop.add(p);
    void p.finally(() => inShop.delete(p));
    return p;
  };

  const reply = (f: { status: number; body: string; type: 'json' | 'html' }) =>
    new Response(f.body, { status: f.status, headers: { 'Content-Type': f.type === 'json' ? 'application/json' : 'text/html' } });

  function fetchFor(tabName: string): typeof fetch {
    return async (input, init) => {
      const url = String(input);
      const line = `${init?.method ?? 'GET'} ${new URL(url).pathname}`;
      sent.push({ tab: tabName, line, body: typeof init?.body === 'string' ? init.body : '' });
      if (offline) throw new TypeError('Failed to fetch');
      const rule = rules.find((r) => r.times > 0 && r.on.test(line) && (r.tab === undefined || r.tab === tabName));
      if (rule) rule.times--;
      const fault = rule?.fault;
      if (fault === 'hang') return aborted(init?.signal);
      if (fault === 'reset') throw new TypeError('fetch failed: ECONNRESET');
      if (typeof fault === 'object' && !fault.after) return reply(fault);
      // As a real fetch: the client giving up (its timeout) rejects the call, whatever the shop does.
      const giveUp = aborted(init?.signal);
      giveUp.catch(() => undefined);
      if (fault === 'duplicate') {
        const [first] = await Promise.race([Promise.all([handle(url, init, line), handle(url, init, line)]), giveUp]);
        return first;
      }
      const res = await Promise.race([handle(url, init, line), giveUp]);
      if (fault === undefined) return res;
      if (fault === 'hang-after') return giveUp;
      if (fault === 'reset-after') throw new TypeError('fetch failed: ECONNRESET');
      if (fault === 'garbled') return new Response('{"status":"succ\u0000\u00ff}{', { status: 200, headers: { 'Content-Type': 'application/json' } });
      if (fault === 'truncated') {
        const text = await res.text();
        return new Response(text.slice(0, Math.floor(text.length / 2)), { status: res.status, headers: { 'Content-Type': 'application/json' } });
      }
      if (fault === 'schema') return new Response(JSON.stringify({ status: 'succeeded', paymentId: 42, orderId: null }), { status: 200, headers: { 'Content-Type': 'application/json' } });
      return reply(fault);
    };
  }

  return {
    fetchFor,
    sent,
    /** The next `times` requests matching `on` (from `tab`, or any tab) meet `fault`. */
    fail(on: RegExp, fault: Fault, times = 1, tabName?: string) {
      rules.push({ on, fault, times, tab: tabName });
    },
    setOffline(v: boolean) {
      offline = v;
    },
    /** Called as each request reaches the shop. */
    onArrival(fn: (line: string) => void) {
      onArrival = fn;
    },
    /** Waits until the shop has finished every request it received (answered or not). */
    async idle() {
      while (inShop.size) await Promise.allSettled([...inShop]);
    },
    /** Idempotency keys of the payment requests sent, in order. */
    keys(tabName?: string) {
      return sent.filter((s) => PAY.test(s.line) && (!tabName || s.tab === tabName)).map((s) => (JSON.parse(s.body) as { idempotencyKey: string }).idempotencyKey);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The merchant's processor: its ledger is the truth about money.

type Mode = 'charge' | 'decline' | 'qr' | 'challenge' | 'throw-before-capture' | 'throw-after-capture' | 'hold-before-capture' | 'hold-after-capture';

function processor() {
  const ledger: { sessionId: string; paymentId: string; orderId: string }[] = [];
  const authorizeCalls: { sessionId: string; paymentId: string; booked: boolean; status: AuthorizeResult['status'] | 'threw' }[] = [];
  const inFlight = new Map<string, number>();
  const mode: Record<string, Mode> = { card: 'charge', pix: 'qr' };
  let gate = deferred<void>();

  const book = (sessionId: string, paymentId: string): string => {
    const orderId = `ord_${ledger.length + 1}`;
    ledger.push({ sessionId, paymentId, orderId });
    return orderId;
  };

  async function run(input: AuthorizeInput, booked: () => boolean): Promise<AuthorizeResult> {
    const sid = input.session.id;
    switch (mode[input.method] ?? 'charge') {
      case 'charge':
        return { status: 'succeeded', orderId: book(sid, input.paymentId) };
      case 'decline':
        return { status: 'failed', code: 'card_declined' };
      case 'qr':
        return { status: 'requires_action', action: { type: 'qr', payload: `000201PIX${input.paymentId}`, expiresAt: 4_000_000_000 } };
      case 'challenge':
        return { status: 'requires_action', action: { type: 'challenge', url: `https://bank.test/3ds/${input.paymentId}`, origin: 'https://bank.test' } };
      case 'throw-before-capture':
        throw new Error('ECONNREFUSED processor');
      case 'throw-after-capture':
        book(sid, input.paymentId);
        throw new Error('socket hang up after capture');
      case 'hold-before-capture':
        await gate.promise;
        return { status: 'succeeded', orderId: book(sid, input.paymentId) };
      case 'hold-after-capture':
        book(sid, input.paymentId);
        await gate.promise;
        return booked() ? { status: 'succeeded', orderId: ledger.find((l) => l.paymentId === input.paymentId)!.orderId } : { status: 'failed', code: 'processing_error' };
    }
  }

  return {
    ledger,
    authorizeCalls,
    mode,
    /** Lets a held processor call go on (or fail, e.g. the processor's SDK timing out). */
    release: () => gate.resolve(),
    timeOut: () => gate.reject(new Error('ETIMEDOUT: processor did not answer')),
    rearm: () => (gate = deferred<void>()),
    book,
    inFlight: (sessionId: string) => inFlight.get(sessionId) ?? 0,
    async authorize(input: AuthorizeInput): Promise<AuthorizeResult> {
      const sid = input.session.id;
      const before = ledger.length;
      inFlight.set(sid, (inFlight.get(sid) ?? 0) + 1);
      const booked = () => ledger.slice(before).some((l) => l.paymentId === input.paymentId);
      try {
        const r = await run(input, booked);
        authorizeCalls.push({ sessionId: sid, paymentId: input.paymentId, booked: booked(), status: r.status });
        return r;
      } catch (e) {
        authorizeCalls.push({ sessionId: sid, paymentId: input.paymentId, booked: booked(), status: 'threw' });
        throw e;
      } finally {
        inFlight.set(sid, (inFlight.get(sid) ?? 1) - 1);
      }
    },
    /** What the processor knows of a payment: its capture, or nothing taken. */
    retrieve(paymentId: string): AuthorizeResult | undefined {
      const l = ledger.find((x) => x.paymentId === paymentId);
      return l ? { status: 'succeeded', orderId: l.orderId } : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One world per scenario: the shop (kit + database + processor), the network, the pages.

const FLASH_ENDS = 1_700_000_060;

interface Page {
  store: CheckoutStore;
  sessionId: string;
  attempts: AttemptLog;
  tab: string;
  closed: boolean;
  /** Every failure this page showed, with whether money had moved (or might be moving) then. */
  shown: { message: string; moneyMayHaveMoved: boolean }[];
}

function world() {
  const db = faultyStorage(memoryStorage());
  const proc = processor();
  const clock = { now: 1_700_000_000 };
  const secrets = new Map<string, string>();
  const pages: Page[] = [];
  let restarts = 0;

  const boot = () =>
    createTillServer({
      basePath: '/api',
      storage: db.storage,
      now: () => clock.now,
      backend: {
        async createSession() {
          const coupons: Coupon[] = [
            { code: 'PIX5', class: 'order', kind: { type: 'percentage', bps: 500 }, conditions: { methods: ['pix'] } },
            { code: 'FLASH', class: 'order', kind: { type: 'percentage', bps: 1000 }, combinesWith: { order: true }, conditions: { endsAt: FLASH_ENDS } },
          ];
          return {
            merchantId: 'm',
            currency: 'BRL',
            country: 'BR',
            locale: 'pt-BR',
            lines: [{ id: 'l1', productId: 'p', name: 'P', quantity: 1, unitPrice: 10000 }],
            shipping: 0,
            methods: [
              { id: 'card', flow: 'card', label: 'Card' },
              { id: 'pix', flow: 'qr', label: 'PIX' },
            ],
            savedMethods: [],
            coupons,
            firstOrder: false,
            tokenization: { provider: 'jwe', publicKey: { kty: 'RSA', n: 'x'.repeat(342), e: 'AQAB' } },
          };
        },
        async resolveCoupon(code) {
          return code === 'SECRET20' ? { code, class: 'order', kind: { type: 'percentage', bps: 2000 }, combinesWith: { order: true } } : undefined;
        },
        authorize: (input) => proc.authorize(input),
        async retrieve(payment) {
          return proc.retrieve(payment.id);
        },
        async cancel() {},
      },
    });

  const shop = { server: boot() };
  const net = network(() => shop.server);
  const moneyMayHaveMoved = (sessionId: string) => proc.ledger.some((l) => l.sessionId === sessionId) || proc.inFlight(sessionId) > 0;

  function page(sessionId: string, { attempts = tab(), tabName = `tab${pages.length + 1}`, timeoutMs = 20_000 } = {}): Page {
    const store = createCheckoutStore({
      client: createClient({ baseUrl: BASE, fetch: net.fetchFor(tabName), clientSecret: secrets.get(sessionId)!, timeoutMs }),
      sleep: async () => {},
      attempts,
      now: () => clock.now,
    });
    const p: Page = { store, sessionId, attempts, tab: tabName, closed: false, shown: [] };
    store.subscribe((s, prev) => {
      if (s.failure && s.failure !== prev.failure) p.shown.push({ message: s.failure.message, moneyMayHaveMoved: moneyMayHaveMoved(sessionId) });
    });
    pages.push(p);
    return p;
  }

  return {
    db,
    net,
    proc,
    clock,
    pages,
    get server() {
      return shop.server;
    },
    get restarts() {
      return restarts;
    },
    /** The shop's backend restarts: a new kit instance over the same database (nothing in memory survives). */
    restart() {
      restarts++;
      shop.server = boot();
    },
    /** The merchant's page creates a checkout session; the page keeps its client secret. */
    async openSession(): Promise<string> {
      const res = await shop.server.handle(new Request(`${BASE}/sessions`, { method: 'POST', headers: { 'Till-Version': PROTOCOL_VERSION }, body: JSON.stringify({ items: [{ productId: 'p', quantity: 1 }] }) }));
      const body = (await res.json()) as { session: { id: string }; clientSecret: string };
      secrets.set(body.session.id, body.clientSecret);
      return body.session.id;
    },
    page,
    /** A session and a loaded checkout page for it, with `method` selected. */
    async checkout(method = 'card', opts: Parameters<typeof page>[1] = {}): Promise<Page> {
      const p = page(await this.openSession(), opts);
      await p.store.getState().load(p.sessionId);
      expect(p.store.getState().phase).toBe('ready');
      p.store.getState().selectMethod(method);
      return p;
    },
    /** The shopper reloads the tab: a new store over the same tab storage; the old page is gone. */
    async reload(old: Page, timeoutMs?: number): Promise<Page> {
      old.closed = true;
      const p = page(old.sessionId, { attempts: old.attempts, tabName: old.tab, ...(timeoutMs ? { timeoutMs } : {}) });
      await p.store.getState().load(p.sessionId);
      return p;
    },
    /** The bank (QR) or the issuer (challenge) tells the shop the shopper paid: booked inside settle. */
    async settlePaid(paymentId: string) {
      return shop.server.settle(paymentId, async () => {
        const p = (await shop.server.getPayment(paymentId))!;
        return { status: 'succeeded', orderId: proc.book(p.sessionId, paymentId) };
      });
    },
  };
}

type World = ReturnType<typeof world>;

/** The three promises, checked after every scenario. */
function checkInvariants(w: World, outcome: 'paid' | 'unpaid') {
  const sessions = new Set(w.pages.map((p) => p.sessionId));
  for (const sid of sessions) {
    const captured = w.proc.ledger.filter((l) => l.sessionId === sid);
    const charging = w.proc.authorizeCalls.filter((c) => c.sessionId === sid && (c.booked || c.status === 'succeeded'));
    // 0 double charges.
    expect(captured.length, `captures for ${sid}`).toBeLessThanOrEqual(1);
    expect(charging.length, `authorize calls that took money for ${sid}`).toBeLessThanOrEqual(1);
    expect(captured.length, 'captures').toBe(outcome === 'paid' ? 1 : 0);
    for (const p of w.pages.filter((x) => x.sessionId === sid)) {
      // A clear message every time something did not work, and no false "not charged".
      for (const s of p.shown) {
        expect(s.message.trim(), 'a failure message').not.toBe('');
        if (s.moneyMayHaveMoved) expect(s.message, 'told "not charged" while money may have moved').not.toMatch(NOT_CHARGED);
      }
      if (p.closed) continue;
      const st = p.store.getState();
      if (captured[0]) {
        // 0 lost orders: the page shows the one order the money paid for.
        expect(st, `page ${p.tab}`).toMatchObject({ phase: 'succeeded', checking: false, result: { orderId: captured[0].orderId, paymentId: captured[0].paymentId } });
      } else {
        expect(st.phase, `page ${p.tab}`).not.toBe('succeeded');
        expect(st.checking, `page ${p.tab} still checking`).toBe(false);
        expect(st.failure?.message.trim(), `page ${p.tab} message`).toBeTruthy();
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The table.

interface Scenario {
  name: string;
  /** How it must end once the fault has cleared and the shopper went on. */
  outcome: 'paid' | 'unpaid';
  /** Set only while the scenario exposes a known bug: it then runs with `it.fails`. */
  bug?: string;
  run(w: World): Promise<void>;
}

const SCENARIOS: Scenario[] = [
  // --- network: no answer -------------------------------------------------------------------
  {
    name: 'request timeout on every try (fetch never answers): "checking", then the same request pays once',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout('card', { timeoutMs: SHORT_TIMEOUT });
      w.net.fail(PAY, 'hang', 3);
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState()).toMatchObject({ phase: 'ready', checking: true, failure: { code: 'network' } });
      expect(w.proc.authorizeCalls).toHaveLength(0);
      await p.store.getState().recheck();
      expect(new Set(w.net.keys()).size).toBe(1);
    },
  },
  {
    name: 'request timeout once: the automatic retry gets through',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout('card', { timeoutMs: SHORT_TIMEOUT });
      w.net.fail(PAY, 'hang', 1);
      await p.store.getState().pay(sourceFor(p.store));
      expect(w.net.keys()).toHaveLength(2);
    },
  },
  {
    name: 'slow reply arrives after the timeout: the store\'s retry (same key) gets the stored answer',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout('card', { timeoutMs: SHORT_TIMEOUT });
      w.net.fail(PAY, 'hang-after', 1);
      await p.store.getState().pay(sourceFor(p.store));
      const keys = w.net.keys();
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
    },
  },
  {
    name: 'slow processor: the timed-out request is still charging when the retry arrives, which joins it',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout('card', { timeoutMs: SHORT_TIMEOUT });
      w.proc.mode.card = 'hold-before-capture';
      let arrivals = 0;
      w.net.onArrival((line) => PAY.test(line) && ++arrivals === 2 && w.proc.release());
      await p.store.getState().pay(sourceFor(p.store));
      await w.net.idle();
      expect(w.proc.authorizeCalls).toHaveLength(1);
    },
  },
  {
    name: 'processor times out after capture: "checking" while it hangs, then retrieve finds the charge',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout('card', { timeoutMs: SHORT_TIMEOUT });
      w.proc.mode.card = 'hold-after-capture';
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState()).toMatchObject({ phase: 'ready', checking: true });
      w.proc.timeOut(); // the processor SDK gives up; the kit cannot know the charge went through
      await w.net.idle();
      await p.store.getState().recheck();
    },
  },
  // --- network: proxy replies ---------------------------------------------------------------
  {
    name: '500 with protocol JSON before the shop saw the request: retried with the same key',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, { status: 500, type: 'json', after: false, body: JSON.stringify({ status: 'error', code: 'internal', message: 'Internal error.', retryable: true }) });
      await p.store.getState().pay(sourceFor(p.store));
      expect(new Set(w.net.keys()).size).toBe(1);
    },
  },
  {
    name: '500 with an HTML error page after the shop charged: the retry shows the charge',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, { status: 500, type: 'html', after: true, body: '<!doctype html><h1>500 Internal Server Error</h1>' });
      await p.store.getState().pay(sourceFor(p.store));
    },
  },
  {
    name: '502 with a gateway\'s own JSON after the shop charged: not protocol, retried, one charge',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, { status: 502, type: 'json', after: true, body: JSON.stringify({ message: 'Bad Gateway' }) });
      await p.store.getState().pay(sourceFor(p.store));
    },
  },
  {
    name: '502 with an HTML page before the shop saw the request: the retry charges once',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, { status: 502, type: 'html', after: false, body: '<html><body>502 Bad Gateway</body></html>' });
      await p.store.getState().pay(sourceFor(p.store));
      expect(w.proc.authorizeCalls).toHaveLength(1);
    },
  },
  {
    name: '503 with protocol JSON after the shop charged: retried, the stored answer shown',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, { status: 503, type: 'json', after: true, body: JSON.stringify({ status: 'error', code: 'internal', message: 'Service unavailable.', retryable: true }) });
      await p.store.getState().pay(sourceFor(p.store));
    },
  },
  {
    name: '503 HTML maintenance page on every try after the first one charged: "checking", then the charge is shown',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, { status: 503, type: 'html', after: true, body: '<h1>Down for maintenance</h1>' }, 3);
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState()).toMatchObject({ phase: 'ready', checking: true });
      expect(p.store.getState().failure!.message).not.toMatch(NOT_CHARGED);
      await p.store.getState().recheck();
    },
  },
  {
    name: 'retry with the same key after a 504: every request carried one key, one charge',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, { status: 504, type: 'html', after: true, body: '<h1>504 Gateway Time-out</h1>' }, 2);
      await p.store.getState().pay(sourceFor(p.store));
      const keys = w.net.keys();
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(1);
    },
  },
  // --- network: broken connections and bodies ----------------------------------------------
  {
    name: 'connection reset before the request reached the shop: the retry charges once',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'reset');
      await p.store.getState().pay(sourceFor(p.store));
    },
  },
  {
    name: 'connection reset after the shop charged, on every try: "checking", then the charge is shown',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'reset-after', 3);
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState()).toMatchObject({ phase: 'ready', checking: true, failure: { code: 'network' } });
      // Nothing about the payment can be changed while its outcome is unknown.
      p.store.getState().selectMethod('pix');
      expect(p.store.getState().method).toBe('card');
      await p.store.getState().recheck();
    },
  },
  {
    name: 'garbled JSON reply after the charge: unreadable is "unknown", retried',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'garbled');
      await p.store.getState().pay(sourceFor(p.store));
    },
  },
  {
    name: 'truncated JSON reply after the charge: retried, the stored answer shown',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'truncated');
      await p.store.getState().pay(sourceFor(p.store));
    },
  },
  {
    name: 'a "succeeded" reply that breaks the protocol schema: never trusted, retried',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'schema');
      await p.store.getState().pay(sourceFor(p.store));
      expect(w.net.keys()).toHaveLength(2);
    },
  },
  {
    name: 'a 429 while re-sending an unanswered payment keeps it locked until the real answer',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'reset-after', 3);
      await p.store.getState().pay(sourceFor(p.store));
      w.net.fail(PAY, { status: 429, type: 'json', after: false, body: JSON.stringify({ status: 'error', code: 'rate_limited', message: 'Slow down.', retryable: true }) }, 3);
      await p.store.getState().recheck();
      expect(p.store.getState()).toMatchObject({ phase: 'ready', checking: true });
      await p.store.getState().recheck();
    },
  },
  {
    name: 'offline, then online: the unanswered request is re-sent once the network is back',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.setOffline(true);
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState()).toMatchObject({ phase: 'ready', checking: true, failure: { code: 'network' } });
      await p.store.getState().recheck(); // still offline
      expect(p.store.getState().checking).toBe(true);
      w.net.setOffline(false);
      await p.store.getState().recheck();
      expect(new Set(w.net.keys()).size).toBe(1);
    },
  },
  {
    name: 'duplicate double-click on Pay: one request, one charge',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      await Promise.all([p.store.getState().pay(sourceFor(p.store)), p.store.getState().pay(sourceFor(p.store))]);
      expect(w.net.keys()).toHaveLength(1);
    },
  },
  {
    name: 'the same request reaches the shop twice at once (a retrying proxy): one charge',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'duplicate');
      await p.store.getState().pay(sourceFor(p.store));
      expect(w.proc.authorizeCalls).toHaveLength(1);
    },
  },
  // --- reloads and tabs ---------------------------------------------------------------------
  {
    name: 'reload while the reply was lost: the new page finds the charge, never repeats it',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'reset-after', 3);
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState().checking).toBe(true);
      const after = await w.reload(p);
      expect(after.store.getState().phase).toBe('succeeded');
    },
  },
  {
    name: 'reload while the request never arrived: voided, then paid once',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'reset', 3);
      await p.store.getState().pay(sourceFor(p.store));
      const after = await w.reload(p);
      expect(after.store.getState()).toMatchObject({ phase: 'ready', checking: false, failure: { code: 'cancelled' } });
      after.store.getState().selectMethod('card');
      await after.store.getState().pay(sourceFor(after.store));
    },
  },
  {
    name: 'reload during a QR payment: the page resumes the pending payment and sees it paid',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout('pix');
      await p.store.getState().pay(sourceFor(p.store));
      const paymentId = p.store.getState().action!.paymentId;
      const after = await w.reload(p);
      // The widget remembers the pending payment in the tab (till:pending) and resumes it.
      await after.store.getState().resume(paymentId, 'pix');
      expect(after.store.getState()).toMatchObject({ phase: 'action', action: { paymentId, action: { type: 'qr' } } });
      await w.settlePaid(paymentId);
      await after.store.getState().refreshPayment();
    },
  },
  {
    name: 'two tabs pay one session at the same time: one charge, both show the same order',
    outcome: 'paid',
    async run(w) {
      const a = await w.checkout();
      const b = w.page(a.sessionId);
      await b.store.getState().load(a.sessionId);
      b.store.getState().selectMethod('card');
      await Promise.all([a.store.getState().pay(sourceFor(a.store)), b.store.getState().pay(sourceFor(b.store))]);
      expect(new Set(w.net.keys()).size).toBe(2);
    },
  },
  {
    name: 'two tabs, the first loses its reply: the second is shown the first one\'s order, then the first too',
    outcome: 'paid',
    async run(w) {
      const a = await w.checkout();
      const b = w.page(a.sessionId);
      await b.store.getState().load(a.sessionId);
      w.net.fail(PAY, 'reset-after', 3, a.tab);
      await a.store.getState().pay(sourceFor(a.store));
      expect(a.store.getState().checking).toBe(true);
      b.store.getState().selectMethod('pix'); // another method, another key: still the paid order
      await b.store.getState().pay(sourceFor(b.store));
      await a.store.getState().recheck();
    },
  },
  // --- restarts -----------------------------------------------------------------------------
  {
    name: 'the backend restarts between QR polls: polling goes on against the new instance, paid once',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout('pix');
      await p.store.getState().pay(sourceFor(p.store));
      const paymentId = p.store.getState().action!.paymentId;
      await p.store.getState().refreshPayment();
      expect(p.store.getState().phase).toBe('action');
      // Down while it restarts: the poll in that window fails; the payment stays pending.
      w.net.fail(STATUS, 'reset');
      await p.store.getState().refreshPayment();
      w.restart();
      await p.store.getState().refreshPayment();
      expect(p.store.getState()).toMatchObject({ phase: 'action', action: { paymentId } });
      await w.settlePaid(paymentId); // the bank's webhook reaches the new instance
      await p.store.getState().refreshPayment();
    },
  },
  {
    name: 'the backend restarts mid challenge: the issuer settles on the new instance, the page sees it',
    outcome: 'paid',
    async run(w) {
      w.proc.mode.card = 'challenge';
      const p = await w.checkout('card');
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState()).toMatchObject({ phase: 'action', action: { action: { type: 'challenge' } } });
      const paymentId = p.store.getState().action!.paymentId;
      w.restart();
      await p.store.getState().refreshPayment();
      expect(p.store.getState().phase).toBe('action');
      await w.settlePaid(paymentId);
      // A second settle (the issuer's retry of its callback) books nothing more.
      await w.settlePaid(paymentId);
      await p.store.getState().refreshPayment();
    },
  },
  // --- the shop's database ------------------------------------------------------------------
  {
    name: 'database unavailable on session load: a clear message, the reload works, paid once',
    outcome: 'paid',
    async run(w) {
      const sid = await w.openSession();
      const p = w.page(sid);
      w.db.fail('getSession');
      await p.store.getState().load(sid);
      expect(p.store.getState()).toMatchObject({ phase: 'unavailable', failure: { code: 'internal' } });
      await p.store.getState().load(sid);
      p.store.getState().selectMethod('card');
      await p.store.getState().pay(sourceFor(p.store));
    },
  },
  {
    name: 'database unavailable on quote: the typed code is not applied (and says why), applying again works',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.db.fail('getSession');
      await p.store.getState().applyCode('secret20');
      expect(p.store.getState().codeResult).toEqual({ code: 'SECRET20', applied: false, reason: 'network' });
      await p.store.getState().applyCode('secret20');
      expect(p.store.getState().codeResult).toEqual({ code: 'SECRET20', applied: true });
      const total = p.store.getState().quote!.total;
      expect(total).toBeLessThan(9000);
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState().result?.amount.amount).toBe(total);
    },
  },
  {
    name: 'database unavailable on the idempotency claim: nothing charged, the retry pays once',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.db.fail('claimIdempotency', 1, (k) => /:idem_/.test(String(k)));
      await p.store.getState().pay(sourceFor(p.store));
      expect(w.db.failures).toEqual(['claimIdempotency']);
    },
  },
  {
    name: 'database unavailable on the payment write before authorize: nothing charged, the shopper can pay',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.db.fail('putPayment', 1, (x) => (x as { reply: { status: string } }).reply.status === 'error');
      await p.store.getState().pay(sourceFor(p.store));
      expect(w.proc.authorizeCalls).toHaveLength(0);
      // The automatic retry (same key) learns what the key did: nothing, as the "unknown" write
      // comes before authorize. The shopper is told so, not left "checking", and can pay afresh.
      expect(p.store.getState().checking, 'still "checking" although authorize never ran').toBe(false);
      expect(p.store.getState()).toMatchObject({ phase: 'ready', failure: { code: 'processing_error' } });
      await p.store.getState().pay(sourceFor(p.store));
    },
  },
  {
    name: 'database unavailable on the payment write after authorize: the charge is reconciled, not repeated',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.db.fail('putPayment', 1, (x) => (x as { reply: { status: string } }).reply.status !== 'error');
      await p.store.getState().pay(sourceFor(p.store));
      expect(w.db.failures).toEqual(['putPayment']);
    },
  },
  {
    name: 'database unavailable while reading the key on the retry after a lost reply: still one charge',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.net.fail(PAY, 'reset-after');
      w.db.fail('getIdempotency', 1, (k) => /:idem_/.test(String(k)));
      await p.store.getState().pay(sourceFor(p.store));
      // The first try charged; its lost reply made the store retry, and the database was down for that read.
      expect(w.db.failures).toEqual(['getIdempotency']);
    },
  },
  {
    name: 'database unavailable during QR status polls: the payment stays pending, then paid',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout('pix');
      await p.store.getState().pay(sourceFor(p.store));
      const paymentId = p.store.getState().action!.paymentId;
      w.db.fail('getPayment', 2);
      await p.store.getState().refreshPayment();
      await p.store.getState().refreshPayment();
      expect(p.store.getState()).toMatchObject({ phase: 'action', action: { paymentId } });
      await w.settlePaid(paymentId);
      await p.store.getState().refreshPayment();
    },
  },
  // --- the processor ------------------------------------------------------------------------
  {
    name: 'processor throws after capture: "outcome unknown", retrieve reconciles it to succeeded',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.proc.mode.card = 'throw-after-capture';
      await p.store.getState().pay(sourceFor(p.store));
      expect(w.proc.authorizeCalls).toMatchObject([{ status: 'threw', booked: true }]);
    },
  },
  {
    name: 'processor throws before capture: retrieve says never charged; the shopper is told, pays again once',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      w.proc.mode.card = 'throw-before-capture';
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState()).toMatchObject({ phase: 'ready', checking: false, failure: { code: 'processing_error' } });
      expect(p.store.getState().failure!.message).toMatch(NOT_CHARGED);
      w.proc.mode.card = 'charge';
      await p.store.getState().pay(sourceFor(p.store));
    },
  },
  {
    name: 'processor declines: a clear message, nothing charged',
    outcome: 'unpaid',
    async run(w) {
      const p = await w.checkout();
      w.proc.mode.card = 'decline';
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState()).toMatchObject({ phase: 'ready', failure: { code: 'card_declined' } });
    },
  },
  {
    name: 'a crash between the key claim and the payment write: after the restart the shopper is not stuck',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      // The process dies right after claiming the key: its payment write never happens and no
      // reply leaves (every try, as the instance is gone).
      w.db.fail('putPayment', 1, (x) => (x as { reply: { status: string } }).reply.status === 'error');
      w.net.fail(PAY, 'reset-after', 3);
      await p.store.getState().pay(sourceFor(p.store));
      w.restart();
      expect(w.proc.authorizeCalls).toHaveLength(0);
      // The shopper reloads; the new page asks the new instance what became of the key.
      const after = await w.reload(p);
      await after.store.getState().recheck();
      expect(after.store.getState().checking, 'still "checking" although authorize never ran').toBe(false);
      after.store.getState().selectMethod('card');
      await after.store.getState().pay(sourceFor(after.store));
    },
  },
  // --- price and cancel ---------------------------------------------------------------------
  {
    name: 'stale price (a coupon ended meanwhile): price_changed with the new total, the shopper confirms, paid once',
    outcome: 'paid',
    async run(w) {
      const p = await w.checkout();
      expect(p.store.getState().quote?.total).toBe(9000);
      w.clock.now = FLASH_ENDS + 1;
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState()).toMatchObject({ phase: 'ready', failure: { code: 'price_changed' }, quote: { total: 10000 } });
      expect(w.proc.authorizeCalls).toHaveLength(0);
      await p.store.getState().pay(sourceFor(p.store));
      expect(p.store.getState().result?.amount.amount).toBe(10000);
    },
  },
  {
    name: 'the cancel reply is lost during a QR payment: the next poll says cancelled; a late bank payment books nothing',
    outcome: 'unpaid',
    async run(w) {
      const p = await w.checkout('pix');
      await p.store.getState().pay(sourceFor(p.store));
      const paymentId = p.store.getState().action!.paymentId;
      w.net.fail(CANCEL, 'reset-after');
      await p.store.getState().cancelAction();
      expect(p.store.getState().phase).toBe('action');
      await p.store.getState().refreshPayment();
      expect(p.store.getState()).toMatchObject({ phase: 'ready', failure: { code: 'cancelled' } });
      expect(await w.settlePaid(paymentId)).toMatchObject({ status: 'failed', code: 'cancelled' });
    },
  },
];

describe('fault suite: the real store against the real server kit', () => {
  it('has at least 25 named scenarios, each name unique', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length);
  });

  for (const s of SCENARIOS) {
    const test = s.bug ? it.fails : it;
    test(s.bug ? `${s.name} [bug: ${s.bug}]` : s.name, async () => {
      const w = world();
      await s.run(w);
      await w.net.idle();
      checkInvariants(w, s.outcome);
    });
  }
});

// The failure injector must not hide a fault: it really makes the named call throw.
describe('the harness', () => {
  it('a storage rule throws exactly the named call, N times, then the real storage answers', async () => {
    const db = faultyStorage(memoryStorage());
    db.fail('getPayment', 2);
    await expect(db.storage.getPayment('x')).rejects.toThrow(/database unavailable/);
    await expect(db.storage.getPayment('x')).rejects.toThrow(/database unavailable/);
    await expect(db.storage.getPayment('x')).resolves.toBeUndefined();
    expect(db.failures).toEqual(['getPayment', 'getPayment']);
  });

  it('a "hang" fault answers only when the client aborts', async () => {
    const w = world();
    const f = w.net.fetchFor('t');
    w.net.fail(/^GET /, 'hang');
    const ctrl = new AbortController();
    const pending = f(`${BASE}/payments/x`, { signal: ctrl.signal });
    const settled = vi.fn();
    void pending.then(settled, settled);
    await Promise.resolve();
    expect(settled).not.toHaveBeenCalled();
    ctrl.abort();
    await expect(pending).rejects.toThrow(/aborted/);
  });
});

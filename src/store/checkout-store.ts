import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PasskeyCredential, PaymentAction, PaymentReply, PaymentSource, PayRequest, Quote, Session } from '../protocol/index';
import { TillClientError, type TillClient } from '../core/client';
import { loadModule } from '../core/lazy';
import { amountBand, emptyState, learn, priorMaps, rank, type Device, type Outcome, type PreferenceState, type RankedMethod } from '../core/ranking/index';
import type { PreferenceCache } from './preference-cache';

export type Phase = 'idle' | 'loading' | 'ready' | 'paying' | 'action' | 'succeeded' | 'unavailable';

/** A problem shown to the shopper. `code` is typed so the UI can localise it. */
export interface Failure {
  code: string;
  message: string;
  retryable: boolean;
}

export interface PaymentResult {
  paymentId: string;
  orderId: string;
  amount: { amount: number; currency: string };
  method: string;
}

/** Funnel events, for analytics and for the element's DOM events. Never carries card data. */
export type CheckoutEvent =
  | { type: 'viewed'; sessionId: string }
  | { type: 'method-selected'; method: string }
  | { type: 'coupons-changed'; codes: string[]; total: number }
  | { type: 'payment-started'; method: string; amount: number }
  | { type: 'payment-succeeded'; result: PaymentResult }
  | { type: 'payment-failed'; method: string; failure: Failure }
  | { type: 'action-required'; method: string; action: PaymentAction['type']; paymentId: string }
  /** The shopper left: `stage` is how far they got. */
  | { type: 'abandoned'; stage: 'viewed' | 'failed' | 'pending' };

export interface CheckoutState {
  phase: Phase;
  session?: Session;
  quote?: Quote;
  method?: string;
  /** Set when paying with a saved method. */
  savedMethodId?: string;
  /** When true, coupons are chosen by the optimizer; a shopper's manual change turns it off. */
  autoCoupons: boolean;
  /** The last code the shopper typed and why it was not applied, if it was not. */
  codeResult?: { code: string; applied: boolean; reason?: string };
  failure?: Failure;
  /** The pending payment: what the shopper must do, and what it will charge (from the server). */
  action?: { paymentId: string; action: PaymentAction; amount?: { amount: number; currency: string } };
  result?: PaymentResult;
  /** Available methods, best first, with the model's score and a reason the UI can show. */
  ranked: RankedMethod[];
  /** The shopper's local preference state (method ids and counts only). */
  prefs: PreferenceState;
  /** Whether the shopper agreed to save the card for next time. */
  saveMethod: boolean;
  /**
   * A payment's outcome is unknown (reply lost): Pay re-sends the same request, and the method,
   * coupons and installments are locked until the server answers.
   */
  checking: boolean;
  /** A hand-edited coupon set is being re-priced; paying waits for the new total. */
  repricing: boolean;
  /** Installment count chosen for the selected method (1 = pay in full). */
  installments: number;

  load(sessionId: string): Promise<void>;
  selectMethod(method: string, savedMethodId?: string): void;
  /** Adds a code the shopper typed; codes the session did not offer are resolved by the server. */
  applyCode(code: string): Promise<void>;
  removeCode(code: string): void;
  /** Pays with the selected method. `source` produces the tokenized instrument at pay time. */
  pay(source: () => Promise<PaymentSource>): Promise<void>;
  /** While `checking`: asks again what became of the unanswered payment; never starts a new one. */
  recheck(): Promise<void>;
  /** Follows a pending action (challenge, QR, …) until it settles. */
  refreshPayment(): Promise<void>;
  setSaveMethod(save: boolean): void;
  setInstallments(count: number): void;
  /** Drops methods this device cannot use (e.g. a wallet the browser cannot pay with) and re-ranks. */
  restrictMethods(unavailable: string[]): void;
  /** Cancels the pending payment (QR, voucher, redirect). */
  cancelAction(): Promise<void>;
  /** Answers a `passkey` step-up with the WebAuthn assertion. */
  completePasskey(credential: PasskeyCredential): Promise<void>;
  /** Enrols a passkey for this shopper after a successful payment; `create` runs the WebAuthn ceremony. */
  enrollPasskey(create: (options: Record<string, unknown>) => Promise<PasskeyCredential>): Promise<boolean>;
  /** Resumes a payment after a redirect brought the shopper back. */
  resume(paymentId: string, method: string): Promise<void>;
  /** Erases this shopper's local preferences for this merchant and re-ranks from priors. */
  forgetPreferences(): Promise<void>;
  /** The shopper left while a started payment was pending. */
  abandon(): void;
}

export interface CheckoutStoreOptions {
  client: TillClient;
  onEvent?: (e: CheckoutEvent) => void;
  now?: () => number;
  newIdempotencyKey?: () => string;
  /** Waits between network retries of the same payment request. */
  sleep?: (ms: number) => Promise<void>;
  /** Local preference cache per merchant id; omit to turn personalisation off (priors only). */
  preferences?: (merchantId: string) => PreferenceCache;
  /** Keeps the key of an unanswered payment across a reload (the widget uses sessionStorage). */
  attempts?: AttemptLog;
  /**
   * `false` is the control arm of a coupon A/B test: nothing is applied automatically and no
   * method is promoted for its savings; the shopper can still type codes. Default `true`.
   */
  autoCoupons?: boolean;
  device?: Device;
}

export type CheckoutStore = StoreApi<CheckoutState>;

/** An unanswered payment attempt as remembered across a reload: its key and method, never its body. */
export interface LostAttempt {
  key: string;
  method: string;
}

/** Per-session memory of an unanswered attempt; `undefined` clears it. */
export interface AttemptLog {
  get(sessionId: string): LostAttempt | undefined;
  set(sessionId: string, attempt: LostAttempt | undefined): void;
}

const NETWORK_RETRIES = 2;

const UNKNOWN_OUTCOME = 'We could not confirm the payment. Press pay again to check; you will not be charged twice.';
const NOTHING_CHARGED = 'Your earlier payment did not go through: nothing was charged.';
const UNCHECKABLE = 'We could not check your earlier payment. If it went through you will get a confirmation; otherwise pay again.';

function randomKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return 'idem_' + [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Where a redirect method brings the shopper back: this page, without our own resume marker. */
export function returnUrl(href: string): string {
  const u = new URL(href);
  u.searchParams.delete('till_payment');
  return u.href;
}

/** A saved card is usable through the end of its expiry month. */
export function isExpired(m: { expMonth?: number | undefined; expYear?: number | undefined }, nowSeconds: number): boolean {
  if (!m.expMonth || !m.expYear) return false;
  const d = new Date(nowSeconds * 1000);
  return m.expYear < d.getUTCFullYear() || (m.expYear === d.getUTCFullYear() && m.expMonth < d.getUTCMonth() + 1);
}

/**
 * One store per checkout (as Adyen makes one Core per checkout). Only actions change state, and
 * each builds new objects. Card data never enters the store: `pay` receives a function that
 * tokenizes at the last moment and returns only the opaque source.
 */
export function createCheckoutStore(options: CheckoutStoreOptions): CheckoutStore {
  const { client, onEvent = () => {}, now = () => Math.floor(Date.now() / 1000), newIdempotencyKey = randomKey } = options;
  const auto = options.autoCoupons !== false;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  /**
   * A payment request whose outcome we never heard (network loss). The next pay() re-sends it
   * byte for byte with the same idempotency key, so the server answers with what it already did
   * instead of charging twice.
   */
  let unresolved: PayRequest | undefined;
  /**
   * An unanswered attempt inherited from before a reload: only its key survived. Before anything
   * else is paid, the server is asked what became of it (and voids it if it never arrived).
   */
  let lost: LostAttempt | undefined;
  let cache: PreferenceCache | undefined;

  return createStore<CheckoutState>()((set, get) => {
    /** The server's best quote for a method (or overall): what auto-apply shows. */
    function bestFor(session: Session, method: string | undefined): Quote {
      return session.methodQuotes.find((q) => q.method === method) ?? session.quote;
    }

    /** Prices exactly these codes in the browser, with the engine the server runs (loaded on first use). */
    async function localQuote(session: Session, codes: string[], method: string | undefined): Promise<Quote> {
      const { priceWith, sessionPricingInput } = await loadModule('pricing');
      return priceWith(sessionPricingInput(session, now()), codes, method);
    }

    function rankFor(session: Session, prefs: PreferenceState): RankedMethod[] {
      const available = session.methods.map((m) => m.id);
      const savingsByMethod: Record<string, number> = {};
      if (auto) for (const m of available) savingsByMethod[m] = Math.max(0, session.quote.total - bestFor(session, m).total);
      return rank(prefs, {
        available,
        country: session.country,
        currency: session.currency,
        amountBand: amountBand(session.quote.total, session.currency),
        ...(options.device ? { device: options.device } : {}),
        savedMethods: session.savedMethods.map((m) => m.method),
        savingsByMethod,
        ...(session.priors ? { priors: priorMaps(session.priors) } : {}),
        now: Date.now(),
      });
    }

    /** Learns from an outcome and persists it; storage problems never reach the shopper. */
    function observe(method: string, outcome: Outcome) {
      const { session, prefs } = get();
      if (!session || !cache) return;
      const next = learn(prefs, { method, outcome, ctx: { available: session.methods.map((m) => m.id), ...(options.device ? { device: options.device } : {}) }, at: Date.now() });
      set({ prefs: next });
      void cache.save(next).catch(() => undefined);
    }

    function fail(failure: Failure, method: string) {
      set({ phase: 'ready', failure });
      // Not the method's fault: a changed price, the network, or a cancellation (also a void).
      if (!['price_changed', 'network', 'timeout', 'cancelled'].includes(failure.code)) observe(method, 'failed');
      onEvent({ type: 'payment-failed', method, failure });
    }

    function handleReply(reply: PaymentReply, method: string) {
      switch (reply.status) {
        case 'succeeded': {
          const result: PaymentResult = { paymentId: reply.paymentId, orderId: reply.orderId, amount: reply.amount, method };
          set({ phase: 'succeeded', result, action: undefined, failure: undefined });
          observe(method, 'succeeded');
          onEvent({ type: 'payment-succeeded', result });
          return;
        }
        case 'requires_action':
          set({ phase: 'action', action: { paymentId: reply.paymentId, action: reply.action, amount: reply.amount } });
          onEvent({ type: 'action-required', method, action: reply.action.type, paymentId: reply.paymentId });
          return;
        case 'failed':
          // A fresh server quote replaces ours; the shopper confirms the new total by paying again.
          if (reply.quote) set({ quote: reply.quote, autoCoupons: false });
          set({ action: undefined });
          fail({ code: reply.code, message: reply.message, retryable: reply.retryable }, method);
          return;
        case 'error':
          // A request-level error about a pending payment says nothing about the payment itself:
          // keep the action (and polling) rather than letting the shopper pay a second time.
          if (get().action) return set({ failure: { code: reply.code, message: reply.message, retryable: true } });
          fail({ code: reply.code, message: reply.message, retryable: reply.retryable }, method);
      }
    }

    /**
     * Prices exactly these codes. Codes the session offered are priced here with the same engine
     * the server runs; a code only the server knows (typed by the shopper) makes the server price.
     */
    async function priceCodes(codes: string[], method: string | undefined): Promise<Quote | undefined> {
      const session = get().session;
      if (!session) return undefined;
      set({ repricing: true });
      try {
        if (codes.every((c) => session.coupons.some((k) => k.code === c))) return await localQuote(session, codes, method);
        const r = await client.quote(session.id, { couponCodes: codes, ...(method ? { method } : {}) });
        return r.status === 'ok' ? r.quote : undefined;
      } catch {
        return undefined;
      } finally {
        set({ repricing: false });
      }
    }

    function commitQuote(quote: Quote) {
      set({ quote, autoCoupons: false });
      onEvent({ type: 'coupons-changed', codes: quote.applied.map((a) => a.code), total: quote.total });
    }

    async function reprice(codes: string[]) {
      if (get().phase !== 'ready') return;
      const q = await priceCodes(codes, get().method);
      if (q) commitQuote(q);
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

    function setUnresolved(req: PayRequest | undefined) {
      unresolved = req;
      // send() already remembered the attempt before the first byte left; only forget it here.
      const id = get().session?.id;
      if (id && !req) options.attempts?.set(id, undefined);
      set({ checking: !!req });
    }

    /** Some payment's outcome is unknown: nothing may be changed or paid until it is known. */
    const undecided = (): boolean => !!(unresolved || lost);

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
      phase: 'idle',
      autoCoupons: true,
      ranked: [],
      prefs: emptyState(),
      saveMethod: false,
      repricing: false,
      checking: false,
      installments: 1,

      async load(sessionId) {
        set({ phase: 'loading', failure: undefined });
        try {
          const reply = await client.getSession(sessionId);
          if (reply.status === 'error') {
            set({ phase: 'unavailable', failure: { code: reply.code, message: reply.message, retryable: reply.retryable } });
            return;
          }
          const session = reply.session;
          cache = options.preferences?.(session.merchantId);
          const prefs = cache ? await cache.load() : emptyState();
          const ranked = rankFor(session, prefs);
          lost = options.attempts?.get(session.id);
          // An attempt still being checked keeps its method on screen.
          const method = (lost && session.methods.find((m) => m.id === lost?.method)?.id) ?? ranked[0]?.method ?? session.methods[0]?.id;
          // A returning one-click shopper starts on their saved instrument for the top method.
          const saved = session.savedMethods.find((m) => m.method === method && !isExpired(m, now()));
          set({ session, prefs, ranked, method, savedMethodId: saved?.id, quote: bestFor(session, method), autoCoupons: auto, checking: !!lost });
          // Without auto-apply the shopper starts from no coupons (priced like any edit; should
          // that fail, the server's best quote stands: the shopper is never charged more).
          const plain = auto ? undefined : await priceCodes([], method);
          if (plain) set({ quote: plain });
          onEvent({ type: 'viewed', sessionId: session.id });
          // Still "loading" while an attempt lost in a reload is checked (nothing is being paid).
          if (!lost || (await resolveLost(session.id, false))) set({ phase: 'ready' });
        } catch (e) {
          const err = e instanceof TillClientError ? e : new TillClientError('network', 'Could not reach the payment service.', true);
          set({ phase: 'unavailable', failure: { code: err.code, message: err.message, retryable: err.retryable } });
        }
      },

      selectMethod(method, savedMethodId) {
        const { session, phase, autoCoupons, quote } = get();
        if (!session || undecided() || (phase !== 'ready' && phase !== 'succeeded')) return;
        if (!session.methods.some((m) => m.id === method)) return;
        set({ method, savedMethodId, failure: undefined, installments: 1 });
        onEvent({ type: 'method-selected', method });
        if (autoCoupons) set({ quote: bestFor(session, method) });
        else
          void priceCodes(quote?.applied.map((a) => a.code) ?? [], method).then((q) => {
            if (q && get().method === method) set({ quote: q });
          });
      },

      async applyCode(raw) {
        const { quote, phase } = get();
        const code = raw.trim().toUpperCase();
        if (!quote || phase !== 'ready' || !code || undecided()) return;
        const next = await priceCodes([...new Set([...quote.applied.map((a) => a.code), code])], get().method);
        if (!next) return set({ codeResult: { code, applied: false, reason: 'network' } });
        if (!next.applied.some((a) => a.code === code)) {
          // Keep the shopper's current coupons; explain why the new one did not apply.
          const reason = next.rejected.find((r) => r.code === code)?.reason;
          return set({ codeResult: { code, applied: false, ...(reason ? { reason } : {}) } });
        }
        commitQuote(next);
        set({ codeResult: { code, applied: true } });
      },

      removeCode(code) {
        const quote = get().quote;
        if (undecided()) return;
        set({ codeResult: undefined });
        if (quote) void reprice(quote.applied.map((a) => a.code).filter((c) => c !== code));
      },

      async pay(getSource) {
        const { session, quote, method, savedMethodId, phase, repricing } = get();
        // Synchronous guard: a second click in the same tick finds phase 'paying' and does nothing.
        if (phase !== 'ready' || repricing || !session || !quote || !method) return;
        set({ phase: 'paying', failure: undefined });
        if (lost && !(await resolveLost(session.id, true))) return;
        onEvent({ type: 'payment-started', method, amount: quote.total });
        if (!unresolved) observe(method, 'chosen');

        let req = unresolved;
        if (!req) {
          let source: PaymentSource;
          try {
            source = savedMethodId ? { type: 'saved', savedMethodId } : await getSource();
          } catch (e) {
            fail({ code: 'tokenization_failed', message: e instanceof Error ? e.message : 'The card could not be secured.', retryable: true }, method);
            return;
          }
          req = {
            idempotencyKey: newIdempotencyKey(),
            method,
            source,
            couponCodes: quote.applied.map((a) => a.code),
            expectedTotal: { amount: quote.total, currency: session.currency },
            ...(get().saveMethod && source.type === 'card_jwe' ? { saveMethod: true } : {}),
            ...(get().installments > 1 ? { installments: get().installments } : {}),
            ...(typeof location === 'object' && /^https?:/.test(location.href) ? { returnUrl: returnUrl(location.href) } : {}),
          };
        }
        const reply = await send(session.id, req, req !== unresolved);
        if (reply) handleReply(reply, req.method);
      },

      async recheck() {
        const { session, phase } = get();
        if (!session || phase !== 'ready') return;
        if (unresolved) return get().pay(() => Promise.reject(new Error('a new payment while checking')));
        if (!lost) return;
        set({ phase: 'paying', failure: undefined });
        if (await resolveLost(session.id, false)) set({ phase: 'ready' });
      },

      async refreshPayment() {
        const { action, method } = get();
        if (!action || !method) return;
        try {
          const reply = await client.paymentStatus(action.paymentId);
          if (reply.status === 'succeeded' || reply.status === 'failed') handleReply(reply, method);
          else if (reply.status === 'error' && reply.code === 'not_found') {
            // The server does not know this payment (any more): nothing is pending.
            set({ action: undefined });
            fail({ code: reply.code, message: reply.message, retryable: true }, method);
          } else if (reply.status === 'requires_action' && JSON.stringify(reply.action) !== JSON.stringify(action.action)) {
            set({ action: { paymentId: reply.paymentId, action: reply.action, amount: reply.amount } });
            onEvent({ type: 'action-required', method, action: reply.action.type, paymentId: reply.paymentId });
          }
        } catch {
          // Transient: the caller keeps polling.
        }
      },

      setSaveMethod(save) {
        set({ saveMethod: save });
      },

      setInstallments(count) {
        if (!undecided()) set({ installments: count });
      },

      restrictMethods(unavailable) {
        const { session, prefs, method } = get();
        if (!session || !unavailable.length) return;
        const methods = session.methods.filter((m) => !unavailable.includes(m.id));
        if (!methods.length || methods.length === session.methods.length) return;
        const next = { ...session, methods };
        const ranked = rankFor(next, prefs);
        const keep = method && methods.some((m) => m.id === method);
        set({ session: next, ranked });
        if (!keep && ranked[0]) get().selectMethod(ranked[0].method);
      },

      async cancelAction() {
        const { action, method } = get();
        if (!action || !method) return;
        try {
          handleReply(await client.cancelPayment(action.paymentId), method);
        } catch {
          // Still pending on the server; polling continues.
        }
      },

      async completePasskey(credential) {
        const { action, method } = get();
        if (!action || !method || action.action.type !== 'passkey') return;
        try {
          handleReply(await client.passkeyAssertion(action.paymentId, credential), method);
        } catch {
          // The server may have charged: stay on the pending payment and let polling tell.
          await get().refreshPayment();
        }
      },

      async enrollPasskey(create) {
        const { session } = get();
        if (!session) return false;
        try {
          const opts = await client.passkeyRegistrationOptions(session.id);
          if (opts.status !== 'ok' || !opts.options) return false;
          const done = await client.registerPasskey(session.id, await create(opts.options));
          return done.status === 'ok';
        } catch {
          return false;
        }
      },

      async resume(paymentId, method) {
        const { session, phase } = get();
        // Only from a quiet checkout: never over a payment the shopper has just started.
        if (!session || phase !== 'ready' || undecided()) return;
        // Placeholder until the status arrives; the widget never follows a resumed redirect.
        set({ method, phase: 'action', action: { paymentId, action: { type: 'redirect', url: 'https://resume.invalid/' } } });
        await get().refreshPayment();
      },

      async forgetPreferences() {
        await cache?.forget();
        const prefs = emptyState();
        const { session } = get();
        set({ prefs, ranked: session ? rankFor(session, prefs) : [] });
      },

      abandon() {
        const { phase, method, failure } = get();
        if (phase === 'action' && method) observe(method, 'abandoned');
        if (phase === 'ready' || phase === 'action') onEvent({ type: 'abandoned', stage: phase === 'action' ? 'pending' : failure ? 'failed' : 'viewed' });
      },
    };
  });
}

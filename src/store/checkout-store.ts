import { createStore } from 'zustand/vanilla';
import type { PaymentSource, Session } from '../protocol/index';
import { TillClientError } from '../core/client';
import { emptyState, priorMaps, rank, type PreferenceState, type RankedMethod } from '../core/ranking/index';
import { createAttempts } from './attempts';
import type { StoreContext } from './context';
import { createOutcomes } from './outcomes';
import { bestFor, createQuotes } from './quotes';
import type { CheckoutState, CheckoutStore, CheckoutStoreOptions } from './types';

export type { AttemptLog, CheckoutEvent, CheckoutState, CheckoutStore, CheckoutStoreOptions, Failure, LostAttempt, PaymentResult, Phase } from './types';

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
 * each builds new objects; the phase changes only through the payment state machine
 * (payment-machine.ts). Card data never enters the store: `pay` receives a function that
 * tokenizes at the last moment and returns only the opaque source.
 *
 * The parts: outcomes.ts (what an answer does: phase, learning, events), attempts.ts (unanswered
 * payments and their safe re-sending), quotes.ts (totals and coupon re-pricing).
 */
export function createCheckoutStore(options: CheckoutStoreOptions): CheckoutStore {
  const { client, onEvent = () => {}, now = () => Math.floor(Date.now() / 1000), newIdempotencyKey = randomKey } = options;
  const auto = options.autoCoupons !== false;

  return createStore<CheckoutState>()((set, get) => {
    const ctx: StoreContext = { get, set, client, options, onEvent, now, auto };
    const outcomes = createOutcomes(ctx);
    const { go, observe, fail, handleReply } = outcomes;
    const { priceCodes, commitQuote, reprice } = createQuotes(ctx);
    const attempts = createAttempts(ctx, outcomes);
    const undecided = attempts.undecided;

    function rankFor(session: Session, prefs: PreferenceState): RankedMethod[] {
      const available = session.methods.map((m) => m.id);
      const savingsByMethod: Record<string, number> = {};
      if (auto) for (const m of available) savingsByMethod[m] = Math.max(0, session.quote.total - bestFor(session, m).total);
      return rank(prefs, {
        available,
        country: session.country,
        currency: session.currency,
        ...(options.device ? { device: options.device } : {}),
        savedMethods: session.savedMethods.map((m) => m.method),
        savingsByMethod,
        ...(session.priors ? { priors: priorMaps(session.priors) } : {}),
        ...(session.context ? { context: session.context } : {}),
        now: Date.now(),
      });
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
        if (!go('load', { failure: undefined })) return;
        try {
          const reply = await client.getSession(sessionId);
          if (reply.status === 'error') {
            go('unavailable', { failure: { code: reply.code, message: reply.message, retryable: reply.retryable } });
            return;
          }
          let session = reply.session;
          const cache = outcomes.useCache(options.preferences?.(session.merchantId));
          const [prefs, unavailable] = await Promise.all([
            cache ? cache.load() : emptyState(),
            options.unavailableMethods?.(session).catch((): readonly string[] => []) ?? ([] as readonly string[]),
          ]);
          const methods = session.methods.filter((m) => !unavailable.includes(m.id));
          if (methods.length && methods.length < session.methods.length) session = { ...session, methods };
          const ranked = rankFor(session, prefs);
          attempts.restoreLost(options.attempts?.get(session.id));
          const lost = attempts.lost();
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
          // Already paid (another tab, an agent, before a reload): shown as paid, never payable
          // again; not learnt or reported a second time.
          const paid = session.paid;
          if (paid) {
            options.attempts?.set(session.id, undefined);
            return void go('succeeded', { result: paid, checking: false });
          }
          // Still "loading" while an attempt lost in a reload is checked (nothing is being paid).
          if (!lost || (await attempts.resolveLost(session.id, false))) go('loaded');
        } catch (e) {
          const err = e instanceof TillClientError ? e : new TillClientError('network', 'Could not reach the payment service.', true);
          go('unavailable', { failure: { code: err.code, message: err.message, retryable: err.retryable } });
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

      async removeCode(code) {
        const quote = get().quote;
        if (undecided()) return;
        set({ codeResult: undefined });
        if (quote) await reprice(quote.applied.map((a) => a.code).filter((c) => c !== code));
      },

      async pay(getSource) {
        const { session, quote, method, savedMethodId, phase, repricing } = get();
        // Synchronous guard: a second click in the same tick finds phase 'paying' and does nothing.
        if (phase !== 'ready' || repricing || !session || !quote || !method) return;
        if (!go('pay', { failure: undefined })) return;
        if (attempts.lost() && !(await attempts.resolveLost(session.id, true))) return;
        onEvent({ type: 'payment-started', method, amount: quote.total });
        const unresolved = attempts.unresolved();
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
        const reply = await attempts.send(session.id, req, req !== unresolved);
        if (reply) handleReply(reply, req.method);
      },

      async recheck() {
        const { session, phase } = get();
        if (!session || phase !== 'ready') return;
        if (attempts.unresolved()) return get().pay(() => Promise.reject(new Error('a new payment while checking')));
        if (!attempts.lost() || !go('pay', { failure: undefined })) return;
        if (await attempts.resolveLost(session.id, false)) go('resolved');
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
        go('resume', { method, action: { paymentId, action: { type: 'redirect', url: 'https://resume.invalid/' } } });
        await get().refreshPayment();
      },

      async forgetPreferences() {
        await outcomes.forget();
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

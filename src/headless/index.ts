/**
 * `till-checkout/headless`: a checkout without a DOM, for Node, workers, agents and custom UIs.
 * It drives the same store (and so the same payment state machine, pricing, ranking and
 * idempotent re-sending) as `<till-checkout>`, against any backend speaking the Till protocol.
 *
 *   const checkout = createCheckout({ endpoint: 'https://shop.example/api/till/v1', sessionId, clientSecret });
 *   await checkout.load();
 *   checkout.ranked();               // methods, best first, each with its reason
 *   await checkout.applyCoupon('WELCOME10');
 *   checkout.selectMethod('pix');
 *   const s = await checkout.pay();  // s.phase === 'action', s.action.action.type === 'qr'
 */
import { createClient, TillClientError } from '../core/client';
import { setDefaultLoaders } from '../core/lazy';
import type { Device, RankedMethod } from '../core/ranking/index';
import { jweProvider } from '../core/tokenize/provider';
import type { CardPlaintext, PasskeyCredential, PaymentSource } from '../protocol/index';
import { createCheckoutStore } from '../store/checkout-store';
import type { PreferenceCache } from '../store/preference-cache';
import type { AttemptLog, CheckoutEvent, CheckoutState, CheckoutStore, LostAttempt } from '../store/types';

export type { CheckoutEvent, Failure, PaymentResult, Phase } from '../store/types';
export type { RankedMethod } from '../core/ranking/index';
export { PHASES, PAYMENT_EVENTS, TRANSITIONS, transition, type PaymentEvent } from '../store/payment-machine';

/** The checkout's state without its actions: what a headless caller reads and subscribes to. */
export type CheckoutSnapshot = { [K in keyof CheckoutState as CheckoutState[K] extends (...args: never[]) => unknown ? never : K]: CheckoutState[K] };

export interface HeadlessOptions {
  /** Base URL of the merchant's Till endpoints, e.g. `https://shop.example/api/till/v1`. */
  endpoint: string;
  sessionId: string;
  /** The session's client secret (from `POST /sessions`). */
  clientSecret?: string;
  /** A fetch to use (a test double, one with the merchant's auth headers, a proxy's). */
  fetch?: typeof fetch;
  /** Per-request timeout in ms (default 20 s). */
  timeoutMs?: number;
  onEvent?: (e: CheckoutEvent) => void;
  /** On-device preference cache per merchant id; omit for priors-only ranking. */
  preferences?: (merchantId: string) => PreferenceCache;
  /** Where an unanswered payment's key is kept (default: this controller's memory). */
  attempts?: AttemptLog;
  /** `false` is the control arm of a coupon A/B test. */
  autoCoupons?: boolean;
  device?: Device;
  /** Waits between network retries of the same payment request (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

/** What `pay()` charges with: nothing (QR, voucher, redirect, a selected saved method), a card, or a ready source. */
export type PayInput = { card: CardPlaintext } | { source: PaymentSource } | undefined;

export interface HeadlessCheckout {
  /** The store itself (what `<till-checkout>` renders), for advanced use. */
  readonly store: CheckoutStore;
  getState(): CheckoutSnapshot;
  /** Called with every new state; returns the function that stops it. */
  subscribe(listener: (state: CheckoutSnapshot) => void): () => void;
  load(): Promise<CheckoutSnapshot>;
  /** Available methods, best first, with the model's score and a typed reason (`used_last_n`, `saves`, `saved_method`, `popular_in_region`…). */
  ranked(): RankedMethod[];
  /** Sets a line's quantity (by line id or product id; 0 removes it): the merchant prices the cart again. */
  setQuantity(line: string, quantity: number): Promise<CheckoutSnapshot>;
  /** Replaces the cart's items (products and quantities; 0 or absent removes one). */
  setItems(items: { productId: string; quantity: number }[]): Promise<CheckoutSnapshot>;
  applyCoupon(code: string): Promise<CheckoutSnapshot>;
  removeCoupon(code: string): Promise<CheckoutSnapshot>;
  selectMethod(method: string, savedMethodId?: string): Promise<CheckoutSnapshot>;
  setInstallments(count: number): CheckoutSnapshot;
  /** Pays the shown total with the selected method. Re-sending after a lost reply never charges twice. */
  pay(input?: PayInput): Promise<CheckoutSnapshot>;
  /** Answers a pending action: a passkey assertion, or `{ refresh: true }` to ask what became of it. */
  answerAction(answer: { passkey: PasskeyCredential } | { refresh: true }): Promise<CheckoutSnapshot>;
  /** Cancels the pending payment (QR, voucher, redirect). */
  cancel(): Promise<CheckoutSnapshot>;
}

function snapshot(s: CheckoutState): CheckoutSnapshot {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (typeof v !== 'function') out[k] = v;
  return out as CheckoutSnapshot;
}

function memoryAttempts(): AttemptLog {
  const m = new Map<string, LostAttempt>();
  return { get: (id) => m.get(id), set: (id, a) => void (a ? m.set(id, a) : m.delete(id)) };
}

export function createCheckout(options: HeadlessOptions): HeadlessCheckout {
  // In Node or a worker nothing registered the on-demand modules: import them directly.
  setDefaultLoaders({ jwe: () => import('../lazy/jwe'), pricing: () => import('../core/pricing/index'), learn: () => import('../core/ranking/learn') });
  const client = createClient({
    baseUrl: options.endpoint,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const store = createCheckoutStore({
    client,
    attempts: options.attempts ?? memoryAttempts(),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.preferences ? { preferences: options.preferences } : {}),
    ...(options.autoCoupons === false ? { autoCoupons: false } : {}),
    ...(options.device ? { device: options.device } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const state = () => snapshot(store.getState());
  const act = () => store.getState();

  /** Resolves once a hand-edited coupon set has been priced again. */
  const priced = () =>
    new Promise<CheckoutSnapshot>((resolve) => {
      if (!store.getState().repricing) return resolve(state());
      const stop = store.subscribe((s) => {
        if (!s.repricing) {
          stop();
          resolve(snapshot(s));
        }
      });
    });

  async function setItems(list: { productId: string; quantity: number }[]): Promise<CheckoutSnapshot> {
    const s = store.getState();
    if (!s.session || s.phase !== 'ready' || s.checking) return state();
    const items = list.filter((i) => i.quantity > 0);
    try {
      const reply = await client.updateItems(s.session.id, { items });
      if (reply.status === 'error') {
        store.setState({ failure: { code: reply.code, message: reply.message, retryable: reply.retryable } });
        return state();
      }
    } catch (e) {
      const err = e instanceof TillClientError ? e : new TillClientError('network', 'Could not reach the payment service.', true);
      store.setState({ failure: { code: err.code, message: err.message, retryable: err.retryable } });
      return state();
    }
    // The new cart is loaded like a fresh session (ranked and auto-priced again); the shopper's
    // method stays chosen where it is still offered.
    await act().load(options.sessionId);
    if (s.method && s.method !== store.getState().method) act().selectMethod(s.method, s.savedMethodId);
    return priced();
  }

  async function sourceFor(input: PayInput): Promise<PaymentSource> {
    if (input && 'source' in input) return input.source;
    const s = store.getState();
    const flow = s.session?.methods.find((m) => m.id === s.method)?.flow;
    if (!input) {
      if (flow === 'card' || flow === 'wallet') throw new Error(`Paying with ${s.method} needs a card or a source.`);
      return { type: 'none' };
    }
    const tk = s.session?.tokenization;
    if (tk?.provider !== 'jwe') throw new Error('This session tokenizes cards with Stripe Elements: pass { source } instead.');
    return jweProvider(tk.publicKey).tokenize(input.card);
  }

  return {
    store,
    getState: state,
    subscribe: (listener) => store.subscribe((s) => listener(snapshot(s))),
    async load() {
      await act().load(options.sessionId);
      return state();
    },
    ranked: () => store.getState().ranked,
    async setQuantity(line, quantity) {
      const s = store.getState();
      if (!s.session) return state();
      if (!Number.isInteger(quantity) || quantity < 0 || quantity > 999) {
        store.setState({ failure: { code: 'invalid_request', message: 'A quantity is a whole number from 0 to 999.', retryable: false } });
        return state();
      }
      return setItems(s.session.lines.map((l) => ({ productId: l.productId, quantity: l.id === line || l.productId === line ? quantity : l.quantity })));
    },
    setItems,
    async applyCoupon(code) {
      await act().applyCode(code);
      return state();
    },
    async removeCoupon(code) {
      await act().removeCode(code);
      return state();
    },
    selectMethod(method, savedMethodId) {
      act().selectMethod(method, savedMethodId);
      return priced();
    },
    setInstallments(count) {
      act().setInstallments(count);
      return state();
    },
    async pay(input) {
      await priced();
      await act().pay(() => sourceFor(input));
      return state();
    },
    async answerAction(answer) {
      if ('passkey' in answer) await act().completePasskey(answer.passkey);
      else await act().refreshPayment();
      return state();
    },
    async cancel() {
      await act().cancelAction();
      return state();
    },
  };
}

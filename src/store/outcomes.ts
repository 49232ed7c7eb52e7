/**
 * What a payment's answer does to the checkout: the phase moves through the state machine, the
 * shopper's local preferences learn from the outcome, and funnel events are emitted.
 */
import { loadModule } from '../core/lazy';
import type { Outcome } from '../core/ranking/index';
import type { PaymentReply } from '../protocol/index';
import type { StoreContext } from './context';
import { transition, type PaymentEvent } from './payment-machine';
import type { PreferenceCache } from './preference-cache';
import type { CheckoutState, Failure, PaymentResult } from './types';

export type Outcomes = ReturnType<typeof createOutcomes>;

/** Failures that are not the method's fault: a changed price, the network, a cancellation (also a void). */
const NOT_THE_METHOD = ['price_changed', 'network', 'timeout', 'cancelled'];

export function createOutcomes({ get, set, options, onEvent }: StoreContext) {
  let cache: PreferenceCache | undefined;

  /** Moves the phase by `event` (with `patch`); false, and nothing changed, when the phase refuses it. */
  function go(event: PaymentEvent, patch: Partial<CheckoutState> = {}): boolean {
    const next = transition(get().phase, event);
    if (!next) return false;
    set({ ...patch, phase: next });
    return true;
  }

  /**
   * Learns from an outcome and persists it; storage problems never reach the shopper. The update
   * loads on demand (the first outcome fetches it) and outcomes apply in the order they happened.
   */
  let learning: Promise<unknown> = Promise.resolve();
  function observe(method: string, outcome: Outcome) {
    const { session } = get();
    const store = cache;
    if (!session || !store) return;
    const event = { method, outcome, ctx: { available: session.methods.map((m) => m.id), device: options.device, context: session.context }, at: Date.now() };
    learning = learning.then(async () => {
      const prefs = (await loadModule('learn')).learn(get().prefs, event);
      set({ prefs });
      await store.save(prefs);
    }).catch(() => undefined);
  }

  /** Back to choosing with a message; `patch` lands in the same update (refused once paid). */
  function fail(failure: Failure, method: string, patch: Partial<CheckoutState> = {}) {
    if (!go('failed', { ...patch, failure })) return;
    if (!NOT_THE_METHOD.includes(failure.code)) observe(method, 'failed');
    onEvent({ type: 'payment-failed', method, failure });
  }

  function handleReply(reply: PaymentReply, method: string) {
    switch (reply.status) {
      case 'succeeded': {
        const result: PaymentResult = { paymentId: reply.paymentId, orderId: reply.orderId, amount: reply.amount, method };
        if (!go('succeeded', { result, action: undefined, failure: undefined })) return;
        observe(method, 'succeeded');
        onEvent({ type: 'payment-succeeded', result });
        return;
      }
      case 'requires_action':
        if (!go('requires_action', { action: { paymentId: reply.paymentId, action: reply.action, amount: reply.amount } })) return;
        onEvent({ type: 'action-required', method, action: reply.action.type, paymentId: reply.paymentId });
        return;
      case 'failed':
        // A fresh server quote replaces ours; the shopper confirms the new total by paying again.
        fail({ code: reply.code, message: reply.message, retryable: reply.retryable }, method, { action: undefined, ...(reply.quote ? { quote: reply.quote, autoCoupons: false } : {}) });
        return;
      case 'error':
        // A request-level error about a pending payment says nothing about the payment itself:
        // keep the action (and polling) rather than letting the shopper pay a second time.
        if (get().action) return set({ failure: { code: reply.code, message: reply.message, retryable: true } });
        fail({ code: reply.code, message: reply.message, retryable: reply.retryable }, method);
    }
  }

  return {
    go,
    observe,
    fail,
    handleReply,
    /** Opens the shopper's preference cache for this merchant (undefined: personalisation off). */
    useCache(c: PreferenceCache | undefined) {
      return (cache = c);
    },
    forget: () => cache?.forget(),
  };
}

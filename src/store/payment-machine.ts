/**
 * The checkout's payment flow as an explicit state machine: named phases, the events that move
 * between them, and one transition table. The store (checkout-store.ts) changes `phase` only
 * through {@link transition}; an event a phase does not list is refused and changes nothing (a
 * late "failed" poll cannot un-pay a paid checkout, a second Pay cannot start while one is sent).
 */

export const PHASES = ['idle', 'loading', 'ready', 'paying', 'action', 'succeeded', 'unavailable'] as const;
export type Phase = (typeof PHASES)[number];

export const PAYMENT_EVENTS = [
  /** The session is asked for (first load, or Retry after it could not be loaded). */
  'load',
  /** The session arrived and no earlier payment is undecided: the shopper may choose and pay. */
  'loaded',
  /** The session could not be loaded (unknown, expired, network). */
  'unavailable',
  /** Pay was pressed (or an unanswered attempt is asked about again). */
  'pay',
  /** The payment needs the shopper (challenge, QR, voucher, redirect, passkey), or its action changed. */
  'requires_action',
  /** The payment went through. */
  'succeeded',
  /** The payment failed, was cancelled, or its outcome is unknown: back to choosing, with a message. */
  'failed',
  /** An attempt lost in a reload turned out void: nothing was charged, the shopper may pay afresh. */
  'resolved',
  /** The shopper came back from a redirect: follow that payment. */
  'resume',
] as const;
export type PaymentEvent = (typeof PAYMENT_EVENTS)[number];

/** phase × event → next phase; a missing entry means the event is refused in that phase. */
export const TRANSITIONS: Readonly<Record<Phase, Readonly<Partial<Record<PaymentEvent, Phase>>>>> = {
  idle: { load: 'loading' },
  // While loading, an attempt lost in a reload is asked about: its answer may already settle it.
  loading: { loaded: 'ready', unavailable: 'unavailable', requires_action: 'action', succeeded: 'succeeded', failed: 'ready' },
  ready: { load: 'loading', pay: 'paying', resume: 'action' },
  paying: { requires_action: 'action', succeeded: 'succeeded', failed: 'ready', resolved: 'ready' },
  action: { requires_action: 'action', succeeded: 'succeeded', failed: 'ready' },
  // Paid is final: nothing moves a paid checkout back to paying.
  succeeded: {},
  unavailable: { load: 'loading' },
};

/** The phase after `event`, or undefined when `phase` refuses it. */
export function transition(phase: Phase, event: PaymentEvent): Phase | undefined {
  return TRANSITIONS[phase][event];
}

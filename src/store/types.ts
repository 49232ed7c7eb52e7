import type { StoreApi } from 'zustand/vanilla';
import type { PasskeyCredential, PaymentAction, PaymentSource, Quote, Session } from '../protocol/index';
import type { TillClient } from '../core/client';
import type { Device, PreferenceState, RankedMethod } from '../core/ranking/index';
import type { Phase } from './payment-machine';
import type { PreferenceCache } from './preference-cache';

export type { Phase } from './payment-machine';

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
  /** Removes a coupon; resolves once the rest are priced again. */
  removeCode(code: string): Promise<void>;
  /** Pays with the selected method. `source` produces the tokenized instrument at pay time. */
  pay(source: () => Promise<PaymentSource>): Promise<void>;
  /** While `checking`: asks again what became of the unanswered payment; never starts a new one. */
  recheck(): Promise<void>;
  /** Follows a pending action (challenge, QR, …) until it settles. */
  refreshPayment(): Promise<void>;
  setSaveMethod(save: boolean): void;
  setInstallments(count: number): void;
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
  /**
   * Methods of a loaded session this browser cannot pay with (e.g. a wallet it lacks), asked
   * before the checkout is first shown, so the list never changes under the shopper. A failure
   * counts as none.
   */
  unavailableMethods?: (session: Session) => Promise<readonly string[]>;
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

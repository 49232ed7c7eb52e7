/**
 * Loaded on demand the first time a payment needs the shopper to act (QR, voucher, passkey,
 * challenge): the action screens and a small QR encoder (lean-qr, ~4 KB gzip).
 */
import { correction, generate } from 'lean-qr';

import type { PasskeyCredential, PaymentAction } from '../protocol/index';
import { containsCardNumber } from '../core/card/index';
import { TokenizationError } from '../core/tokenize/error';

export { actionMessages, couponMessages, createPaymentActionElement } from '../../components/payment-action/payment-action';

/** The WebAuthn step-up ceremony: JSON options in, JSON assertion out. */
export async function passkeyAssert(options: Record<string, unknown>): Promise<PasskeyCredential> {
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options as unknown as PublicKeyCredentialRequestOptionsJSON);
  const cred = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential | null;
  if (!cred) throw new DOMException('No credential', 'NotAllowedError');
  return cred.toJSON() as unknown as PasskeyCredential;
}

/** Passkey enrolment: JSON creation options in, JSON attestation out. */
export async function passkeyCreate(options: Record<string, unknown>): Promise<PasskeyCredential> {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options as unknown as PublicKeyCredentialCreationOptionsJSON);
  const cred = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential | null;
  if (!cred) throw new DOMException('No credential', 'NotAllowedError');
  return cred.toJSON() as unknown as PasskeyCredential;
}

/** Renders the payload as a QR code (error correction M) on a canvas; no data: URLs, so strict CSP is fine. */
export function drawQr(payload: string, canvas: HTMLCanvasElement): void {
  generate(payload, { minCorrectionLevel: correction.M }).toCanvas(canvas, { on: [0, 0, 0, 255], off: [255, 255, 255, 255], pad: 4 });
}

/** The pending payment of this tab, so a return from the bank or a reload resumes it. */
const RESUME_KEY = 'till:pending';
/**
 * The payment this browser sent to the bank, for a return that lands in another tab (a bank app
 * opening a new one): same origin only, accepted only with the bank's matching `till_payment`,
 * for a day at most, and removed when used.
 */
const REDIRECT_KEY = 'till:redirect';
const REDIRECT_TTL_MS = 864e5;

type Pending = { sessionId?: string; paymentId?: string; method?: string; at?: number };

function store(storage: () => Storage, key: string, value: Pending | undefined): void {
  try {
    if (value) storage().setItem(key, JSON.stringify(value));
    else storage().removeItem(key);
  } catch {
    // Storage blocked: a reload then starts over (the server still expires the old payment).
  }
}

function read(storage: () => Storage, key: string): Pending {
  try {
    const v = JSON.parse(storage().getItem(key) ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as Pending) : {};
  } catch {
    return {};
  }
}

const tab = () => sessionStorage;
const browser = () => localStorage;

function remember(value: { sessionId: string; paymentId: string; method: string | undefined } | undefined): void {
  store(tab, RESUME_KEY, value);
}

/** Remembers the pending payment, then leaves for the bank; the widget resumes it on return. */
export function startRedirect(sessionId: string, paymentId: string, method: string | undefined, url: string): void {
  remember({ sessionId, paymentId, method });
  store(browser, REDIRECT_KEY, { sessionId, paymentId, method, at: Date.now() });
  location.assign(url);
}

/**
 * The payment to resume on load: the one this tab left pending for this very session (a reload
 * during a QR code or voucher), or the one the bank sent the shopper back with
 * (`?till_payment=…`, which must match what this tab — or, for a return in a new tab, this
 * browser — sent to the bank). The marker is removed from the address bar.
 */
export function takeResume(sessionId: string): { paymentId: string; method: string } | undefined {
  const params = new URLSearchParams(location.search);
  const returned = params.get('till_payment');
  let saved = read(tab, RESUME_KEY);
  if (returned) {
    params.delete('till_payment');
    history.replaceState(history.state, '', `${location.pathname}${params.size ? `?${params}` : ''}${location.hash}`);
    const sent = read(browser, REDIRECT_KEY);
    if (sent.paymentId === returned && typeof sent.at === 'number' && Date.now() - sent.at < REDIRECT_TTL_MS) {
      store(browser, REDIRECT_KEY, undefined);
      if (saved.paymentId !== returned) saved = sent;
    }
  }
  if (typeof saved.paymentId !== 'string' || saved.sessionId !== sessionId || typeof saved.method !== 'string' || (returned && returned !== saved.paymentId)) return undefined;
  return { paymentId: saved.paymentId, method: saved.method };
}

/**
 * Shows the browser's wallet sheet for a method's Payment Request data. Resolves with the wallet
 * token and a `complete` callback to close the sheet once the merchant answered.
 */
export async function walletPay(
  request: { supportedMethods: string; data?: Record<string, unknown> | undefined },
  total: { currency: string; value: string },
  label: string,
): Promise<{ token: string; complete: (ok: boolean) => Promise<void> }> {
  const pr = new PaymentRequest([request], { total: { label, amount: total } });
  const response = await pr.show();
  const token = JSON.stringify(response.details);
  // Only gateway tokens may leave the browser: a wallet handing back a raw card is refused.
  if (containsCardNumber(token)) {
    await response.complete('fail');
    throw new TokenizationError('failed', 'This wallet is not supported here. Choose another payment method.');
  }
  return {
    token,
    complete: (ok) => response.complete(ok ? 'success' : 'fail'),
  };
}

/** What watchPending needs of a checkout: the pending payment, and a way to ask about it again. */
export interface PendingWatch {
  getState(): { phase: string; method?: string | undefined; action?: { paymentId: string; action: PaymentAction } | undefined; refreshPayment(): Promise<void> };
}

/**
 * Follows a pending payment until it settles: polls its status with backoff (1 s → 5 s) and
 * accepts the challenge page's `postMessage` as a shortcut, but only from the origin the server
 * named, about this very payment, whose page lives on that origin; the store then asks the
 * server anyway. Returns a function that stops watching.
 */
export function watchPending(store: PendingWatch, sessionId: string): () => void {
  const { action, method } = store.getState();
  if (action) remember({ sessionId, paymentId: action.paymentId, method });
  let delay = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const onMessage = (e: MessageEvent) => {
    const pending = store.getState().action;
    const a = pending?.action;
    if (!pending || a?.type !== 'challenge' || e.origin !== a.origin || !a.url.startsWith(a.origin + '/')) return;
    const data = e.data as { type?: unknown; paymentId?: unknown } | null;
    if (data?.type === 'till:challenge-complete' && data.paymentId === pending.paymentId) void store.getState().refreshPayment();
  };
  const stop = () => {
    // Settled (or the element left the page while it was still pending): forget it only if settled.
    if (store.getState().phase !== 'action') remember(undefined);
    stopped = true;
    clearTimeout(timer);
    removeEventListener('message', onMessage);
  };
  const tick = () =>
    void store
      .getState()
      .refreshPayment()
      .finally(() => {
        if (stopped || store.getState().phase !== 'action') return stop();
        delay = Math.min(delay * 1.5, 5000);
        timer = setTimeout(tick, delay);
      });
  addEventListener('message', onMessage);
  timer = setTimeout(tick, delay);
  return stop;
}

declare module '../core/lazy' {
  interface LazyModules {
    /** Pending-payment UI and browser ceremonies (QR, redirect, passkeys, wallets). */
    actions: () => Promise<typeof import('./actions')>;
  }
}

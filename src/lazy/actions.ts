/**
 * Loaded on demand the first time a payment needs the shopper to act (QR, voucher, passkey,
 * challenge): the action screens and a small QR encoder (lean-qr, ~4 KB gzip).
 */
import { correction, generate } from 'lean-qr';

import type { PasskeyCredential } from '../protocol/index';
import type { CheckoutStore } from '../store/checkout-store';
import { containsCardNumber } from '../core/card/index';
import { TokenizationError } from '../core/tokenize/provider';

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

function remember(value: { sessionId: string; paymentId: string; method: string | undefined } | undefined): void {
  try {
    if (value) sessionStorage.setItem(RESUME_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(RESUME_KEY);
  } catch {
    // Storage blocked: a reload then starts over (the server still expires the old payment).
  }
}

/** Remembers the pending payment, then leaves for the bank; the widget resumes it on return. */
export function startRedirect(sessionId: string, paymentId: string, method: string | undefined, url: string): void {
  remember({ sessionId, paymentId, method });
  location.assign(url);
}

/**
 * The payment to resume on load: the one this tab left pending for this very session (a reload
 * during a QR code or voucher), or the one the bank sent the shopper back with
 * (`?till_payment=…`, which must match it). The marker is removed from the address bar.
 */
export function takeResume(sessionId: string): { paymentId: string; method: string } | undefined {
  const params = new URLSearchParams(location.search);
  const returned = params.get('till_payment');
  let saved: { sessionId?: string; paymentId?: string; method?: string } = {};
  try {
    saved = JSON.parse(sessionStorage.getItem(RESUME_KEY) ?? '{}') as typeof saved;
  } catch {
    return undefined;
  }
  if (returned) {
    params.delete('till_payment');
    history.replaceState(history.state, '', `${location.pathname}${params.size ? `?${params}` : ''}${location.hash}`);
  }
  if (!saved.paymentId || saved.sessionId !== sessionId || !saved.method || (returned && returned !== saved.paymentId)) return undefined;
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

/**
 * Follows a pending payment until it settles: polls its status with backoff (1 s → 5 s) and
 * accepts the challenge page's `postMessage` as a shortcut, but only from the origin the server
 * named, about this very payment, whose page lives on that origin; the store then asks the
 * server anyway. Returns a function that stops watching.
 */
export function watchPending(store: CheckoutStore, sessionId: string): () => void {
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

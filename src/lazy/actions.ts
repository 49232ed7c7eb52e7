/**
 * Loaded on demand the first time a payment needs the shopper to act (QR, voucher, passkey,
 * challenge): the action screens and a small QR encoder (lean-qr, ~4 KB gzip).
 */
import { correction, generate } from 'lean-qr';

import type { PasskeyCredential } from '../protocol/index';

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

const RESUME_KEY = 'till:redirect';

/** Remembers the pending payment, then leaves for the bank; the widget resumes it on return. */
export function startRedirect(sessionId: string, paymentId: string, method: string | undefined, url: string): void {
  try {
    sessionStorage.setItem(RESUME_KEY, JSON.stringify({ sessionId, paymentId, method }));
  } catch {
    // Private mode: nothing to resume from, the shopper sees the result on the merchant's page.
  }
  location.assign(url);
}

/**
 * After the bank sends the shopper back with `?till_payment=…`: the payment to resume, only if
 * this browser started it for this very session. The marker is removed from the address bar.
 */
export function takeResume(sessionId: string): { paymentId: string; method: string } | undefined {
  const params = new URLSearchParams(location.search);
  const paymentId = params.get('till_payment');
  if (!paymentId) return undefined;
  let saved: { sessionId?: string; paymentId?: string; method?: string } = {};
  try {
    saved = JSON.parse(sessionStorage.getItem(RESUME_KEY) ?? '{}') as typeof saved;
    sessionStorage.removeItem(RESUME_KEY);
  } catch {
    return undefined;
  }
  if (saved.paymentId !== paymentId || saved.sessionId !== sessionId || !saved.method) return undefined;
  params.delete('till_payment');
  history.replaceState(history.state, '', `${location.pathname}${params.size ? `?${params}` : ''}${location.hash}`);
  return { paymentId, method: saved.method };
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
  return {
    token: JSON.stringify(response.details),
    complete: (ok) => response.complete(ok ? 'success' : 'fail'),
  };
}

/**
 * Loaded on demand the first time a payment needs the shopper to act (QR, voucher, passkey,
 * challenge): the action screens and a small QR encoder (lean-qr, ~4 KB gzip).
 */
import { correction, generate } from 'lean-qr';

import type { PasskeyCredential } from '../protocol/index';

export { actionMessages, createPaymentActionElement } from '../../components/payment-action/payment-action';

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

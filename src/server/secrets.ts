import { sha256 } from './http';

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** An identifier with 128 random bits: `<prefix>_` and 32 hex digits. */
export function randomId(prefix: string): string {
  return `${prefix}_${[...randomBytes(16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A session's client secret: 256 random bits as base64url behind `tcs_` (see CLIENT_SECRET_PATTERN). */
export function newClientSecret(): string {
  let bin = '';
  for (const b of randomBytes(32)) bin += String.fromCharCode(b);
  return 'tcs_' + btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** What is stored of a secret: its SHA-256, so a leaked database row does not open the session. */
export const hashSecret = (secret: string): Promise<string> => sha256(secret);

/** Compares two equal-length hex digests without an early exit, so timing tells nothing. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** True when `secret` is the one whose hash is `hash`. Both sides are hashed first, so lengths match. */
export async function secretMatches(secret: string | null, hash: string): Promise<boolean> {
  if (!secret || secret.length > 200) return false;
  return constantTimeEqual(await hashSecret(secret), hash);
}

/**
 * Loaded on demand at pay time (it carries jose, ~8 KB gzip): encrypts card data to the
 * merchant's RSA key as a compact JWE (RSA-OAEP-256 key wrap, A256GCM content encryption).
 */
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import type { CardPlaintext } from '../protocol/payment';

export const JWE_ALG = 'RSA-OAEP-256';
export const JWE_ENC = 'A256GCM';

export async function encryptCard(publicKey: JWK, card: CardPlaintext): Promise<string> {
  const key = await importJWK({ ...publicKey, alg: JWE_ALG }, JWE_ALG);
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(card)))
    .setProtectedHeader({ alg: JWE_ALG, enc: JWE_ENC, cty: 'till-card+json', ...(publicKey.kid ? { kid: publicKey.kid } : {}) })
    .encrypt(key);
}

declare module '../core/lazy' {
  interface LazyModules {
    /** Card encryption (jose), at pay time only. */
    jwe: () => Promise<typeof import('./jwe')>;
  }
}

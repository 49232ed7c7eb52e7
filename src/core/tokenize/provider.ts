import type { CardPlaintext, PaymentSource, Tokenization } from '../../protocol/index';
import { loadModule } from '../lazy';

/**
 * Turns card data into something safe to send to the merchant backend. The card number exists
 * only inside `tokenize`'s argument: providers must not keep, log or report it.
 */
export interface TokenizationProvider {
  readonly id: Tokenization['provider'];
  tokenize(card: CardPlaintext): Promise<PaymentSource>;
}

export class TokenizationError extends Error {
  override name = 'TokenizationError';
  /** `message` may only be a provider's shopper-facing text (e.g. Stripe's "Your card number is incomplete."). */
  constructor(readonly code: 'unavailable' | 'failed', message?: string) {
    // Deliberately generic: nothing about the card may end up in a message.
    super(message ?? (code === 'unavailable' ? 'Card encryption is not available in this browser.' : 'The card could not be secured for sending.'));
  }
}

/** Default provider: JWE to the merchant's public key with WebCrypto (via jose, loaded on demand). */
export function jweProvider(publicKey: Extract<Tokenization, { provider: 'jwe' }>['publicKey']): TokenizationProvider {
  return {
    id: 'jwe',
    async tokenize(card) {
      if (!globalThis.crypto?.subtle) throw new TokenizationError('unavailable');
      try {
        const { encryptCard } = await loadModule('jwe');
        return { type: 'card_jwe', jwe: await encryptCard(publicKey, card) };
      } catch {
        throw new TokenizationError('failed');
      }
    },
  };
}

import type { CardPlaintext, PaymentSource, Tokenization } from '../../protocol/index';
import { loadModule } from '../lazy';
import { TokenizationError } from './error';

/**
 * Turns card data into something safe to send to the merchant backend. The card number exists
 * only inside `tokenize`'s argument: providers must not keep, log or report it.
 */
export interface TokenizationProvider {
  readonly id: Tokenization['provider'];
  tokenize(card: CardPlaintext): Promise<PaymentSource>;
}

export { TokenizationError } from './error';

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

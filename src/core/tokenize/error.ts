/** Why card data could not be made safe to send. Never carries anything about the card itself. */
export class TokenizationError extends Error {
  override name = 'TokenizationError';
  /** `message` may only be a provider's shopper-facing text (e.g. Stripe's "Your card number is incomplete."). */
  constructor(readonly code: 'unavailable' | 'failed', message?: string) {
    // Deliberately generic: nothing about the card may end up in a message.
    super(message ?? (code === 'unavailable' ? 'Card encryption is not available in this browser.' : 'The card could not be secured for sending.'));
  }
}

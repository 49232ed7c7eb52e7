/**
 * Loaded only when a session's tokenization provider is Stripe: @stripe/stripe-js/pure injects
 * Stripe.js on first use (never on import), and Elements mounts into a light-DOM element the
 * checkout slots into its shadow root (Stripe's iframes cannot live inside a shadow root).
 */
import { loadStripe } from '@stripe/stripe-js/pure';
import type { PaymentSource } from '../protocol/index';
import { TokenizationError } from '../core/tokenize/provider';

export interface StripeCard {
  /** Creates a Stripe PaymentMethod from the mounted card element; only its id leaves the browser. */
  tokenize(): Promise<PaymentSource>;
  destroy(): void;
}

/** Mounts Stripe's card element in a new light-DOM child of `host`, slotted as `till-stripe-card`. */
export async function mountStripeCard(publishableKey: string, host: HTMLElement, locale: string): Promise<StripeCard> {
  const mount = document.createElement('div');
  mount.slot = 'till-stripe-card';
  host.append(mount);
  const stripe = await loadStripe(publishableKey, { locale: locale.split('-')[0] as 'auto' });
  if (!stripe) throw new TokenizationError('unavailable');
  const card = stripe.elements().create('card', { hidePostalCode: true });
  card.mount(mount);
  return {
    async tokenize() {
      const { paymentMethod, error } = await stripe.createPaymentMethod({ type: 'card', card });
      if (error || !paymentMethod) throw new TokenizationError('failed', error?.message);
      return { type: 'stripe', paymentMethodId: paymentMethod.id };
    },
    destroy() {
      card.destroy();
      mount.remove();
    },
  };
}

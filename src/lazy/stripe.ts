/**
 * Loaded only when a session's tokenization provider is Stripe: Stripe.js is added on first use
 * (never on import) and handed to @stripe/stripe-js/pure, and Elements mounts into a light-DOM
 * element the checkout slots into its shadow root (Stripe's iframes cannot live inside a shadow root).
 */
import { loadStripe } from '@stripe/stripe-js/pure';
import type { PaymentSource } from '../protocol/index';
import { TokenizationError } from '../core/tokenize/error';

/** The Stripe.js release the pinned @stripe/stripe-js expects (its pure loader's own URL). */
export const STRIPE_JS_URL = 'https://js.stripe.com/endive/stripe.js';
/** What loadStripe accepts as a Stripe.js tag already on the page (its own two patterns). */
const STRIPE_JS = /^https:\/\/js\.stripe\.com\/(?:v3\/?(?:\?.*)?|(?:v3|[a-z]+)\/stripe\.js(?:\?.*)?)$/;
/** The Trusted Types policy that may turn exactly that URL into a script source. */
export const STRIPE_POLICY = 'till-stripe';

interface TrustedTypesLike {
  createPolicy(name: string, rules: { createScriptURL(url: string): string }): { createScriptURL(url: string): unknown };
}

let policy: { createScriptURL(url: string): unknown } | undefined;
let loading: Promise<void> | undefined;

/**
 * Adds Stripe.js to the page before loadStripe runs, so loadStripe finds it and injects nothing:
 * on a page that requires Trusted Types a plain string cannot become a script's `src`, and
 * stripe-js's own injection would be refused. The policy passes that one URL and nothing else.
 * A page without Trusted Types gets the plain URL; a page whose `trusted-types` directive does
 * not name the policy gets it too (and Stripe.js then loads only if Trusted Types is not enforced).
 */
function addStripeJs(): Promise<void> {
  // The merchant's own Stripe.js tag (or window.Stripe) is left to loadStripe, which waits for it.
  const tags = document.querySelectorAll<HTMLScriptElement>('script[src^="https://js.stripe.com/"]');
  if ('Stripe' in window || [...tags].some((s) => STRIPE_JS.test(s.src))) return Promise.resolve();
  return (loading ??= new Promise<void>((resolve, reject) => {
    const tt = (window as { trustedTypes?: TrustedTypesLike }).trustedTypes;
    try {
      policy ??= tt?.createPolicy(STRIPE_POLICY, {
        createScriptURL: (url) => {
          if (url !== STRIPE_JS_URL) throw new TypeError(`${STRIPE_POLICY}: refused script URL ${url}`);
          return url;
        },
      });
    } catch {
      // The page's `trusted-types` directive does not allow this policy name.
    }
    const script = document.createElement('script');
    script.src = (policy?.createScriptURL(STRIPE_JS_URL) ?? STRIPE_JS_URL) as string;
    script.onload = () => resolve();
    script.onerror = () => {
      loading = undefined;
      script.remove();
      reject(new TokenizationError('unavailable'));
    };
    document.head.append(script);
  }));
}

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
  await addStripeJs();
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

declare module '../core/lazy' {
  interface LazyModules {
    /** Stripe Elements glue, only for sessions whose tokenization provider is Stripe. */
    stripe: () => Promise<typeof import('./stripe')>;
  }
}

/**
 * till-checkout (npm entry). No side effects on import: call `defineTillElements()` to
 * register the elements, or import the classes and register them yourself.
 */
import { registerElements } from '../components/index';
import { setLoaders } from './core/lazy';

export { TillCardForm, TillCheckout, TillCoupons, TillMethodList, TillOrderSummary } from '../components/index';
export { registerMessages, type Messages } from '../components/i18n/messages';
export { createClient, TillClientError, type TillClient, type ClientOptions } from './core/client';
export { createCheckoutStore, type CheckoutStore, type CheckoutState, type CheckoutEvent, type Failure, type PaymentResult } from './store/checkout-store';
export { jweProvider, TokenizationError, type TokenizationProvider } from './core/tokenize/provider';
export { VERSION } from './version';

const LOCALE_IMPORTS: Record<string, () => Promise<{ default: Record<string, string> }>> = {
  'zh-CN': () => import('../components/i18n/locales/zh-CN'),
  'zh-TW': () => import('../components/i18n/locales/zh-TW'),
  ja: () => import('../components/i18n/locales/ja'),
  ko: () => import('../components/i18n/locales/ko'),
  'pt-BR': () => import('../components/i18n/locales/pt-BR'),
  es: () => import('../components/i18n/locales/es'),
  fr: () => import('../components/i18n/locales/fr'),
  de: () => import('../components/i18n/locales/de'),
};

/** Registers `<till-checkout>` and its parts, and wires on-demand chunks through the bundler. */
export function defineTillElements(): void {
  setLoaders({
    locale: (tag) => LOCALE_IMPORTS[tag]?.() ?? Promise.reject(new Error(`no catalog for ${tag}`)), jwe: () => import('./lazy/jwe'), actions: () => import('./lazy/actions'), pricing: () => import('./core/pricing/index'), learn: () => import('./core/ranking/learn'), stripe: () => import('./lazy/stripe'), webmcp: () => import('./lazy/webmcp') });
  registerElements();
}

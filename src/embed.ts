/**
 * Script-tag entry (dist/till.js, IIFE): registers every element and sets `window.Till`.
 * Everything not needed to draw the widget is fetched as ES chunks from beside this script: the
 * reply schemas (with the first request), pay-time code (jose for JWE), rare flows.
 */
import { registerElements } from '../components/index';
import { createClient } from './core/client';
import { setLoaders } from './core/lazy';
import { createCheckoutStore } from './store/checkout-store';
import { VERSION } from './version';
import { chunk } from './embed/chunk';

setLoaders({ jwe: () => chunk('till-jwe.js'), actions: () => chunk('till-actions.js'), pricing: () => chunk('till-pricing.js'), learn: () => chunk('till-learn.js'), stripe: () => chunk('till-stripe.js'), webmcp: () => chunk('till-webmcp.js'), locale: (tag) => chunk(`till-locale-${tag}.js`) });
registerElements(true);

declare global {
  interface Window {
    Till?: { version: string; createClient: typeof createClient; createCheckoutStore: typeof createCheckoutStore };
  }
}

if (window.Till && window.Till.version !== VERSION) {
  console.warn(`[till] window.Till ${window.Till.version} is already on this page; keeping it (this copy is ${VERSION}).`);
} else if (!window.Till) {
  window.Till = Object.freeze({ version: VERSION, createClient, createCheckoutStore });
}

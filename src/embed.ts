/**
 * Script-tag entry (dist/till.js, IIFE): registers every element and sets `window.Till`.
 * Pay-time code (jose for JWE) is fetched as ES chunks from beside this script.
 */
import { config } from 'zod/mini';
import { registerElements } from '../components/index';
import { createClient } from './core/client';
import { setLoaders } from './core/lazy';
import { createCheckoutStore } from './store/checkout-store';
import { VERSION } from './version';

const script = document.currentScript as HTMLScriptElement | null;
const base = new URL('.', script?.src || document.baseURI).href;
const chunk = (name: string) => import(/* @vite-ignore */ new URL(name, base).href);

// This bundle's private zod: never probe `new Function` (strict CSP pages report that as a violation).
config({ jitless: true });
setLoaders({ jwe: () => chunk('till-jwe.js'), actions: () => chunk('till-actions.js'), pricing: () => chunk('till-pricing.js'), learn: () => chunk('till-learn.js'), stripe: () => chunk('till-stripe.js'), webmcp: () => chunk('till-webmcp.js'), locale: (tag) => chunk(`till-locale-${tag}.js`) });
registerElements();

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

/**
 * Rare or pay-time code is loaded on demand. The npm build wires bundler-split dynamic imports;
 * the script-tag build wires ES chunks fetched from beside till.js. This is the one
 * module-level registry, because "how to load a chunk" is a property of the page, not of a checkout.
 */
export interface LazyModules {
  jwe: () => Promise<typeof import('../lazy/jwe')>;
  actions: () => Promise<typeof import('../lazy/actions')>;
  /** The coupon engine, needed in the browser only when the shopper edits coupons by hand. */
  pricing: () => Promise<typeof import('./pricing/index')>;
  /** Stripe Elements glue, only for sessions whose tokenization provider is Stripe. */
  stripe: () => Promise<typeof import('../lazy/stripe')>;
  /** A shopper-language catalog (see components/i18n/locales); English ships in the bundle. */
  locale: (tag: string) => Promise<{ default: Record<string, string> }>;
}

let loaders: Partial<LazyModules> = {};

export function setLoaders(next: Partial<LazyModules>): void {
  loaders = { ...loaders, ...next };
}

export function loadModule<K extends keyof LazyModules>(name: K, ...args: Parameters<LazyModules[K]>): ReturnType<LazyModules[K]> {
  const loader = loaders[name] as ((...a: Parameters<LazyModules[K]>) => ReturnType<LazyModules[K]>) | undefined;
  if (!loader) throw new Error(`Till: no loader for "${name}"; call defineTillElements() or load till.js`);
  return loader(...args);
}

/**
 * Rare or pay-time code is loaded on demand. The npm build wires bundler-split dynamic imports;
 * the script-tag build wires ES chunks fetched from beside till.js. This is the one
 * module-level registry, because "how to load a chunk" is a property of the page, not of a checkout.
 */
export interface LazyModules {
  // Chunks outside core (src/lazy/*) add their own entries by declaration merging (each file's
  // `declare module '../core/lazy'`), so core never imports what it loads.
  /** The coupon engine, needed in the browser only when the shopper edits coupons by hand. */
  pricing: () => Promise<typeof import('./pricing/index')>;
  /** The preference model's update, needed only once a payment has an outcome. */
  learn: () => Promise<typeof import('./ranking/learn')>;
  /** A shopper-language catalog (see components/i18n/locales); English ships in the bundle. */
  locale: (tag: string) => Promise<{ default: Record<string, string> }>;
}

let loaders: Partial<LazyModules> = {};

export function setLoaders(next: Partial<LazyModules>): void {
  loaders = { ...loaders, ...next };
}

/** Sets loaders only where none is set yet (a runtime's defaults never replace a page's own). */
export function setDefaultLoaders(defaults: Partial<LazyModules>): void {
  loaders = { ...defaults, ...loaders };
}

export function loadModule<K extends keyof LazyModules>(name: K, ...args: Parameters<LazyModules[K]>): ReturnType<LazyModules[K]> {
  const loader = loaders[name] as ((...a: Parameters<LazyModules[K]>) => ReturnType<LazyModules[K]>) | undefined;
  if (!loader) throw new Error(`Till: no loader for "${name}"; call defineTillElements() or load till.js`);
  return loader(...args);
}

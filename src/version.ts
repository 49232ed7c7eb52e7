declare const __TILL_VERSION__: string;
/** Injected at build time (vite `define`), so two copies on one page can tell each other apart. */
export const VERSION: string = typeof __TILL_VERSION__ === 'string' ? __TILL_VERSION__ : '0.0.0-dev';

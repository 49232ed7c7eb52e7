/** The script tag's on-demand chunks are ES modules beside till.js, wherever it is served from. */
const script = document.currentScript as HTMLScriptElement | null;
const base = new URL('.', script?.src || document.baseURI).href;

export const chunk = <T>(name: string): Promise<T> => import(/* @vite-ignore */ new URL(name, base).href) as Promise<T>;

/**
 * How the browser code gets its schemas: a dynamic import, split by any bundler. The script-tag
 * build replaces this module (vite.config.ts, `embed`) with one that fetches till-schemas.js
 * from beside till.js, since one IIFE cannot split.
 */
export type Schemas = typeof import('./schemas');
export const loadSchemas = (): Promise<Schemas> => import('./schemas');

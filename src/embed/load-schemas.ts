/** The script tag's src/core/load-schemas.ts (swapped in by vite.config.ts): fetches till-schemas.js. */
import { chunk } from './chunk';

export type Schemas = typeof import('../core/schemas');
export const loadSchemas = (): Promise<Schemas> => chunk('till-schemas.js');

/** The script tag's src/core/load-schemas.ts (swapped in by vite.config.ts): fetches till-schemas.js. */
import type { Schemas } from '../core/load-schemas';
import { chunk } from './chunk';

export type { Schemas };
export const loadSchemas = (): Promise<Schemas> => chunk('till-schemas.js');

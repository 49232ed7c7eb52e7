/** till-schemas.js: the zod schemas of the script tag, with this chunk's private zod. */
import { config } from 'zod/mini';

export * from '../core/schemas';

// Never probe `new Function` (strict CSP pages report that as a violation).
config({ jitless: true });

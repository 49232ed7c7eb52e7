// Size budgets, gzip -9 of the minified output. The build fails when one is exceeded.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const BUDGETS = {
  // The script tag: peers ship 125–190 KB. Everything not needed to draw the widget loads on
  // demand (issue 14): zod and the reply schemas are in till-schemas.js.
  'dist/till.js': 32 * 1024,
  'dist/till-schemas.js': 12 * 1024, // fetched with the first request, beside it
  'dist/till-jwe.js': 10 * 1024, // loaded at pay time only
  'dist/till-actions.js': 10 * 1024, // loaded when a payment needs the shopper to act
  'dist/till-pricing.js': 6 * 1024, // loaded when the shopper edits coupons by hand
  'dist/till-learn.js': 2 * 1024, // the preference model's update, loaded once a payment has an outcome
  'dist/till-stripe.js': 4 * 1024, // loaded only for Stripe sessions (then Stripe.js itself)
  'dist/till-webmcp.js': 3 * 1024, // loaded only where the page has the WebMCP model-context API
};
const REPORT = ['dist/index.js', 'dist/core.js', 'dist/headless.js', 'dist/server.js'];

export function gzipSize(file) {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let over = false;
  for (const [file, budget] of Object.entries(BUDGETS)) {
    const size = gzipSize(file);
    const ok = size <= budget;
    over ||= !ok;
    console.log(`${ok ? 'ok  ' : 'OVER'} ${file}: ${(size / 1024).toFixed(2)} KB gzip -9 (budget ${(budget / 1024).toFixed(0)} KB)`);
  }
  // zod builds its schemas when a module is evaluated: the script tag must leave that to till-schemas.js.
  if (readFileSync('dist/till.js', 'utf8').includes('_zod')) {
    over = true;
    console.log('OVER dist/till.js contains zod: a schema is imported by something the widget draws with (see src/core/load-schemas.ts).');
  }
  for (const file of REPORT) console.log(`     ${file}: ${(gzipSize(file) / 1024).toFixed(2)} KB gzip -9 (ES, deps external, unminified)`);
  if (over) {
    console.error('Size budget exceeded.');
    process.exit(1);
  }
}

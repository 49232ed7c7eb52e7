import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { STRIPE_JS_URL } from './stripe';

describe('Stripe.js loader', () => {
  it('adds the very Stripe.js the pinned @stripe/stripe-js would inject (so loadStripe reuses it)', () => {
    const pkg = createRequire(import.meta.url).resolve('@stripe/stripe-js/package.json');
    const pure = readFileSync(new URL('dist/pure.mjs', `file://${pkg}`), 'utf8');
    const train = /var RELEASE_TRAIN = '([a-z0-9]+)';/.exec(pure)?.[1];
    expect(train).toBeTruthy();
    expect(STRIPE_JS_URL).toBe(`https://js.stripe.com/${train}/stripe.js`);
  });
});

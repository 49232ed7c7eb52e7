import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

// Stripe's servers cannot be reached here, so these tests serve a LOCAL STAND-IN for Stripe.js
// (e2e/fixtures/stripe-standin.js) through Playwright routing. What is real: Till loading
// @stripe/stripe-js/pure only for Stripe sessions, mounting Elements in light DOM through a slot,
// and sending the PaymentMethod id through the protocol to the demo backend.
const STANDIN = readFileSync(new URL('./fixtures/stripe-standin.js', import.meta.url), 'utf8');

test('Stripe provider (local Stripe.js stand-in): Elements in light DOM, PaymentMethod id through the protocol', async ({ page }) => {
  const stripeRequests: string[] = [];
  await page.route('https://js.stripe.com/**', (route) => {
    stripeRequests.push(route.request().url());
    return route.fulfill({ contentType: 'text/javascript', body: STANDIN });
  });
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&provider=stripe&personalization=off');
  const mounted = page.locator('till-checkout > div[slot="till-stripe-card"] input[data-standin="card"]');
  await expect(mounted).toBeVisible();
  expect(stripeRequests).toEqual(['https://js.stripe.com/endive/stripe.js']);
  // Till's own card form is not used for Stripe sessions.
  await expect(co.checkout.locator('till-card-form')).toHaveCount(0);

  await mounted.fill('4000 0000 0000 0002');
  await co.payButton.click();
  await expect(co.failure).toHaveAttribute('data-code', 'card_declined');

  await mounted.fill('4242 4242 4242 4242');
  const total = Number((await co.total.textContent())!.replace(/[^0-9]/g, ''));
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  const bodies = co.paymentPosts().map((p) => JSON.parse(p.body) as { source: { type: string; paymentMethodId?: string } });
  expect(bodies.map((b) => b.source)).toEqual([
    { type: 'stripe', paymentMethodId: 'pm_card_chargeDeclined' },
    { type: 'stripe', paymentMethodId: 'pm_card_visa' },
  ]);
  for (const p of co.sentBodies) expect(p.body).not.toContain('4242424242424242');
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]!.amount).toBe(total);
});

test('sessions that do not use Stripe never load Stripe.js', async ({ page }) => {
  const stripeRequests: string[] = [];
  await page.route('https://js.stripe.com/**', (route) => {
    stripeRequests.push(route.request().url());
    return route.abort();
  });
  const co = new CheckoutPage(page);
  await co.open('?country=US');
  await co.fillCard('4242 4242 4242 4242');
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  expect(stripeRequests).toEqual([]);
  expect(await page.evaluate(() => 'Stripe' in window)).toBe(false);
});

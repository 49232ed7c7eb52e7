import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

const VISA_OK = '4242 4242 4242 4242';
const DECLINED = '4000 0000 0000 0002';
const INSUFFICIENT = '4000 0000 0000 9995';

/** Parses "$54.00" → 5400 for USD-style two-decimal displays. */
function minorFromDisplay(text: string): number {
  return Number(text.replace(/[^0-9]/g, ''));
}

test('pays with 4242… and shows the order id; the ledger has exactly one entry of the shown total', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open();
  const shown = minorFromDisplay(await co.totalMinorText());
  await co.fillCard(VISA_OK);
  await expect(co.field('number')).toHaveValue(VISA_OK);
  await expect(co.checkout.locator('till-card-form .brand')).toHaveText('Visa');
  await co.payButton.click();
  const orderId = co.checkout.locator('[data-testid="order-id"]');
  await expect(orderId).toContainText(/ord_\d+/);
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]!.amount).toBe(shown);
  expect(ledger[0]!.card).toEqual({ brand: 'visa', last4: '4242' });
  expect(await orderId.textContent()).toContain(ledger[0]!.orderId);
});

test('a declined card shows a clear message, keeps the form (minus CVC), and another card then succeeds', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open();
  await co.fillCard(DECLINED);
  await co.payButton.click();
  await expect(co.failure).toHaveAttribute('data-code', 'card_declined');
  await expect(co.failure).toContainText('declined');
  await expect(co.field('number')).toHaveValue(DECLINED);
  await expect(co.field('expiry')).toHaveValue('12 / 34');
  await expect(co.field('cvc')).toHaveValue('');
  expect(await co.ledger(sessionId)).toHaveLength(0);

  await co.fillCard(INSUFFICIENT);
  await co.payButton.click();
  await expect(co.failure).toHaveAttribute('data-code', 'insufficient_funds');

  await co.fillCard(VISA_OK);
  await co.payButton.click();
  await expect(co.checkout.locator('[part="success"]')).toBeVisible();
  expect(await co.ledger(sessionId)).toHaveLength(1);
});

test('double-clicking pay sends one payment and charges once', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open();
  await co.fillCard(VISA_OK);
  await co.payButton.dblclick();
  await expect(co.checkout.locator('[part="success"]')).toBeVisible();
  expect(co.paymentPosts()).toHaveLength(1);
  expect(await co.ledger(sessionId)).toHaveLength(1);
});

test('a tampered client total is refused with price_changed and nothing is charged', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open();
  // Simulates a hostile or stale client: lower the total the browser claims the shopper saw.
  await page.route('**/payments', async (route) => {
    const body = JSON.parse(route.request().postData() ?? '{}') as { expectedTotal: { amount: number } };
    body.expectedTotal.amount -= 100;
    await route.continue({ postData: JSON.stringify(body) });
  });
  await co.fillCard(VISA_OK);
  await co.payButton.click();
  await expect(co.failure).toHaveAttribute('data-code', 'price_changed');
  expect(await co.ledger(sessionId)).toHaveLength(0);

  // The untampered retry with the server's quote goes through, once.
  await page.unroute('**/payments');
  await co.field('cvc').fill('123');
  await co.payButton.click();
  await expect(co.checkout.locator('[part="success"]')).toBeVisible();
  expect(await co.ledger(sessionId)).toHaveLength(1);
});

test('the merchant backend never receives a card number in clear', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open();
  await co.fillCard(VISA_OK);
  await co.payButton.click();
  await expect(co.checkout.locator('[part="success"]')).toBeVisible();

  const [payment] = co.paymentPosts();
  expect(payment).toBeDefined();
  const body = JSON.parse(payment!.body) as { source: { type: string; jwe: string } };
  expect(body.source.type).toBe('card_jwe');
  expect(body.source.jwe.split('.')).toHaveLength(5);
  const header = JSON.parse(Buffer.from(body.source.jwe.split('.')[0]!, 'base64url').toString()) as Record<string, string>;
  expect(header).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM' });

  // What the browser sent and what the server logged: no PAN, grouped or not, anywhere.
  const serverLog = (await (await page.request.get('/demo/requests')).json()) as { path: string; body: string }[];
  const everything = [...co.sentBodies.map((b) => b.body), ...serverLog.filter((r) => r.path.includes(sessionId)).map((r) => r.body)];
  expect(everything.length).toBeGreaterThan(0);
  for (const text of everything) {
    expect(text).not.toContain('4242424242424242');
    expect(text).not.toContain('4242 4242 4242 4242');
  }
});

test('a Luhn-invalid number is caught inline, accessibly, before anything is sent', async ({ page }) => {
  const co = new CheckoutPage(page);
  await co.open();
  await co.fillCard('4242 4242 4242 4241');
  await co.payButton.click();
  await expect(co.field('number')).toHaveAttribute('aria-invalid', 'true');
  await expect(co.checkout.locator('till-card-form #number-error')).toHaveText('Your card number is invalid.');
  await expect(co.field('number')).toBeFocused();
  expect(co.paymentPosts()).toHaveLength(0);
});

test('the answer is lost and the shopper reloads: the page shows the one charge (the server says the session is paid)', async ({ page, expectFailedRequests }) => {
  expectFailedRequests(/\/payments$/); // cut below on purpose
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off&locale=en');
  // The shop receives every payment request, but its answers never reach the browser.
  await page.route('**/payments', async (route) => {
    await route.fetch();
    await route.abort('connectionreset');
  });
  await co.fillCard(VISA_OK);
  await co.payButton.click();
  await expect(co.failure).toHaveAttribute('data-code', 'network');
  expect(await co.ledger(sessionId)).toHaveLength(1);
  // Only the idempotency key and the method were kept, in this tab's sessionStorage.
  const kept = await page.evaluate((id) => sessionStorage.getItem('till:attempt:' + id), sessionId);
  expect(kept).toMatch(/^card:idem_[0-9a-f]{32}$/);

  await page.unroute('**/payments');
  // After the reload the session reads as paid (Session.paid): the one charge is shown, Pay is
  // not offered, and nothing is sent again.
  const paymentsSent: string[] = [];
  page.on('request', (r) => {
    if (/\/payments(\/resolve)?$/.test(r.url())) paymentsSent.push(r.url());
  });
  await page.reload();
  await expect(co.success).toBeVisible();
  await expect(co.payButton).toHaveCount(0);
  expect(paymentsSent).toEqual([]);
  expect(await co.sessionId()).toBe(sessionId);
  expect(await co.ledger(sessionId)).toHaveLength(1);
  expect(await page.evaluate((id) => sessionStorage.getItem('till:attempt:' + id), sessionId)).toBeNull();
});

test('the request never reaches the shop and the shopper reloads: it is voided, and paying again charges once', async ({ page, expectFailedRequests }) => {
  expectFailedRequests(/\/payments$/); // cut below on purpose
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off&locale=en');
  await page.route('**/payments', (route) => route.abort('connectionreset'));
  await co.fillCard(VISA_OK);
  await co.payButton.click();
  await expect(co.failure).toHaveAttribute('data-code', 'network');
  await page.unroute('**/payments');
  await page.reload();
  expect(await co.sessionId()).toBe(sessionId);
  await expect(co.payButton).toBeEnabled();
  await co.fillCard(VISA_OK);
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  expect(await co.ledger(sessionId)).toHaveLength(1);
});

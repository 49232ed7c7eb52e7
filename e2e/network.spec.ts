import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

/** The demo page's "Network" QA control: faults injected by the demo backend, per session. */
const VISA_OK = '4242 4242 4242 4242';

async function setNetwork(co: CheckoutPage, label: string) {
  await co.page.getByLabel('Storefront API').selectOption({ label });
  await expect(co.page.locator('#events')).toContainText('network for');
}

test('slow network: the pay button stays busy until the answer, then one charge', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off&locale=en');
  await setNetwork(co, "slow (this checkout's session calls 2 s late)");
  await co.fillCard(VISA_OK);
  await co.payButton.click();
  await expect(co.payButton).toHaveAttribute('aria-busy', 'true');
  await expect(co.success).toBeVisible({ timeout: 10_000 });
  expect(await co.ledger(sessionId)).toHaveLength(1);
});

test('a lost payment reply: the automatic retry (same key) gets the stored answer, one charge', async ({ page, expectFailedRequests }) => {
  expectFailedRequests(/\/payments$/); // the demo cuts the first reply on purpose
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off&locale=en');
  await setNetwork(co, "lose the next payment's reply (the shop gets it)");
  await co.fillCard(VISA_OK);
  await co.payButton.click();
  // The store re-sends the same request (same key) and gets the stored answer: one charge, shown.
  await expect(co.success).toBeVisible();
  expect(await co.ledger(sessionId)).toHaveLength(1);
  // The store's own retry, with the same key, got the stored answer.
  expect(co.paymentPosts()).toHaveLength(2);
  expect(new Set(co.paymentPosts().map((p) => JSON.parse(p.body).idempotencyKey)).size).toBe(1);
  // The fault fired once; the session's network is normal again.
  expect(await (await page.request.get(`/demo/network/${sessionId}`)).json()).toEqual({ mode: 'normal' });
});

test('a lost payment request: the retry reaches the shop and charges once', async ({ page, expectFailedRequests }) => {
  expectFailedRequests(/\/payments$/); // the demo cuts the first request on purpose
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off&locale=en');
  await setNetwork(co, 'lose the next payment request (the shop never sees it)');
  await co.fillCard(VISA_OK);
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  const requests = (await (await page.request.get('/demo/requests')).json()) as { path: string }[];
  expect(requests.filter((r) => r.path.endsWith(`/sessions/${sessionId}/payments`))).toHaveLength(2);
  expect(await co.ledger(sessionId)).toHaveLength(1);
});

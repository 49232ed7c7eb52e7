import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

/** What `npm run build` wrote: the sha384 of every file in dist/. */
const INTEGRITY = JSON.parse(readFileSync('dist/integrity.json', 'utf8')) as Record<string, string>;

/**
 * Serves the demo page as a merchant pinning Till would: `integrity` + `crossorigin` on the
 * script tag, and an import map whose `integrity` pins every chunk till.js may load on demand
 * (the README's recipe), allowed by its own hash in the page's script-src. `tamper` swaps one
 * chunk's hash for another file's.
 */
async function pinned(page: Page, tamper?: string) {
  const integrity: Record<string, string> = {};
  for (const [file, hash] of Object.entries(INTEGRITY)) if (file.endsWith('.js') && !file.includes('/')) integrity[`/dist/${file}`] = hash;
  if (tamper) integrity[`/dist/${tamper}`] = INTEGRITY['till.js']!;
  const map = JSON.stringify({ integrity });
  const mapHash = createHash('sha256').update(map).digest('base64');
  await page.route(/\/(\?.*)?$/, async (route) => {
    const res = await route.fetch();
    const html = (await res.text()).replace(
      '<script src="/dist/till.js" defer></script>',
      `<script type="importmap">${map}</script><script src="/dist/till.js" integrity="${INTEGRITY['till.js']}" crossorigin="anonymous" defer></script>`,
    );
    const headers = res.headers();
    headers['content-security-policy'] = (headers['content-security-policy'] ?? '').replace("script-src 'self'", `script-src 'self' 'sha256-${mapHash}'`);
    await route.fulfill({ response: res, body: html, headers });
  });
}

test('pinned with integrity (script tag and import map): a card pays, its on-demand chunk checked', async ({ page }) => {
  await pinned(page);
  const co = new CheckoutPage(page);
  await co.open('?country=US&locale=en');
  await co.method('card').click();
  await co.fillCard('4242 4242 4242 4242');
  await co.payButton.click();
  await expect(co.checkout.locator('[part="success"]')).toBeVisible();
});

test('a chunk whose bytes do not match its pinned hash is refused: nothing is sent', async ({ page, expectConsoleErrors, expectFailedRequests }) => {
  expectConsoleErrors(/integrity|digest/i);
  expectFailedRequests(/till-jwe\.js/);
  await pinned(page, 'till-jwe.js');
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  const co = new CheckoutPage(page);
  await co.open('?country=US&locale=en');
  await co.method('card').click();
  await co.fillCard('4242 4242 4242 4242');
  await co.payButton.click();
  await expect(co.failure).toBeVisible();
  expect(co.paymentPosts()).toHaveLength(0);
  // Refused by the browser's integrity check, not by anything else.
  expect(errors.some((e) => /till-jwe\.js/.test(e) && /integrity|digest/i.test(e))).toBe(true);
});

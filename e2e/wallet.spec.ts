import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

/** Tells the checkout which wallet origins the page allows (before its session loads). */
function allowWalletOrigins(origins: string) {
  document.addEventListener('DOMContentLoaded', () => document.querySelector('till-checkout')!.setAttribute('wallet-origins', origins));
}

/** A PaymentRequest TEST DOUBLE that records every request made and answers canMakePayment. */
function probeDouble(canPay: boolean) {
  const made: unknown[] = [];
  (window as unknown as { __made: unknown[] }).__made = made;
  (window as unknown as { PaymentRequest: unknown }).PaymentRequest = class {
    constructor(methods: unknown) {
      made.push(methods);
    }
    async canMakePayment() {
      return canPay;
    }
  };
}

const walletLabel = 'till-method-list label[data-method="wallet"]';

// The demo's policy (connect-src 'self') does not let the browser fetch Google Pay's payment
// method manifest, and the page does not list https://google.com: the page guard fails the test
// on any CSP violation, so this proves the real browser is never made to contact Google.
test('wallet button is hidden where the page does not allow the wallet (real headless Chromium, no CSP violation)', async ({ page }) => {
  const co = new CheckoutPage(page);
  await co.open('?country=US');
  await expect(co.method('card')).toBeVisible();
  await expect(co.checkout.locator(walletLabel)).toHaveCount(0);
});

test('a wallet whose origin the page does not allow is never asked about', async ({ page }) => {
  await page.addInitScript(probeDouble, true);
  const co = new CheckoutPage(page);
  await co.open('?country=US');
  await expect(co.method('card')).toBeVisible();
  await expect(co.checkout.locator(walletLabel)).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __made: unknown[] }).__made)).toEqual([]);
});

test('an allowed wallet the browser cannot pay with is hidden', async ({ page }) => {
  await page.addInitScript(allowWalletOrigins, 'https://example.com https://google.com');
  await page.addInitScript(probeDouble, false);
  const co = new CheckoutPage(page);
  await co.open('?country=US');
  await expect(co.method('card')).toBeVisible();
  await expect(co.checkout.locator(walletLabel)).toHaveCount(0);
  const made = (await page.evaluate(() => (window as unknown as { __made: unknown[] }).__made)) as { supportedMethods: string }[][];
  expect(made.map((m) => m[0]!.supportedMethods)).toEqual(['https://google.com/pay']);
});

// Headless Chromium has no Google Pay, so this test replaces window.PaymentRequest with a TEST
// DOUBLE of the browser's payment sheet (which fetches nothing, so the page may list Google Pay's
// origin). What is real: feature detection, the request Till builds (method data and a total as
// an exact decimal string), the token through the protocol, the ledger.
test('wallet button with a payment-sheet test double: one sheet, one charge of the shown total', async ({ page }) => {
  await page.addInitScript(allowWalletOrigins, 'https://google.com');
  await page.addInitScript(() => {
    const calls: unknown[] = [];
    (window as unknown as { __sheetCalls: unknown[] }).__sheetCalls = calls;
    class SheetDouble {
      constructor(
        readonly methods: unknown,
        readonly details: { total: { amount: { value: string; currency: string } } },
      ) {}
      async canMakePayment() {
        return true;
      }
      async show() {
        calls.push({ methods: this.methods, total: this.details.total.amount });
        return { details: { apiVersion: 2, paymentMethodData: { tokenizationData: { token: 'tok_sheet_double' } } }, complete: async () => undefined };
      }
    }
    (window as unknown as { PaymentRequest: unknown }).PaymentRequest = SheetDouble;
  });
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off');
  await co.method('wallet').click();
  const shown = (await co.total.textContent())!;
  await co.payButton.dblclick();
  await expect(co.success).toBeVisible();
  const calls = (await page.evaluate(() => (window as unknown as { __sheetCalls: unknown[] }).__sheetCalls)) as { methods: { supportedMethods: string }[]; total: { value: string; currency: string } }[];
  expect(calls).toHaveLength(1);
  expect(calls[0]!.methods[0]!.supportedMethods).toBe('https://google.com/pay');
  expect(`$${calls[0]!.total.value}`).toBe(shown);
  const body = JSON.parse(co.paymentPosts()[0]!.body) as { source: { type: string; token: string } };
  expect(body.source.type).toBe('wallet');
  expect(body.source.token).toContain('tok_sheet_double');
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ method: 'wallet', amount: Number(shown.replace(/[^0-9]/g, '')) });
});

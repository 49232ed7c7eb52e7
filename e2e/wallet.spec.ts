import { expect, test } from '@playwright/test';
import { CheckoutPage } from './pages/checkout-page';

test('wallet button is hidden where the browser cannot pay with the wallet (real headless Chromium)', async ({ page }) => {
  const co = new CheckoutPage(page);
  await co.open('?country=US');
  await expect(co.method('card')).toBeVisible();
  await expect(co.checkout.locator('till-method-list label[data-method="wallet"]')).toHaveCount(0);
});

// Headless Chromium has no Google Pay, so this test replaces window.PaymentRequest with a TEST
// DOUBLE of the browser's payment sheet. What is real: feature detection, the request Till builds
// (method data and a total as an exact decimal string), the token through the protocol, the ledger.
test('wallet button with a payment-sheet test double: one sheet, one charge of the shown total', async ({ page }) => {
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

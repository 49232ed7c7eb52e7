import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

/** WCAG 2.x A/AA rules (axe-core) on the widget in its main states; shadow roots included. */
const scan = (page: import('@playwright/test').Page) =>
  new AxeBuilder({ page }).include('till-checkout').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();

test('checkout has no WCAG A/AA violations: form, inline errors, decline, QR and success', async ({ page }) => {
  const co = new CheckoutPage(page);
  await co.open('?country=BR&personalization=off&locale=en');
  await co.method('card').click();
  expect((await scan(page)).violations).toEqual([]);

  await co.fillCard('4242 4242 4242 4241', '01 / 20', '1');
  await co.payButton.click();
  await expect(co.field('number')).toHaveAttribute('aria-invalid', 'true');
  expect((await scan(page)).violations).toEqual([]);

  await co.fillCard('4000 0000 0000 0002');
  await co.payButton.click();
  await expect(co.failure).toBeVisible();
  expect((await scan(page)).violations).toEqual([]);

  await co.method('pix').click();
  await co.payButton.click();
  await expect(co.action.locator('canvas')).toBeVisible();
  expect((await scan(page)).violations).toEqual([]);
  await co.qa('paid');
  await expect(co.success).toBeVisible();
  expect((await scan(page)).violations).toEqual([]);
});

test('the pay button and method list work from the keyboard alone', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off');
  await co.field('number').focus();
  await page.keyboard.type('4242424242424242');
  await page.keyboard.press('Tab');
  await page.keyboard.type('1234');
  await page.keyboard.press('Tab');
  await page.keyboard.type('123');
  await co.payButton.focus();
  await page.keyboard.press('Enter');
  await expect(co.success).toBeVisible();
  expect(await co.ledger(sessionId)).toHaveLength(1);
});

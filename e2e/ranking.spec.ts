import type { Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

const methodOrder = (page: Page) =>
  page.locator('till-checkout till-method-list label[part="option"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-method')));

async function payWithCard(co: CheckoutPage, { save = false } = {}) {
  await co.checkout.locator('till-method-list label[data-method="card"]').first().click();
  await co.fillCard('4242 4242 4242 4242');
  if (save) await co.checkout.locator('.consent input').check();
  await co.payButton.click();
  await expect(co.checkout.locator('[part="success"]')).toBeVisible();
}

test('a shopper who pays with card twice sees card first next visit; forget() restores the priors order', async ({ page, browser }) => {
  const co = new CheckoutPage(page);
  await co.open('?country=BR&locale=en');
  // New shopper in Brazil: the merchant's priors (PIX most popular) decide.
  expect((await methodOrder(page))[0]).toBe('pix');

  await payWithCard(co);
  await co.open('?country=BR&locale=en');
  await payWithCard(co);

  await co.open('?country=BR&locale=en');
  const order = await methodOrder(page);
  expect(order[0]).toBe('card');
  await expect(co.checkout.locator('till-method-list label[data-method="card"] .hint')).toHaveText('You used Card the last 2 times');
  await expect(co.checkout.locator('till-card-form')).toBeVisible();

  // Another browser (fresh context, no local cache) still sees the priors' order.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await new CheckoutPage(otherPage).open('?country=BR&locale=en');
  expect((await methodOrder(otherPage))[0]).toBe('pix');
  await other.close();

  // personalization="off" ignores what this browser learned.
  await co.open('?country=BR&personalization=off&locale=en');
  expect((await methodOrder(page))[0]).toBe('pix');

  // forget() erases it for good.
  await co.open('?country=BR&locale=en');
  expect((await methodOrder(page))[0]).toBe('card');
  await page.locator('#forget').click();
  await expect(page.locator('#events li').first()).toHaveText('preferences forgotten');
  await co.open('?country=BR&locale=en');
  expect((await methodOrder(page))[0]).toBe('pix');
});

test('bills paid by boleto, shopping by card: the next bill puts boleto first and says why (session context)', async ({ page }) => {
  const co = new CheckoutPage(page);
  const payBoleto = async () => {
    await co.method('boleto').click();
    await co.payButton.click();
    await expect(co.action.locator('[data-testid="voucher-reference"]')).toBeVisible();
    await co.qa('paid');
    await expect(co.success).toBeVisible();
  };
  // The demo merchant marks a cart of top-ups as a bill: context { channel: online, recurring: true }.
  await co.open('?country=BR&locale=en&cart=topup');
  expect((await methodOrder(page))[0]).toBe('pix');
  await payBoleto();
  await co.open('?country=BR&locale=en&cart=topup');
  await payBoleto();
  for (let i = 0; i < 2; i++) {
    await co.open('?country=BR&locale=en&cart=standard');
    await payWithCard(co);
  }

  await co.open('?country=BR&locale=en&cart=topup');
  expect((await methodOrder(page))[0]).toBe('boleto');
  await expect(co.method('boleto').locator('.hint')).toHaveText('You usually pay bills by Boleto');
  // In the shopper's language too.
  await co.open('?country=BR&locale=pt-BR&cart=topup');
  await expect(co.method('boleto').locator('.hint')).toHaveText(/^Você costuma pagar contas com /);
  // Shopping is another context: card leads, with the overall habit as its reason.
  await co.open('?country=BR&locale=en&cart=standard');
  expect((await methodOrder(page))[0]).toBe('card');
  await expect(co.method('card').locator('.hint')).toHaveText('You used Card the last 2 times');
});

test('a returning shopper with a saved card gets one button: "Pay $… with Visa •••• 4242"', async ({ page }) => {
  const co = new CheckoutPage(page);
  await co.signIn();
  await co.open('?country=US');
  await expect(co.checkout.locator('till-method-list')).toBeVisible();
  await payWithCard(co, { save: true });

  const sessionId = await co.open('?country=US');
  const total = (await co.total.textContent())!;
  await expect(co.payButton).toHaveText(`Pay ${total} with Visa •••• 4242`);
  await expect(co.checkout.locator('till-method-list')).toHaveCount(0);
  await expect(co.checkout.locator('till-card-form')).toHaveCount(0);

  // The other methods are one tap away.
  await co.checkout.locator('[part="other-methods"]').click();
  await expect(co.checkout.locator('till-method-list')).toBeVisible();
  await expect(co.checkout.locator('till-method-list label[data-method="card"]').first()).toContainText('Visa •••• 4242');

  await co.payButton.click();
  await expect(co.checkout.locator('[part="success"]')).toBeVisible();
  const body = JSON.parse(co.paymentPosts().at(-1)!.body) as { source: { type: string } };
  expect(body.source.type).toBe('saved');
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]!.card).toEqual({ brand: 'visa', last4: '4242' });
  expect(ledger[0]!.amount).toBe(Number(total.replace(/[^0-9]/g, '')));
});

test('an expired saved card is shown as expired and never offered for one-click', async ({ page }) => {
  const co = new CheckoutPage(page);
  await co.signIn();
  await co.open('?country=US');
  // QA hook: vaults a card for the signed-in shopper (who comes from the cookie, not the body).
  const res = await page.request.post('/demo/vault', { data: { card: { number: '5555555555554444', expMonth: 1, expYear: 2021, cvc: '123' } } });
  expect(res.ok()).toBe(true);
  await payWithCard(co);

  await co.open('?country=US');
  const expired = co.checkout.locator('till-method-list label', { hasText: '•••• 4444' });
  await expect(expired).toContainText('Expired');
  await expect(expired.locator('input')).toBeDisabled();
  await expect(co.payButton).not.toContainText('4444');
});

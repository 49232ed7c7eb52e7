import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

test('a Brazilian shopper gets Portuguese texts and R$ formatting, loaded on demand', async ({ page }) => {
  const localeChunks: string[] = [];
  page.on('request', (r) => r.url().includes('till-locale-') && localeChunks.push(new URL(r.url()).pathname));
  const co = new CheckoutPage(page);
  await co.open('?country=BR&personalization=off');
  await co.method('card').click();
  await expect(co.checkout.locator('till-order-summary h2')).toHaveText('Resumo do pedido');
  await expect(co.checkout.locator('till-card-form label[for="number"]')).toHaveText('Número do cartão');
  const total = (await co.total.textContent())!;
  expect(total).toMatch(/^R\$\s[\d.]+,\d{2}$/);
  await expect(co.payButton).toHaveText(`Pagar ${total}`);
  expect(localeChunks).toEqual(['/dist/till-locale-pt-BR.js']);

  await co.fillCard('4242 4242 4242 4242');
  await co.payButton.click();
  await expect(co.success.locator('h2')).toHaveText('Pagamento concluído');
});

test('Chinese (zh-CN) texts, and English shoppers load no catalog at all', async ({ page }) => {
  const localeChunks: string[] = [];
  page.on('request', (r) => r.url().includes('till-locale-') && localeChunks.push(new URL(r.url()).pathname));
  const co = new CheckoutPage(page);
  await co.open('?country=US');
  await expect(co.payButton).toContainText('Pay');
  expect(localeChunks).toEqual([]);
  await co.open('?country=CN&personalization=off');
  await co.method('card').click();
  await expect(co.payButton).toContainText('¥');
  await expect(co.checkout.locator('till-card-form label[for="number"]')).not.toHaveText('Card number');
  expect(localeChunks).toEqual(['/dist/till-locale-zh-CN.js']);
});

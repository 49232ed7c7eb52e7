import { CHROMIUM_ARGS, findChromium } from '../scripts/browser.mjs';
import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

/**
 * WebMCP in the widget, in real Chromium with the model-context API on (--enable-features=WebMCP):
 * `<till-checkout>` registers its actions as page tools, an in-page agent drives the same store the
 * shopper sees, and paying through this path needs the shopper's click in the widget. Every other
 * e2e runs without the flag, where the widget registers nothing.
 */
test.use({ launchOptions: { executablePath: findChromium(), args: [...CHROMIUM_ARGS, '--enable-features=WebMCP'] } });

const TOOLS = ['till_apply_coupon', 'till_get_checkout', 'till_list_payment_methods', 'till_pay', 'till_remove_coupon', 'till_select_payment_method'];
const payload = (r: { content?: { text: string }[] }) => JSON.parse(r.content![0]!.text) as Record<string, unknown>;

test('an in-page agent lists, selects, applies a code and pays only after the shopper confirms in the widget', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=BR&personalization=off&locale=en');
  await expect.poll(async () => (await page.webmcp.tools()).map((t) => t.name).sort()).toEqual(TOOLS);

  const methods = payload(await page.webmcp.callTool('till_list_payment_methods')) as unknown as { method: string; reason: { code: string } }[];
  expect(methods.map((m) => m.method)).toEqual(expect.arrayContaining(['pix', 'card', 'boleto']));
  // What the agent does, the shopper sees: the selected method changes in the widget.
  await page.webmcp.callTool('till_select_payment_method', { method: 'card' });
  await expect(co.checkout.locator('input[type="radio"][value="card"]')).toBeChecked();
  const coupon = payload(await page.webmcp.callTool('till_apply_coupon', { code: 'nope' }));
  expect(coupon.codeResult).toMatchObject({ code: 'NOPE', applied: false, reason: 'unknown_code' });

  // The shopper types the card; the agent asks to pay; the shopper declines: nothing is charged.
  await co.fillCard('4242 4242 4242 4242');
  const declined = page.webmcp.callTool('till_pay');
  const dialog = co.checkout.locator('[part="agent-confirm"]');
  await expect(dialog).toBeVisible();
  // While the shopper is asked, the agent can change nothing (what is confirmed is what is paid).
  expect((await page.webmcp.callTool('till_select_payment_method', { method: 'pix' })).isError).toBe(true);
  await co.checkout.locator('[part="agent-confirm-decline"]').click();
  const no = await declined;
  expect(no.isError).toBe(true);
  expect(await co.ledger(sessionId)).toHaveLength(0);

  // Asked again, the shopper confirms in the widget: it pays like the Pay button, once.
  const asked = page.webmcp.callTool('till_pay');
  await expect(dialog).toContainText('Your assistant asks to pay');
  await co.checkout.locator('[part="agent-confirm-pay"]').click();
  const paid = payload(await asked);
  expect(paid).toMatchObject({ phase: 'succeeded', paid: { orderId: expect.stringMatching(/^ord_/) } });
  await expect(co.success).toBeVisible();
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ actor: 'shopper', card: { last4: '4242' } });
});

test('only the two read tools are read-only; an unknown method is refused; Escape on the confirmation declines the payment', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off&locale=en');
  await expect.poll(async () => (await page.webmcp.tools()).length).toBe(6);
  const tools = await page.webmcp.tools();
  // Chromium reports the readOnlyHint annotation as { readOnly: true }.
  expect(tools.filter((t) => (t.annotations as { readOnly?: boolean } | undefined)?.readOnly).map((t) => t.name).sort()).toEqual(['till_get_checkout', 'till_list_payment_methods']);
  const view = payload(await page.webmcp.callTool('till_get_checkout'));
  expect(view).toMatchObject({ phase: 'ready', total: { currency: 'USD' } });
  // An unknown method is refused, nothing changes.
  const bad = await page.webmcp.callTool('till_select_payment_method', { method: 'bitcoin' });
  expect(bad.isError).toBe(true);
  // Pay asked with Escape on the dialog: declined.
  const asked = page.webmcp.callTool('till_pay');
  await expect(co.checkout.locator('[part="agent-confirm"]')).toBeVisible();
  await page.keyboard.press('Escape');
  expect((await asked).isError).toBe(true);
  expect(await co.ledger(sessionId)).toHaveLength(0);
});

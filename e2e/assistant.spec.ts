import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

/**
 * The demo's assistant panel: a scripted dialogue that finishes the page's checkout through the
 * real Till MCP server (/mcp, Streamable HTTP) as the agent demo-agent, while the widget beside it
 * follows. A person and the agent act on one session; there is exactly one charge.
 */
const shown = async (co: CheckoutPage) => Number((await co.total.textContent())!.replace(/[^0-9]/g, ''));
const log = (co: CheckoutPage) => co.page.locator('#assistant-log li');

test('the assistant adds socks, tries a code, lists methods and pays under a mandate; the widget follows and shows it paid', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off&locale=en');
  const before = await shown(co);
  await page.locator('#run-assistant').click();
  await expect(log(co).filter({ hasText: /^Assistant: Paid / })).toBeVisible({ timeout: 20_000 });
  // Every step went through an MCP tool, in this order.
  const tools = await page.locator('#assistant-log li[data-tool]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.tool));
  expect(tools).toEqual(['get_checkout', 'update_items', 'apply_coupon', 'list_payment_methods', 'pay']);
  for (const t of await page.locator('#assistant-log li[data-tool]').allTextContents()) expect(t).not.toContain('✗');
  // After each step the widget had reloaded the same checkout: the socks, then the coupon's total,
  // then the payment; now it shows the payment, without Pay.
  const step = (tool: string) => page.locator(`#assistant-log li[data-tool="${tool}"]`);
  await expect(step('update_items')).toHaveAttribute('data-widget-lines', /socks-wool×1/);
  await expect(step('update_items')).toHaveAttribute('data-widget-phase', 'ready');
  const couponTotal = Number(await step('apply_coupon').getAttribute('data-widget-total'));
  expect(couponTotal).toBeGreaterThan(0);
  await expect(step('pay')).toHaveAttribute('data-widget-phase', 'succeeded');
  await expect(co.success).toBeVisible();
  await expect(co.success).toContainText(`$${(couponTotal / 100).toFixed(2)}`);
  await expect(co.payButton).toHaveCount(0);
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ actor: 'agent', agentId: 'demo-agent', method: 'card', card: { last4: '4242' } });
  expect(ledger[0]!.amount).toBeGreaterThan(before);
  expect(ledger[0]!.mandateId).toMatch(/^vt_/);
  // The ledger panel says who paid.
  await expect(page.locator('#ledger-rows')).toContainText('agent demo-agent');
});

test('a person pays first, then asks the assistant: it sees the payment and charges nothing', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=US&personalization=off&locale=en');
  await co.fillCard('4242 4242 4242 4242');
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  await page.locator('#run-assistant').click();
  await expect(log(co).filter({ hasText: 'already paid' })).toBeVisible({ timeout: 20_000 });
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ actor: 'shopper' });
});

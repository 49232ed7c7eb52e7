import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { spawnDemo, type DemoProcess } from '../demo/spawn';
import { expect, test } from './fixtures/test';
import { CheckoutPage, type LedgerEntry } from './pages/checkout-page';

/**
 * Faults that need a real browser and a real backend process: the browser going offline, a reload,
 * two tabs, and the shop's backend restarting (its own demo process, on a fixed port, over the
 * same embedded database) while a payment is pending. The in-process table of faults is
 * src/store/faults.test.ts; this file covers what only a browser and a process can show.
 */

const VISA_OK = '4242 4242 4242 4242';
const CHALLENGE_CARD = '4000 0027 6000 3184';
const US = '?country=US&personalization=off&locale=en';
const BR = '?country=BR&personalization=off&locale=en';

/** A port nobody uses now, kept across the restart so the open page's origin stays the same. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return addr.port;
}

/** The shop's backend as its own process, restartable on the same port over the same database. */
async function ownBackend() {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'till-faults-'));
  const start = () => spawnDemo({ port, args: ['--data', dataDir] });
  let demo: DemoProcess = await start();
  return {
    /** The page origin, without the trailing slash (as CheckoutPage.open wants it). */
    origin: demo.url.replace(/\/$/, ''),
    async stop() {
      await demo.kill('SIGTERM');
    },
    async start() {
      demo = await start();
    },
    async ledger(sessionId: string): Promise<LedgerEntry[]> {
      const all = (await (await fetch(demo.url + 'demo/ledger')).json()) as LedgerEntry[];
      return all.filter((e) => e.sessionId === sessionId);
    },
    async dispose() {
      await demo.kill('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the page has tried (and failed) to reach the stopped backend about its payment. */
const failedPoll = (page: Page) => page.waitForEvent('requestfailed', { predicate: (r) => /\/api\/till\/v1\/payments\/pay_/.test(r.url()), timeout: 15_000 });

test('offline while paying with a card, then online: "checking", then the same request pays once', async ({ page, context, expectFailedRequests }) => {
  expectFailedRequests(/\/payments$/); // the browser goes offline on purpose
  const co = new CheckoutPage(page);
  const sessionId = await co.open(US);
  await co.fillCard(VISA_OK);
  // The connection drops just as the payment request leaves, and stays down for the store's
  // automatic retries: the outcome is unknown.
  await page.route(
    '**/sessions/*/payments',
    async (route) => {
      await context.setOffline(true);
      await route.abort('internetdisconnected');
    },
    { times: 1 },
  );
  await co.payButton.click();
  await expect(co.failure).toHaveAttribute('data-code', 'network');
  await expect(co.failure).not.toHaveText(/not (been )?charged|nothing was charged/i);
  expect(await co.ledger(sessionId)).toHaveLength(0);
  await context.setOffline(false);
  // Pay now asks again with the same request (it never reached the shop, so it charges now).
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  expect(await co.ledger(sessionId)).toHaveLength(1);
  const keys = co.paymentPosts().map((p) => (JSON.parse(p.body) as { idempotencyKey: string }).idempotencyKey);
  expect(keys.length).toBeGreaterThanOrEqual(2);
  expect(new Set(keys).size).toBe(1);
});

test('offline when Pay is pressed, then online: a clear message, nothing sent, then the card pays once', async ({ page, context, expectFailedRequests }) => {
  // The card-encryption chunk is imported on first Pay; offline, that import fails. Online again,
  // the next Pay imports it afresh.
  expectFailedRequests(/\/dist\/till-jwe\.js$/); // the browser is offline on purpose
  const co = new CheckoutPage(page);
  const sessionId = await co.open(US);
  await co.fillCard(VISA_OK);
  await context.setOffline(true);
  await co.payButton.click();
  // The card cannot even be encrypted: nothing leaves the page, and the shopper is told.
  await expect(co.failure).toHaveAttribute('data-code', 'tokenization_failed');
  await expect(co.failure).not.toHaveText('');
  expect(co.paymentPosts()).toHaveLength(0);
  await context.setOffline(false);
  // As after any failed attempt, the CVC was cleared: the shopper types it again.
  await co.field('cvc').fill('123');
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  expect(await co.ledger(sessionId)).toHaveLength(1);
});

test('reload during a QR payment: the same payment is resumed, never a second one, and paying it charges once', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open(BR);
  await co.method('pix').click();
  await co.payButton.click();
  await expect(co.action.locator('canvas[part="qr"]')).toBeVisible();
  const paymentId = await page.locator('#pending-id').textContent();
  expect(paymentId).toMatch(/^pay_/);
  // Reload twice: right away, and again once the resumed page is polling.
  await page.reload();
  await expect(co.action.locator('canvas[part="qr"]')).toBeVisible();
  await page.waitForResponse((r) => r.url().endsWith(`/payments/${paymentId}`));
  await page.reload();
  await expect(co.action.locator('canvas[part="qr"]')).toBeVisible();
  expect(await co.sessionId()).toBe(sessionId);
  await expect(page.locator('#pending-id')).toHaveText(paymentId!);
  expect(co.paymentPosts()).toHaveLength(1);
  await co.qa('paid');
  await expect(co.success).toBeVisible();
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ paymentId, method: 'pix' });
});

test('two tabs pay one session at the same time: one charge, both tabs show that order', async ({ page, context }) => {
  const first = new CheckoutPage(page);
  const sessionId = await first.open(US);
  const checkout = await page.evaluate(() => sessionStorage.getItem('till-demo-session'));
  expect(checkout).toBeTruthy();
  // The second tab shows the same checkout session (the shop's page names it, as it would for a
  // shopper who opened the checkout twice).
  const second = new CheckoutPage(await context.newPage());
  await second.open(US);
  await second.page.evaluate((saved) => {
    const { id, secret } = JSON.parse(saved) as { id: string; secret: string };
    sessionStorage.setItem('till-demo-session', saved);
    const el = document.querySelector('till-checkout')!;
    el.setAttribute('client-secret', secret);
    el.setAttribute('session-id', id);
    document.body.dataset.sessionId = id;
  }, checkout!);
  expect(await second.sessionId()).toBe(sessionId);
  await expect(second.payButton).toBeEnabled();
  await first.fillCard(VISA_OK);
  await second.fillCard(VISA_OK);
  await Promise.all([first.payButton.click(), second.payButton.click()]);
  await expect(first.success).toBeVisible();
  await expect(second.success).toBeVisible();
  const ledger = await first.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  for (const tab of [first, second]) await expect(tab.checkout.locator('[data-testid="order-id"]')).toContainText(ledger[0]!.orderId);
  // Each tab sent its own request (its own key): the shop charged one and showed it to both.
  expect(first.paymentPosts()).toHaveLength(1);
  expect(second.paymentPosts()).toHaveLength(1);
});

test.describe('the backend restarts while a payment is pending', () => {
  // Two starts of an embedded database per test.
  test.describe.configure({ timeout: 90_000 });

  test('mid QR poll: the polls that fail while it is down change nothing; paid on the new process, once', async ({ page, expectFailedRequests }) => {
    expectFailedRequests(/\/api\/till\/v1\/payments\/pay_/); // polls while the backend is down
    const shop = await ownBackend();
    try {
      const co = new CheckoutPage(page);
      const sessionId = await co.open(BR, shop.origin);
      await co.method('pix').click();
      await co.payButton.click();
      await expect(co.action.locator('canvas[part="qr"]')).toBeVisible();
      const paymentId = (await page.locator('#pending-id').textContent())!;
      const down = failedPoll(page);
      await shop.stop();
      await down;
      await expect(co.action.locator('canvas[part="qr"]')).toBeVisible();
      await shop.start();
      // The next poll reaches the new process, which knows the payment (same database).
      await page.waitForResponse((r) => r.url().endsWith(`/payments/${paymentId}`) && r.ok(), { timeout: 15_000 });
      await expect(co.action.locator('canvas[part="qr"]')).toBeVisible();
      await co.qa('paid');
      await expect(co.success).toBeVisible({ timeout: 15_000 });
      expect(await shop.ledger(sessionId)).toMatchObject([{ paymentId, method: 'pix' }]);
      expect(co.paymentPosts()).toHaveLength(1);
    } finally {
      await shop.dispose();
    }
  });

  test('mid challenge: the issuer completes it after the restart; the page shows the one charge', async ({ page, expectFailedRequests }) => {
    expectFailedRequests(/\/api\/till\/v1\/payments\/pay_/);
    const shop = await ownBackend();
    try {
      const co = new CheckoutPage(page);
      const sessionId = await co.open(US, shop.origin);
      await co.fillCard(CHALLENGE_CARD);
      await co.payButton.click();
      const challenge = co.checkout.frameLocator('till-payment-action iframe');
      await expect(challenge.locator('#complete')).toBeVisible();
      const down = failedPoll(page);
      await shop.stop();
      await down;
      await shop.start();
      expect(await shop.ledger(sessionId)).toHaveLength(0);
      await challenge.locator('#complete').click();
      await expect(co.success).toBeVisible({ timeout: 15_000 });
      const ledger = await shop.ledger(sessionId);
      expect(ledger).toHaveLength(1);
      expect(ledger[0]).toMatchObject({ card: { last4: '3184' } });
      await expect(co.checkout.locator('[data-testid="order-id"]')).toContainText(ledger[0]!.orderId);
      expect(co.paymentPosts()).toHaveLength(1);
    } finally {
      await shop.dispose();
    }
  });
});

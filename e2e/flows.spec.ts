import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

const shown = async (co: CheckoutPage) => Number((await co.total.textContent())!.replace(/[^0-9]/g, ''));

test.describe('3-D Secure style challenge', () => {
  test('completing the challenge pays once', async ({ page }) => {
    const co = new CheckoutPage(page);
    const sessionId = await co.open('?country=US');
    const total = await shown(co);
    await co.fillCard('4000 0027 6000 3184');
    await co.payButton.click();
    const dialog = co.checkout.locator('till-payment-action dialog');
    await expect(dialog).toBeVisible();
    expect(await dialog.evaluate((d: HTMLDialogElement) => d.open && d.matches(':modal'))).toBe(true);
    await co.checkout.frameLocator('till-payment-action iframe').locator('#complete').click();
    await expect(co.success).toBeVisible();
    const ledger = await co.ledger(sessionId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ amount: total, card: { last4: '3184' } });
  });

  test('Escape cancels the challenge: nothing is charged', async ({ page }) => {
    const co = new CheckoutPage(page);
    const sessionId = await co.open('?country=US&personalization=off');
    await co.fillCard('4000 0027 6000 3184');
    await co.payButton.click();
    await expect(co.checkout.locator('till-payment-action dialog')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(co.failure).toHaveAttribute('data-code', 'cancelled');
    expect(await co.ledger(sessionId)).toHaveLength(0);
  });

  test('failing the challenge charges nothing and offers the next-best method', async ({ page }) => {
    const co = new CheckoutPage(page);
    const sessionId = await co.open('?country=US&personalization=off');
    await co.fillCard('4000 0027 6000 3184');
    await co.payButton.click();
    await co.checkout.frameLocator('till-payment-action iframe').locator('#fail').click();
    await expect(co.failure).toHaveAttribute('data-code', 'challenge_failed');
    await expect(co.checkout.locator('[part="recovery"]')).toHaveText('Pay with PayPal instead');
    expect(await co.ledger(sessionId)).toHaveLength(0);
  });
});

test.describe('QR wallets', () => {
  test('PIX: QR code with countdown and copy; a scan pays the shown total once', async ({ page }) => {
    const co = new CheckoutPage(page);
    const sessionId = await co.open('?country=BR&personalization=off&locale=en');
    await co.method('pix').click();
    const total = await shown(co);
    await co.payButton.click();
    await expect(co.action.locator('canvas[part="qr"]')).toBeVisible();
    await expect(co.action.locator('[data-testid="countdown"]')).toContainText(/Expires in [23]:\d\d/);
    // The QR encodes exactly the payload the server sent (drawn on a canvas, no data: URL).
    const size = await co.action.locator('canvas').evaluate((c: HTMLCanvasElement) => c.width);
    expect(size).toBeGreaterThan(20);
    await co.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await co.action.getByRole('button', { name: 'Copy code' }).click();
    await expect(co.action.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/^000201TILLDEMO\|pix\|pay_/);

    await co.qa('paid');
    await expect(co.success).toBeVisible();
    const ledger = await co.ledger(sessionId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ method: 'pix', amount: total, currency: 'BRL' });
    expect(ledger[0]!.coupons).toContain('PIX5');
  });

  test('a reload while the QR code is pending resumes the same payment; paying it charges once', async ({ page }) => {
    const co = new CheckoutPage(page);
    const sessionId = await co.open('?country=BR&personalization=off&locale=en');
    await co.method('pix').click();
    await co.payButton.click();
    await expect(co.action.locator('canvas')).toBeVisible();
    const paymentId = await page.locator('#pending-id').textContent();
    await page.reload();
    await expect(co.action.locator('canvas')).toBeVisible();
    expect(await co.sessionId()).toBe(sessionId);
    await expect(page.locator('#pending-id')).toHaveText(paymentId!);
    await co.qa('paid');
    await expect(co.success).toBeVisible();
    expect(await co.ledger(sessionId)).toHaveLength(1);
  });

  test('an expired QR code fails cleanly and nothing is charged', async ({ page }) => {
    const co = new CheckoutPage(page);
    const sessionId = await co.open('?country=CN&personalization=off&locale=en');
    await co.method('alipay').click();
    await co.payButton.click();
    await expect(co.action.locator('canvas')).toBeVisible();
    await co.qa('expire');
    await expect(co.failure).toHaveAttribute('data-code', 'expired');
    await co.qa('paid').catch(() => undefined);
    expect(await co.ledger(sessionId)).toHaveLength(0);
  });

  test('a cancelled QR payment cannot be paid afterwards', async ({ page }) => {
    const co = new CheckoutPage(page);
    const sessionId = await co.open('?country=CN&personalization=off&locale=en');
    await co.method('wechat_pay').click();
    await co.payButton.click();
    await expect(co.action.locator('canvas')).toBeVisible();
    const paymentId = await page.locator('#pending-id').textContent();
    await co.action.getByRole('button', { name: 'Cancel' }).click();
    await expect(co.failure).toHaveAttribute('data-code', 'cancelled');
    await page.request.post(`/demo/payments/${paymentId}/complete`);
    expect(await co.ledger(sessionId)).toHaveLength(0);
    await expect(co.payButton).toBeEnabled();
  });
});

/** Starts an iDEAL payment and follows it to the demo bank's page. */
async function toTheBank(co: CheckoutPage) {
  const sessionId = await co.open('?country=NL&personalization=off&locale=en');
  await co.method('ideal').click();
  const total = await shown(co);
  await co.payButton.click();
  await co.page.waitForURL(/\/demo\/bank\/pay_/);
  return { sessionId, total };
}

test('redirect (iDEAL-style): bank round trip resumes the right payment', async ({ page }) => {
  const co = new CheckoutPage(page);
  const { sessionId, total } = await toTheBank(co);
  // The bank sends the shopper back with the payment id; the page drops it from the address bar
  // as soon as it resumes (possibly before "load"), so watch the navigation request instead.
  const back = page.waitForRequest((r) => r.isNavigationRequest() && /till_payment=pay_/.test(r.url()));
  await page.locator('#approve').click();
  await back;
  await expect(co.success).toBeVisible();
  await expect(page).not.toHaveURL(/till_payment/);
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ method: 'ideal', amount: total, currency: 'EUR' });
});

test('redirect: the bank sends the shopper back into a new tab, which resumes the payment', async ({ page, context }) => {
  const co = new CheckoutPage(page);
  const { sessionId, total } = await toTheBank(co);
  // The bank app opens its confirmation in a new tab: no sessionStorage from the first one.
  const bankTab = await context.newPage();
  await bankTab.goto(page.url());
  await bankTab.locator('#approve').click();
  const back = new CheckoutPage(bankTab);
  await expect(back.success).toBeVisible();
  expect(await back.sessionId()).toBe(sessionId);
  await expect(bankTab).not.toHaveURL(/till_payment/);
  const ledger = await back.ledger(sessionId);
  expect(ledger).toEqual([expect.objectContaining({ method: 'ideal', amount: total, currency: 'EUR' })]);
  // The marker is used once: the same return link opened again resumes nothing; the checkout it
  // lands on reads as paid from the server (Session.paid), with no Pay button and no new order.
  await bankTab.goto(`/?till_payment=${ledger[0]!.paymentId}`);
  await expect(back.success).toBeVisible();
  await expect(back.payButton).toHaveCount(0);
  await expect(bankTab).not.toHaveURL(/till_payment/);
  expect(await back.ledger(sessionId)).toHaveLength(1);
});

test('a till_payment link this browser never sent to a bank resumes nothing', async ({ page }) => {
  const co = new CheckoutPage(page);
  await co.open('?country=NL&personalization=off&locale=en&till_payment=pay_0123456789abcdef');
  await expect(co.payButton).toBeEnabled();
  await expect(co.success).toHaveCount(0);
  await expect(co.checkout.locator('till-payment-action')).toHaveCount(0);
});

test('voucher (Boleto): reference, amount and expiry, printable; paid later', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=BR&personalization=off&locale=en');
  await co.method('boleto').click();
  const totalText = (await co.total.textContent())!;
  const total = Number(totalText.replace(/[^0-9]/g, ''));
  await co.payButton.click();
  await expect(co.action.locator('[data-testid="voucher-reference"]')).toHaveText(/^23790\.\d{5} \d{5}\.\d{6} 8 \d{14}$/);
  await expect(co.action).toContainText(totalText);
  await expect(co.action).toContainText('Pay by');
  await expect(co.action.getByRole('button', { name: 'Print' })).toBeVisible();
  expect(await co.ledger(sessionId)).toHaveLength(0);
  await co.qa('paid');
  await expect(co.success).toBeVisible();
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ method: 'boleto', amount: total, currency: 'BRL' });
});

test('installments: per-installment amount shown, the count reaches the ledger, the total is unchanged', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=BR&personalization=off&locale=en');
  await co.method('card').click();
  const total = await shown(co);
  const select = co.checkout.locator('.installments select');
  await expect(select.locator('option')).toHaveCount(5);
  await select.selectOption('3');
  const optionText = await select.locator('option:checked').textContent();
  const parts = optionText!.match(/R\$\s?[\d.,]+/g)!.map((p) => Number(p.replace(/[^0-9]/g, '')));
  // "3 × R$ a" or "R$ a + 2 × R$ b": the parts always add up to the total.
  const sum = parts.length === 1 ? parts[0]! * 3 : parts[0]! + parts[1]! * 2;
  expect(sum).toBe(total);
  await co.fillCard('4242 4242 4242 4242');
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  const [entry] = await co.ledger(sessionId);
  expect(entry).toMatchObject({ amount: total, installments: 3 });
});

test('decline → next-best method → success, with exactly one charge', async ({ page }) => {
  const co = new CheckoutPage(page);
  const sessionId = await co.open('?country=BR&personalization=off&locale=en');
  await co.method('card').click();
  await co.fillCard('4000 0000 0000 0002');
  await co.payButton.click();
  await expect(co.failure).toHaveAttribute('data-code', 'card_declined');
  const recovery = co.checkout.locator('[part="recovery"]');
  await expect(recovery).toHaveText('Pay with PIX instead');
  await recovery.click();
  await expect(co.method('pix').locator('input')).toBeChecked();
  const total = await shown(co);
  await co.payButton.click();
  await co.qa('paid');
  await expect(co.success).toBeVisible();
  const ledger = await co.ledger(sessionId);
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ method: 'pix', amount: total });
});

test.describe('passkey step-up (real WebAuthn ceremony, Chromium virtual authenticator)', () => {
  test('enrol after paying, then confirm a risky payment with the passkey; a cancelled prompt charges nothing', async ({ page, baseURL }) => {
    const local = baseURL!.replace('127.0.0.1', 'localhost'); // WebAuthn needs a domain, not an IP
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    const co = new CheckoutPage(page);
    await co.signIn(undefined, local); // passkeys belong to a signed-in shopper
    await co.open('?country=US', local);
    await co.fillCard('4242 4242 4242 4242');
    await co.payButton.click();
    await co.checkout.locator('[part="passkey-offer"]').click();
    await expect(co.success).toContainText('Passkey saved');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);

    // A risky card now steps up with the passkey instead of the issuer challenge.
    let sessionId = await co.open('?country=US', local);
    await co.method('card').click();
    await co.fillCard('4000 0025 0000 3155');
    const total = Number((await co.total.textContent())!.replace(/[^0-9]/g, ''));
    await co.payButton.click();
    await co.action.getByRole('button', { name: 'Confirm with passkey' }).click();
    await expect(co.success).toBeVisible();
    const ledger = await co.ledger(sessionId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ amount: total, card: { last4: '3155' } });

    // The shopper dismisses the prompt: the payment is cancelled, never charged.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    sessionId = await co.open('?country=US', local);
    await co.method('card').click();
    await co.fillCard('4000 0025 0000 3155');
    await co.payButton.click();
    await co.action.getByRole('button', { name: 'Confirm with passkey' }).click();
    await expect(co.failure).toHaveAttribute('data-code', 'cancelled');
    expect(await co.ledger(sessionId)).toHaveLength(0);
  });
});

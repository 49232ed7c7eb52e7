import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

/**
 * No layout shift: the widget's space is held from the first frame (the page's
 * `till-checkout:not(:defined)` rule, then the element's own reservation) until the shopper first
 * touches the page. Measured with the browser's own Layout Instability API, in a shop-like layout
 * whose content below the widget is in view (`html.stacked`, demo/demo.css).
 */
const STACKED = `(() => {
  const add = () => document.documentElement?.classList.add('stacked');
  if (document.documentElement) return add();
  new MutationObserver((_, o) => document.documentElement && (add(), o.disconnect())).observe(document, { childList: true });
})()`;
const SHIFTS = `window.__shifts = []; new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__shifts.push({ value: e.value, input: e.hadRecentInput }))).observe({ type: 'layout-shift', buffered: true });`;

const shifts = (page: import('@playwright/test').Page) => page.evaluate(() => (window as unknown as { __shifts: { value: number; input: boolean }[] }).__shifts);

for (const width of [320, 1280]) {
  test(`${width} px: nothing below the widget moves while it loads, and the reservation ends at the first touch`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await page.addInitScript({ content: STACKED });
    await page.addInitScript({ content: SHIFTS });
    const co = new CheckoutPage(page);
    const ledger = page.locator('section.ledger');
    await page.goto('/?country=BR&personalization=off&locale=en');
    const before = await ledger.boundingBox();
    await expect(co.payButton).toBeEnabled();
    await page.waitForTimeout(300);
    expect(await shifts(page)).toEqual([]);
    expect((await ledger.boundingBox())?.y).toBe(before?.y);
    // The BR checkout (no card form) is shorter than the 1080 px the demo reserves: held until a touch…
    await expect(co.checkout).toHaveAttribute('reserving', '');
    const held = (await co.checkout.boundingBox())!.height;
    expect(held).toBeGreaterThanOrEqual(1080);
    // …then released: the widget fits its content, a shift right after the shopper's own input.
    await co.method('pix').click();
    await expect(co.checkout).not.toHaveAttribute('reserving');
    expect((await co.checkout.boundingBox())!.height).toBeLessThan(held);
    expect((await shifts(page)).every((s) => s.input)).toBe(true);
  });
}

test('without a page rule the element reserves from its size hint (lines, methods) as soon as it is defined', async ({ page }) => {
  await page.goto('/?country=US&personalization=off&locale=en');
  await expect(new CheckoutPage(page).payButton).toBeEnabled();
  const heights = await page.evaluate(async () => {
    const el = document.createElement('till-checkout');
    el.setAttribute('lines', '4');
    el.setAttribute('methods', '2');
    el.style.setProperty('--till-reserve-height', 'initial'); // the demo's own rule sets one for every checkout
    document.body.append(el);
    await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    const four = el.getBoundingClientRect().height;
    el.setAttribute('lines', '1');
    await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    return [four, el.getBoundingClientRect().height];
  });
  // 23 px per summary line: three lines fewer hold 69 px less; never nothing.
  expect(heights[0]! - heights[1]!).toBe(69);
  expect(heights[1]).toBeGreaterThan(800);
});

import { afterEach, describe, expect, it } from 'vitest';
import type { CartLine, Quote } from '../../src/protocol/index';
import { define } from '../internal/define';
import { mount } from '../internal/harness';
import { TillOrderSummary } from './order-summary';

define('till-order-summary', TillOrderSummary);
afterEach(() => document.body.replaceChildren());

/** Independent expectation: Intl with the currency's ISO 4217 digits, from a major-unit number. */
function intl(locale: string, currency: string, major: number, digits: number): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(major);
}

function quote(q: Partial<Quote> & Pick<Quote, 'currency' | 'subtotal' | 'total'>): Quote {
  return { shipping: 0, discount: 0, applied: [], rejected: [], ...q };
}

const byId = (el: TillOrderSummary, id: string) => el.shadowRoot!.querySelector(`[data-testid="${id}"]`);

/** [term, value] pairs of the <dl>, in order (rows inside display:contents groups included). */
function rows(el: TillOrderSummary): [string, string][] {
  const dts = [...el.shadowRoot!.querySelectorAll('dl dt')];
  return dts.map((dt) => [dt.textContent!.replace(/\s+/g, ' ').trim(), dt.nextElementSibling!.textContent!.trim()]);
}

const usdLines: CartLine[] = [
  { id: 'l1', productId: 'tee', name: 'T-shirt', quantity: 2, unitPrice: 1299 },
  { id: 'l2', productId: 'mug', name: 'Mug', quantity: 1, unitPrice: 850 },
];

describe('<till-order-summary> in Chromium', () => {
  it('isolates a merchant string: a U+202E in a product name does not reverse the rest of its line', async () => {
    const el = await mount<TillOrderSummary>('till-order-summary', {
      locale: 'en-US',
      lines: [{ id: 'l1', productId: 'mug', name: 'Mug \u202Eevil', quantity: 3, unitPrice: 850 }],
      quote: quote({ currency: 'USD', subtotal: 2550, total: 2550 }),
    });
    const dt = el.shadowRoot!.querySelector('dl dt')!;
    const name = dt.querySelector('bdi')!.getBoundingClientRect();
    const qty = dt.querySelector('small')!.getBoundingClientRect();
    // Without isolation the override runs on to the end of the line and draws "× 3" first.
    expect(qty.left).toBeGreaterThanOrEqual(name.right - 0.5);
    expect(dt.querySelector('small')!.textContent).toBe('× 3');
  });

  it('renders nothing without a quote', async () => {
    const el = await mount<TillOrderSummary>('till-order-summary', { lines: usdLines });
    expect(el.shadowRoot!.querySelector('section')).toBeNull();
  });

  it('lists lines × quantity and totals in USD for en-US', async () => {
    const el = await mount<TillOrderSummary>('till-order-summary', {
      locale: 'en-US',
      lines: usdLines,
      quote: quote({ currency: 'USD', subtotal: 3448, shipping: 500, total: 3948 }),
    });
    expect(el.shadowRoot!.querySelector('h2')!.textContent).toBe('Order summary');
    expect(rows(el)).toEqual([
      ['T-shirt × 2', '$25.98'],
      ['Mug × 1', '$8.50'],
      ['Subtotal', '$34.48'],
      ['Shipping', '$5.00'],
      ['Total', '$39.48'],
    ]);
    expect(byId(el, 'total')!.closest('[part="total"]')).not.toBeNull();
  });

  it('formats with the given locale (de-DE puts the symbol after, with a decimal comma)', async () => {
    const el = await mount<TillOrderSummary>('till-order-summary', {
      locale: 'de-DE',
      lines: usdLines,
      quote: quote({ currency: 'USD', subtotal: 3448, shipping: 500, total: 3948 }),
    });
    expect(byId(el, 'total')!.textContent).toBe(intl('de-DE', 'USD', 39.48, 2));
    expect(byId(el, 'total')!.textContent).toMatch(/^39,48\s\$$/);
    expect(byId(el, 'subtotal')!.textContent).toBe(intl('de-DE', 'USD', 34.48, 2));
  });

  it('shows JPY without decimals', async () => {
    const el = await mount<TillOrderSummary>('till-order-summary', {
      locale: 'ja-JP',
      lines: [{ id: 'l1', productId: 'tea', name: '緑茶', quantity: 3, unitPrice: 1200 }],
      quote: quote({ currency: 'JPY', subtotal: 3600, shipping: 400, total: 4000 }),
    });
    expect(rows(el)[0]).toEqual(['緑茶 × 3', intl('ja-JP', 'JPY', 3600, 0)]);
    expect(byId(el, 'total')!.textContent).toBe(intl('ja-JP', 'JPY', 4000, 0));
    expect(byId(el, 'total')!.textContent).toMatch(/^[¥￥]4,000$/);
    for (const [, value] of rows(el)) expect(value).not.toMatch(/[.,]\d{1,2}$/);
  });

  it('shows KWD with three decimals', async () => {
    const el = await mount<TillOrderSummary>('till-order-summary', {
      locale: 'en-US',
      lines: [{ id: 'l1', productId: 'dates', name: 'Dates', quantity: 4, unitPrice: 2345 }],
      quote: quote({ currency: 'KWD', subtotal: 9380, shipping: 1005, total: 10385 }),
    });
    expect(rows(el)[0]).toEqual(['Dates × 4', intl('en-US', 'KWD', 9.38, 3)]);
    expect(rows(el)[0]![1]).toMatch(/9\.380$/);
    expect(byId(el, 'total')!.textContent).toBe(intl('en-US', 'KWD', 10.385, 3));
    expect(byId(el, 'total')!.textContent).toMatch(/10\.385$/);
  });

  it('shows the discount row only when there is a discount', async () => {
    const el = await mount<TillOrderSummary>('till-order-summary', {
      locale: 'en-US',
      lines: usdLines,
      quote: quote({ currency: 'USD', subtotal: 3448, shipping: 500, total: 3948 }),
    });
    expect(byId(el, 'discount')).toBeNull();
    expect(rows(el).map(([term]) => term)).not.toContain('Discounts');

    el.quote = quote({ currency: 'USD', subtotal: 3448, shipping: 500, discount: 690, total: 3258 });
    await el.updateComplete;
    expect(byId(el, 'discount')!.textContent).toBe('−$6.90');
    expect(rows(el)).toEqual([
      ['T-shirt × 2', '$25.98'],
      ['Mug × 1', '$8.50'],
      ['Subtotal', '$34.48'],
      ['Discounts', '−$6.90'],
      ['Shipping', '$5.00'],
      ['Total', '$32.58'],
    ]);
  });

  it('shows an estimate only when the display currency differs', async () => {
    const q = quote({ currency: 'USD', subtotal: 5000, total: 5000 });
    const el = await mount<TillOrderSummary>('till-order-summary', { locale: 'en-US', lines: [], quote: q });
    expect(byId(el, 'estimate')).toBeNull();

    el.display = { currency: 'USD', rate: 1 };
    await el.updateComplete;
    expect(byId(el, 'estimate')).toBeNull();

    el.display = { currency: 'EUR', rate: 0.9 };
    await el.updateComplete;
    expect(byId(el, 'estimate')!.textContent).toBe(`≈ ${intl('en-US', 'EUR', 45, 2)} (estimate)`);
    expect(byId(el, 'estimate')!.textContent).toBe('≈ €45.00 (estimate)');
    // The charged total stays in the session currency.
    expect(byId(el, 'total')!.textContent).toBe('$50.00');
  });

  it('converts the estimate across currencies with different digits (JPY → KWD)', async () => {
    const el = await mount<TillOrderSummary>('till-order-summary', {
      locale: 'en-US',
      lines: [],
      quote: quote({ currency: 'JPY', subtotal: 10000, total: 10000 }),
      display: { currency: 'KWD', rate: 0.00205 },
    });
    // 10000 JPY × 0.00205 = 20.5 KWD → 20500 fils.
    expect(byId(el, 'estimate')!.textContent).toBe(`≈ ${intl('en-US', 'KWD', 20.5, 3)} (estimate)`);
  });
});

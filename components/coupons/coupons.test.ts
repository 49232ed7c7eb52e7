import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import type { Quote } from '../../src/protocol/index';
import { registerMessages } from '../i18n/messages';
import { define } from '../internal/define';
import { mount, type } from '../internal/harness';
import { couponMessages } from '../payment-action/payment-action';
import { TillCoupons, type CouponIntent } from './coupons';

define('till-coupons', TillCoupons);
beforeAll(() => registerMessages('en', couponMessages, true));
afterEach(() => document.body.replaceChildren());

const quote: Quote = {
  currency: 'USD',
  subtotal: 10000,
  shipping: 500,
  discount: 1500,
  total: 9000,
  applied: [
    { code: 'SPRING10', class: 'order', amount: 1000 },
    { code: 'FREESHIP', class: 'shipping', amount: 500 },
  ],
  rejected: [],
};

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((undo) => undo()));

/** Events seen on the document: the intent must cross the shadow root. */
function collect(name: 'till-coupon-apply' | 'till-coupon-remove'): CustomEvent<CouponIntent>[] {
  const seen: CustomEvent<CouponIntent>[] = [];
  const onEvent = (e: CustomEvent<CouponIntent>) => void seen.push(e);
  document.addEventListener(name, onEvent);
  cleanups.push(() => document.removeEventListener(name, onEvent));
  return seen;
}

const mountCoupons = (props: Partial<TillCoupons> = {}) =>
  mount<TillCoupons>('till-coupons', { locale: 'en-US', quote, labels: { SPRING10: '10% off everything' }, ...props });

describe('<till-coupons> in Chromium', () => {
  it('renders nothing without a quote', async () => {
    const el = await mount<TillCoupons>('till-coupons');
    expect(el.shadowRoot!.querySelector('section')).toBeNull();
  });

  it('lists the applied coupons with their labels and savings', async () => {
    const el = await mountCoupons();
    const items = [...el.shadowRoot!.querySelectorAll('li[part="coupon"]')];
    expect(items.map((li) => li.getAttribute('data-code'))).toEqual(['SPRING10', 'FREESHIP']);
    expect(items.map((li) => li.querySelector('.code')!.textContent)).toEqual(['SPRING10', 'FREESHIP']);
    expect(items.map((li) => li.querySelector('.label')!.textContent)).toEqual(['10% off everything', '']);
    expect(items.map((li) => li.querySelector('.saving')!.textContent)).toEqual(['−$10.00', '−$5.00']);
  });

  it('shows no list when nothing is applied', async () => {
    const el = await mountCoupons({ quote: { ...quote, discount: 0, total: 10500, applied: [] } });
    expect(el.shadowRoot!.querySelector('ul')).toBeNull();
    expect(el.shadowRoot!.querySelector('form')).not.toBeNull();
  });

  it('names each remove button after its code and fires till-coupon-remove with it', async () => {
    const el = await mountCoupons();
    const removes = collect('till-coupon-remove');
    const button = page.getByRole('button', { name: 'Remove FREESHIP', exact: true });
    await expect.element(button).toBeVisible();
    await expect.element(page.getByRole('button', { name: 'Remove SPRING10', exact: true })).toBeVisible();
    await button.click();
    expect(removes).toHaveLength(1);
    expect(removes[0]!.detail).toEqual({ code: 'FREESHIP' });
    expect(removes[0]!.bubbles && removes[0]!.composed).toBe(true);
    expect(removes[0]!.target).toBe(el);
  });

  it('fires till-coupon-apply with the typed (trimmed) code on submit', async () => {
    const el = await mountCoupons();
    const applies = collect('till-coupon-apply');
    await type(el, 'input', '  WELCOME5 ');
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(applies.map((e) => e.detail)).toEqual([{ code: 'WELCOME5' }]);
  });

  it('submits with Enter in the code field', async () => {
    const el = await mountCoupons();
    const applies = collect('till-coupon-apply');
    await userEvent.click(page.getByRole('textbox', { name: 'Discount code' }));
    await userEvent.keyboard('BLACKFRIDAY{Enter}');
    expect(applies.map((e) => e.detail)).toEqual([{ code: 'BLACKFRIDAY' }]);
    // The form did not navigate the test page.
    expect(document.body.contains(el)).toBe(true);
  });

  it('does not fire when the code is empty or blank', async () => {
    const el = await mountCoupons();
    const applies = collect('till-coupon-apply');
    await page.getByRole('button', { name: 'Apply' }).click();
    await type(el, 'input', '   ');
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(applies).toHaveLength(0);
  });

  it('disables the field and the buttons when disabled', async () => {
    const el = await mountCoupons({ disabled: true });
    const controls = [...el.shadowRoot!.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button')];
    expect(controls.length).toBe(4);
    expect(controls.every((c) => c.disabled)).toBe(true);
  });

  it('announces an applied code in a status note', async () => {
    const el = await mountCoupons({ result: { code: 'SPRING10', applied: true } });
    const note = el.shadowRoot!.querySelector('.note')!;
    expect(note.getAttribute('role')).toBe('status');
    expect(note.textContent).toBe('SPRING10 applied');
    expect(note.hasAttribute('data-ok')).toBe(true);
    await expect.element(page.getByRole('status')).toHaveTextContent('SPRING10 applied');
  });

  it('explains why a code did not apply', async () => {
    const el = await mountCoupons({ result: { code: 'OLD2020', applied: false, reason: 'expired' } });
    const note = () => el.shadowRoot!.querySelector('.note')!;
    expect(note().getAttribute('role')).toBe('status');
    expect(note().textContent).toBe('OLD2020 has expired.');
    expect(note().hasAttribute('data-ok')).toBe(false);
    expect(note().getAttribute('data-reason')).toBe('expired');

    el.result = { code: 'BIG', applied: false, reason: 'min_subtotal_not_met' };
    await el.updateComplete;
    expect(note().textContent).toBe('Your order does not reach the minimum for BIG.');

    el.result = { code: 'NOPE', applied: false };
    await el.updateComplete;
    expect(note().textContent).toBe('NOPE is not a valid code.');
  });

  it('keeps an empty status region before a code was tried (so the first result is announced)', async () => {
    const el = await mountCoupons();
    const status = el.shadowRoot!.querySelector('[role="status"]');
    expect(status).not.toBeNull();
    expect(status!.textContent!.trim()).toBe('');
  });
});

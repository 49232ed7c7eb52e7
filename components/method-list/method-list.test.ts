import { afterEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import type { PaymentMethod } from '../../src/protocol/index';
import { define } from '../internal/define';
import { mount } from '../internal/harness';
import { TillMethodList, type MethodOption } from './method-list';

define('till-method-list', TillMethodList);
afterEach(() => document.body.replaceChildren());

const card: PaymentMethod = { id: 'card', flow: 'card', label: 'Card' };
const pix: PaymentMethod = { id: 'pix', flow: 'qr', label: 'Pix' };
const paypal: PaymentMethod = { id: 'paypal', flow: 'redirect', label: 'PayPal' };

const options: MethodOption[] = [
  { method: card, saved: { id: 'pm_1', method: 'card', brand: 'visa', last4: '4242' }, hint: 'You used Visa last time' },
  { method: pix, hint: 'Save R$ 5,00' },
  { method: card, saved: { id: 'pm_old', method: 'card', brand: 'mastercard', last4: '4444', expMonth: 1, expYear: 2020 }, disabled: true, hint: 'Expired' },
  { method: paypal },
  { method: card },
];

function radios(el: TillMethodList): HTMLInputElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLInputElement>('input[type="radio"]')];
}

function rowText(label: Element): string {
  return label.querySelector('span:not(.hint)')!.textContent!;
}

describe('<till-method-list> in Chromium', () => {
  it('renders the options in the given order with their labels and hints', async () => {
    const el = await mount<TillMethodList>('till-method-list', { options });
    const rows = [...el.shadowRoot!.querySelectorAll('label[part="option"]')];
    expect(rows.map(rowText)).toEqual(['Visa •••• 4242', 'Pix', 'Mastercard •••• 4444', 'PayPal', 'Card']);
    expect(rows.map((r) => r.getAttribute('data-method'))).toEqual(['card', 'pix', 'card', 'paypal', 'card']);
    expect(radios(el).map((r) => r.value)).toEqual(['saved:pm_1', 'pix', 'saved:pm_old', 'paypal', 'card']);
    expect(rows.map((r) => r.querySelector('.hint')?.textContent ?? null)).toEqual([
      'You used Visa last time',
      'Save R$ 5,00',
      'Expired',
      null,
      null,
    ]);
  });

  it('re-renders in a new order when the options change', async () => {
    const el = await mount<TillMethodList>('till-method-list', { options });
    el.options = [options[3]!, options[0]!];
    await el.updateComplete;
    expect(radios(el).map((r) => r.value)).toEqual(['paypal', 'saved:pm_1']);
  });

  it('checks the radio of the current value', async () => {
    const el = await mount<TillMethodList>('till-method-list', { options, value: 'pix' });
    expect(radios(el).filter((r) => r.checked).map((r) => r.value)).toEqual(['pix']);
    el.value = 'saved:pm_1';
    await el.updateComplete;
    expect(radios(el).filter((r) => r.checked).map((r) => r.value)).toEqual(['saved:pm_1']);
  });

  it('sets value and fires one native change event that crosses the shadow root', async () => {
    const el = await mount<TillMethodList>('till-method-list', { options, value: 'saved:pm_1' });
    const seen: Event[] = [];
    const onChange = (e: Event) => void seen.push(e);
    document.addEventListener('change', onChange);
    try {
      await userEvent.click(el.shadowRoot!.querySelector('label[data-method="paypal"]')!);
      await el.updateComplete;
    } finally {
      document.removeEventListener('change', onChange);
    }
    expect(el.value).toBe('paypal');
    expect(seen).toHaveLength(1);
    const [e] = seen;
    expect(e!.type).toBe('change');
    expect(e!.bubbles).toBe(true);
    expect(e!.composed).toBe(true);
    expect(e!.target).toBe(el);
    expect(radios(el).filter((r) => r.checked).map((r) => r.value)).toEqual(['paypal']);
  });

  it('does not let a disabled (expired) option be selected', async () => {
    const el = await mount<TillMethodList>('till-method-list', { options, value: 'pix' });
    let changes = 0;
    el.addEventListener('change', () => changes++);
    const expired = radios(el).find((r) => r.value === 'saved:pm_old')!;
    expect(expired.disabled).toBe(true);
    expired.click();
    await userEvent.click(expired.closest('label')!, { force: true });
    await el.updateComplete;
    expect(expired.checked).toBe(false);
    expect(el.value).toBe('pix');
    expect(changes).toBe(0);
  });

  it('disables every option when the list is disabled', async () => {
    const el = await mount<TillMethodList>('till-method-list', { options, value: 'pix', disabled: true });
    expect(el.hasAttribute('disabled')).toBe(true);
    expect(el.shadowRoot!.querySelector('fieldset')!.disabled).toBe(true);
    expect(radios(el).every((r) => r.matches(':disabled'))).toBe(true);
    radios(el)[0]!.click();
    await el.updateComplete;
    expect(el.value).toBe('pix');
  });

  it('is a fieldset with a legend whose radios have accessible names', async () => {
    const el = await mount<TillMethodList>('till-method-list', { options });
    const fieldset = el.shadowRoot!.querySelector('fieldset')!;
    expect(fieldset.querySelector(':scope > legend')!.textContent).toBe('Payment method');
    await expect.element(page.getByRole('group', { name: 'Payment method' })).toBeVisible();
    // The hint describes the radio; it is not part of its name.
    const visa = page.getByRole('radio', { name: 'Visa •••• 4242', exact: true });
    await expect.element(visa).toBeInTheDocument();
    await expect.element(visa).toHaveAccessibleDescription('You used Visa last time');
    await expect.element(page.getByRole('radio', { name: 'Pix' })).toBeInTheDocument();
    await expect.element(page.getByRole('radio', { name: 'Mastercard •••• 4444' })).toBeDisabled();
    await expect.element(page.getByRole('radio', { name: 'PayPal', exact: true })).toBeEnabled();
    // Every radio is named by its own <label>.
    for (const r of radios(el)) expect(r.labels?.[0]?.textContent?.trim()).toBeTruthy();
    expect(page.getByRole('radio').all()).toHaveLength(options.length);
  });
});

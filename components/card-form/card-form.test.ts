import { afterEach, describe, expect, it } from 'vitest';
import { define } from '../internal/define';
import { mount, shadowInput, type } from '../internal/harness';
import { TillCardForm } from './card-form';

define('till-card-form', TillCardForm);
afterEach(() => document.body.replaceChildren());

describe('<till-card-form> in Chromium', () => {
  it('groups digits and detects the brand while typing', async () => {
    const form = await mount<TillCardForm>('till-card-form');
    const number = await type(form, '#number', '378282246310005');
    expect(number.value).toBe('3782 822463 10005');
    expect(form.shadowRoot!.querySelector('.brand')!.textContent).toBe('American Express');
    await type(form, '#number', '5555555555554444');
    expect(shadowInput(form, '#number').value).toBe('5555 5555 5555 4444');
    expect(form.shadowRoot!.querySelector('.brand')!.textContent).toBe('Mastercard');
  });

  it('formats expiry as MM / YY and uses autocomplete tokens', async () => {
    const form = await mount<TillCardForm>('till-card-form');
    expect(await type(form, '#expiry', '1234').then((i) => i.value)).toBe('12 / 34');
    expect(await type(form, '#expiry', '4').then((i) => i.value)).toBe('04 / ');
    expect(shadowInput(form, '#number').autocomplete).toBe('cc-number');
    expect(shadowInput(form, '#expiry').autocomplete).toBe('cc-exp');
    expect(shadowInput(form, '#cvc').autocomplete).toBe('cc-csc');
    expect(shadowInput(form, '#name').autocomplete).toBe('cc-name');
  });

  it('validates with accessible inline messages and focuses the first invalid field', async () => {
    const form = await mount<TillCardForm>('till-card-form');
    await type(form, '#number', '4242424242424241');
    await type(form, '#expiry', '01 / 20');
    expect(form.readCard()).toBeUndefined();
    await form.updateComplete;
    const number = shadowInput(form, '#number');
    expect(number.getAttribute('aria-invalid')).toBe('true');
    expect(number.getAttribute('aria-describedby')).toContain('number-error');
    expect(form.shadowRoot!.querySelector('#number-error')!.textContent).toBe('Your card number is invalid.');
    expect(form.shadowRoot!.querySelector('#expiry-error')!.textContent).toBe('This card has expired.');
    expect(form.shadowRoot!.activeElement).toBe(number);
  });

  it('reads a valid card once and clears only the CVC afterwards', async () => {
    const form = await mount<TillCardForm>('till-card-form');
    await type(form, '#number', '4242 4242 4242 4242');
    await type(form, '#expiry', '12 / 34');
    await type(form, '#cvc', '123');
    expect(form.readCard()).toEqual({ number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' });
    form.clearCvc();
    expect(shadowInput(form, '#cvc').value).toBe('');
    expect(shadowInput(form, '#number').value).toBe('4242 4242 4242 4242');
  });

  it('rejects brands the merchant does not accept', async () => {
    const form = await mount<TillCardForm>('till-card-form', { brands: ['visa'] });
    await type(form, '#number', '5555 5555 5555 4444');
    await type(form, '#expiry', '12 / 34');
    await type(form, '#cvc', '123');
    expect(form.readCard()).toBeUndefined();
    await form.updateComplete;
    expect(form.shadowRoot!.querySelector('#number-error')!.textContent).toBe('This card brand is not accepted here.');
  });
});

describe('guarded define()', () => {
  it('skips an already-defined tag with a warning instead of throwing', () => {
    class Other extends TillCardForm {}
    const warnings: unknown[] = [];
    const orig = console.warn;
    console.warn = (...a: unknown[]) => void warnings.push(a.join(' '));
    try {
      expect(() => define('till-card-form', Other)).not.toThrow();
    } finally {
      console.warn = orig;
    }
    expect(customElements.get('till-card-form')).toBe(TillCardForm);
    expect(String(warnings[0])).toContain('already defined');
  });
});

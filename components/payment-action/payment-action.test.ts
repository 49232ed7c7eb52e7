import { css, html, LitElement, nothing } from 'lit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import type { Money, PaymentAction } from '../../src/protocol/index';
import { formatMoney } from '../../src/core/money/money';
import { drawQr } from '../../src/lazy/actions';
import { registerMessages, t } from '../i18n/messages';
import { define } from '../internal/define';
import { mount } from '../internal/harness';
import { actionMessages, createPaymentActionElement, type TillPaymentActionElement } from './payment-action';

type ActionElement = TillPaymentActionElement & LitElement;

const drawn: string[] = [];
beforeAll(() => {
  registerMessages('en', actionMessages, true);
  define(
    'till-payment-action',
    createPaymentActionElement({
      LitElement,
      html,
      css,
      nothing,
      t,
      formatMoney,
      drawQr: (payload, canvas) => {
        drawn.push(payload);
        drawQr(payload, canvas);
      },
    }),
  );
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.splice(0).forEach((undo) => undo());
  document.body.replaceChildren();
  drawn.length = 0;
});

/** Counts an event on the document: it must cross the shadow root. */
function count(name: 'till-action-cancel' | 'till-action-passkey'): { n: number } {
  const seen = { n: 0 };
  const on = () => void seen.n++;
  document.addEventListener(name, on);
  cleanups.push(() => document.removeEventListener(name, on));
  return seen;
}

const now = () => Math.floor(Date.now() / 1000);
const usd: Money = { amount: 4250, currency: 'USD' };

async function mountAction(action: PaymentAction, amount: Money = usd): Promise<ActionElement> {
  return mount<ActionElement>('till-payment-action', { action, amount, locale: 'en-US' });
}

const shadow = (el: ActionElement) => el.shadowRoot!;

describe('<till-payment-action> QR code', () => {
  const payload = '00020101021226890014br.gov.bcb.pix2567pix.example.com/qr/v2/cobv/9d36b84f5204000053039865802BR6304ABCD';

  it('draws the payload on a non-empty canvas', async () => {
    const el = await mountAction({ type: 'qr', payload, expiresAt: now() + 600 });
    const canvas = shadow(el).querySelector<HTMLCanvasElement>('canvas[part="qr"]')!;
    expect(drawn).toEqual([payload]);
    expect(canvas.width).toBeGreaterThan(0);
    expect(canvas.height).toBe(canvas.width);
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let dark = 0;
    let light = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i]! < 64 && data[i + 1]! < 64 && data[i + 2]! < 64 && data[i + 3]! > 200) dark++;
      else if (data[i]! > 192) light++;
    }
    expect(dark).toBeGreaterThan(100);
    expect(light).toBeGreaterThan(100);
    expect(canvas.getAttribute('role')).toBe('img');
    await expect.element(page.getByRole('img', { name: 'QR code for this payment' })).toBeVisible();
    await expect.element(page.getByRole('group', { name: 'Scan to pay' })).toHaveTextContent('$42.50');
  });

  it('redraws when the action changes', async () => {
    const el = await mountAction({ type: 'qr', payload: 'first', expiresAt: now() + 600 });
    el.action = { type: 'qr', payload: 'second', expiresAt: now() + 600 };
    await el.updateComplete;
    expect(drawn).toEqual(['first', 'second']);
  });

  it('counts down to the expiry as m:ss', async () => {
    const el = await mountAction({ type: 'qr', payload, expiresAt: now() + 125 });
    const countdown = () => shadow(el).querySelector('[data-testid="countdown"]')!.textContent!;
    const seconds = (text: string) => {
      const m = /^Expires in (\d+):(\d\d)$/.exec(text);
      expect(m, text).not.toBeNull();
      return Number(m![1]) * 60 + Number(m![2]);
    };
    const first = seconds(countdown());
    expect(first).toBeGreaterThanOrEqual(123);
    expect(first).toBeLessThanOrEqual(125);
    expect(countdown()).toMatch(/^Expires in 2:0[345]$/);
    await expect.poll(() => seconds(countdown()), { timeout: 3000, interval: 100 }).toBeLessThan(first);
  });

  it('shows 0:00 once expired', async () => {
    const el = await mountAction({ type: 'qr', payload, expiresAt: now() - 30 });
    expect(shadow(el).querySelector('[data-testid="countdown"]')!.textContent).toBe('Expires in 0:00');
  });

  it('copies the payload with Copy code', async () => {
    // Unique per run, so a clipboard left over from an earlier run cannot pass the test.
    const unique = `${payload}-${Date.now()}`;
    await mountAction({ type: 'qr', payload: unique, expiresAt: now() + 600 });
    const copy = page.getByRole('button', { name: 'Copy code' });
    await expect.element(copy).toBeVisible();
    await userEvent.click(copy);
    // Read the clipboard back the way a shopper would: paste into a field (navigator.clipboard.readText
    // needs a permission grant that vitest's browser mode does not give).
    const field = document.createElement('input');
    document.body.append(field);
    await userEvent.click(field);
    await userEvent.keyboard('{Control>}v{/Control}');
    expect(field.value).toBe(unique);
    // writeText resolved: the button says so (it stays "Copy code" if the clipboard refused).
    await expect.element(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  });

  it('fires till-action-cancel from Cancel', async () => {
    await mountAction({ type: 'qr', payload, expiresAt: now() + 600 });
    const cancels = count('till-action-cancel');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(cancels.n).toBe(1);
  });
});

describe('<till-payment-action> voucher', () => {
  it('shows the reference, the amount, the due date and a Print button', async () => {
    const expiresAt = Date.UTC(2031, 4, 17, 15, 30) / 1000;
    const el = await mountAction(
      { type: 'voucher', reference: '34191.79001 01043.510047 91020.150008 5 12340000012345', expiresAt, instructions: 'Pay at any bank or lottery outlet.' },
      { amount: 12345, currency: 'BRL' },
    );
    const root = shadow(el);
    expect(root.querySelector('[data-testid="voucher-reference"]')!.textContent).toBe('34191.79001 01043.510047 91020.150008 5 12340000012345');
    expect(root.querySelector('[part="reference"]')).not.toBeNull();
    const text = root.querySelector('.box')!.textContent!;
    expect(text).toContain('Your payment slip');
    expect(text).toContain(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'BRL' }).format(123.45));
    expect(text).toContain(`Pay by ${new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(expiresAt * 1000)}`);
    expect(text).toContain('Pay at any bank or lottery outlet.');
    // Not clicked: print() would open the browser's print dialog.
    await expect.element(page.getByRole('button', { name: 'Print' })).toBeVisible();
    await expect.element(page.getByRole('button', { name: 'Cancel' })).toBeVisible();
    expect(root.querySelector('canvas')).toBeNull();
  });
});

describe('<till-payment-action> challenge', () => {
  const challenge: PaymentAction = { type: 'challenge', url: 'https://acs.example.invalid/challenge/123', origin: 'https://acs.example.invalid' };

  it('opens a native modal dialog with the issuer page', async () => {
    const el = await mountAction(challenge);
    const dialog = shadow(el).querySelector('dialog')!;
    expect(dialog.open).toBe(true);
    expect(dialog.matches(':modal')).toBe(true);
    const frame = dialog.querySelector('iframe')!;
    expect(frame.src).toBe(challenge.url);
    expect(frame.title).toBe('Verify your payment');
    expect(dialog.getAttribute('aria-labelledby')).toBe('challenge-title');
    expect(shadow(el).getElementById('challenge-title')!.textContent).toBe('Verify your payment');
  });

  it('cancels on Escape (the cancel event) and keeps the dialog open for the widget to close', async () => {
    const el = await mountAction(challenge);
    const cancels = count('till-action-cancel');
    const dialog = shadow(el).querySelector('dialog')!;
    const cancel = new Event('cancel', { cancelable: true });
    dialog.dispatchEvent(cancel);
    expect(cancels.n).toBe(1);
    expect(cancel.defaultPrevented).toBe(true);
    expect(dialog.open).toBe(true);
  });

  it('reopens if the browser closes it anyway (a second Escape) while the payment is pending', async () => {
    const el = await mountAction(challenge);
    const dialog = shadow(el).querySelector('dialog')!;
    dialog.close();
    await new Promise((r) => setTimeout(r, 0)); // \`close\` is dispatched as a task
    expect(dialog.open).toBe(true);
    expect(dialog.matches(':modal')).toBe(true);
    // Once the widget moves on (no action), it is gone for good.
    el.action = undefined;
    await el.updateComplete;
    expect(shadow(el).querySelector('dialog')).toBeNull();
  });

  it('cancels on a real Escape key press', async () => {
    const el = await mountAction(challenge);
    const cancels = count('till-action-cancel');
    await userEvent.keyboard('{Escape}');
    expect(cancels.n).toBe(1);
    expect(shadow(el).querySelector('dialog')).not.toBeNull();
    // Escape is not a user activation, so Chrome lets a second one close the modal; it comes back.
    await userEvent.keyboard('{Escape}');
    await new Promise((r) => setTimeout(r, 0));
    expect(shadow(el).querySelector('dialog')!.matches(':modal')).toBe(true);
  });

  it('fires till-action-cancel from its Cancel button', async () => {
    await mountAction(challenge);
    const cancels = count('till-action-cancel');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(cancels.n).toBe(1);
  });
});

describe('<till-payment-action> passkey', () => {
  it('asks to confirm the amount and fires till-action-passkey', async () => {
    const el = await mountAction({ type: 'passkey', options: { challenge: 'Y2hhbGxlbmdl' } });
    expect(shadow(el).textContent).toContain('Confirm $42.50 with your passkey');
    const passkeys = count('till-action-passkey');
    const cancels = count('till-action-cancel');
    await page.getByRole('button', { name: 'Confirm with passkey' }).click();
    expect(passkeys.n).toBe(1);
    expect(cancels.n).toBe(0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(cancels.n).toBe(1);
    expect(passkeys.n).toBe(1);
  });
});

describe('<till-payment-action> redirect', () => {
  it('says it is leaving for the bank', async () => {
    await mountAction({ type: 'redirect', url: 'https://bank.example.invalid/pay' });
    await expect.element(page.getByRole('status')).toHaveTextContent('Taking you to your bank…');
  });
});

import { css, html, LitElement, nothing } from 'lit';
import { expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { formatMoney } from '../../src/core/money/money';
import { drawQr } from '../../src/lazy/actions';
import { registerMessages, t } from '../i18n/messages';
import { define } from '../internal/define';
import { mount } from '../internal/harness';
import { actionMessages, createPaymentActionElement } from './payment-action';

registerMessages('en', actionMessages, true);
define('till-payment-action', createPaymentActionElement({ LitElement, html, css, nothing, t, formatMoney, drawQr }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('probe: countdown after re-attach', async () => {
  const el = await mount<LitElement & { action: unknown }>('till-payment-action', { action: { type: 'qr', payload: 'x', expiresAt: Math.floor(Date.now() / 1000) + 100 } } as never);
  const wrap = document.createElement('div');
  document.body.append(wrap);
  wrap.append(el);
  const a = el.shadowRoot!.querySelector('[data-testid="countdown"]')!.textContent;
  await sleep(2200);
  await el.updateComplete;
  const b = el.shadowRoot!.querySelector('[data-testid="countdown"]')!.textContent;
  console.log('PROBE reattach', a, b);
});

it('probe: escape twice', async () => {
  let n = 0;
  document.addEventListener('till-action-cancel', () => n++);
  const el = await mount<LitElement>('till-payment-action', { action: { type: 'challenge', url: 'https://a.invalid/x', origin: 'https://a.invalid' } } as never);
  const d = el.shadowRoot!.querySelector('dialog')!;
  await userEvent.keyboard('{Escape}');
  console.log('PROBE after 1', n, d.open);
  await userEvent.keyboard('{Escape}');
  console.log('PROBE after 2', n, d.open);
  await userEvent.keyboard('{Escape}');
  console.log('PROBE after 3', n, d.open);
  expect(1).toBe(1);
});

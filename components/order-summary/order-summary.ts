import { css, html, nothing } from 'lit';
import { TillElement } from '../internal/element';
import type { CartLine, Quote } from '../../src/protocol/index';
import { estimateIn, formatMoney } from '../../src/core/money/money';
import { t } from '../i18n/messages';
import { tokens } from '../internal/tokens';

/**
 * Cart lines and server-consistent totals. Amounts are integer minor units formatted with
 * Intl.NumberFormat in the shopper's locale.
 *
 * @summary Order lines, discounts, shipping and total.
 * @tagname till-order-summary
 * @csspart base - The summary section.
 * @csspart total - The total row.
 */
export class TillOrderSummary extends TillElement {
  static override styles = [
    tokens,
    css`
      :host { display: block; }
      h2 { font-size: 1rem; margin: 0 0 8px; }
      dl { display: grid; grid-template-columns: 1fr auto; gap: 4px 12px; margin: 0; }
      dt { color: var(--_muted); }
      dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
      .total dt, .total dd { color: var(--_text); font-weight: 700; font-size: 1.1rem; }
      .discount dd { color: var(--_success); }
      .group { display: contents; }
      .estimate { color: var(--_muted); font-size: 0.85rem; text-align: right; margin: 4px 0 0; }
    `,
  ];

  /** Reactive properties (static form: no decorator helpers in the script-tag bundle). */
  static override properties = {
    locale: {},
    lines: { attribute: false },
    quote: { attribute: false },
    display: { attribute: false },
  };

  locale = 'en';
  lines: readonly CartLine[] = [];
  quote?: Quote;
  /** Optional second currency with the merchant's rate; shown as an estimate only. */
  display?: { currency: string; rate: number };

  override render() {
    const q = this.quote;
    if (!q) return nothing;
    const fmt = (amount: number) => formatMoney({ amount, currency: q.currency }, this.locale);
    return html`<section part="base" aria-labelledby="summary-title">
      <h2 id="summary-title">${t(this.locale, 'orderSummary')}</h2>
      <dl>
        ${this.lines.map(
          (l) => html`<div class="group"><dt><bdi>${l.name}</bdi> <small>× ${l.quantity}</small></dt><dd>${fmt(l.unitPrice * l.quantity)}</dd></div>`,
        )}
        <div class="group"><dt>${t(this.locale, 'subtotal')}</dt><dd data-testid="subtotal">${fmt(q.subtotal)}</dd></div>
        ${q.discount > 0
          ? html`<div class="group discount"><dt>${t(this.locale, 'discount')}</dt><dd data-testid="discount">−${fmt(q.discount)}</dd></div>`
          : nothing}
        <div class="group"><dt>${t(this.locale, 'shipping')}</dt><dd>${fmt(q.shipping)}</dd></div>
        <div class="group total" part="total"><dt>${t(this.locale, 'total')}</dt><dd data-testid="total">${fmt(q.total)}</dd></div>
      </dl>
      ${this.display && this.display.currency !== q.currency
        ? html`<p class="estimate" data-testid="estimate">${t(this.locale, 'estimate', { amount: formatMoney(estimateIn(q.total, q.currency, this.display.currency, this.display.rate), this.locale) })}</p>`
        : nothing}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'till-order-summary': TillOrderSummary;
  }
}

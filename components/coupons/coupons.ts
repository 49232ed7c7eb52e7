import { css, html, nothing } from 'lit';
import { TillElement } from '../internal/element';
import type { Quote } from '../../src/protocol/index';
import { formatMoney } from '../../src/core/money/money';
import { t, type MessageKey } from '../i18n/messages';
import { tokens } from '../internal/tokens';

export interface CouponIntent {
  code: string;
}

/**
 * Applied discounts with their savings (each removable) and a field for a code, with the
 * reason when a code does not apply.
 *
 * @summary Coupons: what is applied, and a code field.
 * @tagname till-coupons
 * @fires till-coupon-apply - The shopper submitted a code; detail `{ code }`.
 * @fires till-coupon-remove - The shopper removed an applied code; detail `{ code }`.
 * @csspart base - The section.
 * @csspart coupon - Each applied coupon row.
 */
export class TillCoupons extends TillElement {
  static override styles = [
    tokens,
    css`
      :host { display: block; }
      h2 { font-size: 1rem; margin: 0 0 8px; }
      ul { list-style: none; margin: 0 0 8px; padding: 0; display: grid; gap: 6px; }
      li { display: flex; gap: 8px; align-items: center; }
      .code { font-weight: 600; }
      .saving { margin-left: auto; color: var(--_success); font-variant-numeric: tabular-nums; }
      form { display: flex; gap: 8px; }
      input { font: inherit; flex: 1; padding: 8px 10px; min-height: 24px; border: 1px solid var(--_border); border-radius: var(--_radius); }
      button { font: inherit; min-height: 36px; min-width: 36px; border-radius: var(--_radius); border: 1px solid var(--_primary); background: transparent; color: var(--_primary); cursor: pointer; }
      .note { font-size: 0.875rem; margin: 6px 0 0; min-height: 1.2em; }
      .note[data-ok] { color: var(--_success); }
      .note:not([data-ok]) { color: var(--_danger); }
    `,
  ];

  /** Reactive properties (static form: no decorator helpers in the script-tag bundle). */
  static override properties = {
    locale: {},
    quote: { attribute: false },
    labels: { attribute: false },
    result: { attribute: false },
    disabled: { type: Boolean },
  };

  locale = 'en';
  quote?: Quote;
  /** Labels of known coupons by code. */
  labels: Readonly<Record<string, string | undefined>> = {};
  /** Outcome of the last typed code. */
  result?: { code: string; applied: boolean; reason?: string };
  disabled = false;

  get #input(): HTMLInputElement {
    return this.renderRoot.querySelector<HTMLInputElement>('input')!;
  }

  #intent(type: 'apply' | 'remove', code: string) {
    this.dispatchEvent(new CustomEvent<CouponIntent>(`till-coupon-${type}`, { detail: { code }, bubbles: true, composed: true }));
  }

  #onSubmit(e: Event) {
    e.preventDefault();
    const code = this.#input.value.trim();
    if (code) this.#intent('apply', code);
  }

  /** The status region is always rendered (empty until needed) so screen readers announce changes. */
  #note() {
    const r = this.result;
    const text = !r ? '' : r.applied ? t(this.locale, 'codeApplied', { code: r.code }) : t(this.locale, `why.code.${r.reason ?? 'unknown_code'}` as MessageKey, { code: r.code });
    return html`<p class="note" role="status" ?data-ok=${!!r?.applied} data-reason=${r?.reason ?? ''}>${text}</p>`;
  }

  override render() {
    const q = this.quote;
    if (!q) return nothing;
    return html`<section part="base" aria-labelledby="coupons-title">
      <h2 id="coupons-title">${t(this.locale, 'coupons')}</h2>
      ${q.applied.length
        ? html`<ul>
            ${q.applied.map(
              (a) => html`<li part="coupon" data-code=${a.code}>
                <span class="code">${a.code}</span><span class="label"><bdi>${this.labels[a.code] ?? ''}</bdi></span>
                <span class="saving">−${formatMoney({ amount: a.amount, currency: q.currency }, this.locale)}</span>
                <button type="button" aria-label=${t(this.locale, 'remove', { code: a.code })} ?disabled=${this.disabled} @click=${() => this.#intent('remove', a.code)}>×</button>
              </li>`,
            )}
          </ul>`
        : nothing}
      <form @submit=${this.#onSubmit}>
        <input aria-label=${t(this.locale, 'couponCode')} placeholder=${t(this.locale, 'couponCode')} autocomplete="off" autocapitalize="characters" maxlength="64" ?disabled=${this.disabled} />
        <button type="submit" ?disabled=${this.disabled}>${t(this.locale, 'apply')}</button>
      </form>
      ${this.#note()}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'till-coupons': TillCoupons;
  }
  interface GlobalEventHandlersEventMap {
    'till-coupon-apply': CustomEvent<CouponIntent>;
    'till-coupon-remove': CustomEvent<CouponIntent>;
  }
}

import { css, html, nothing } from 'lit';
import { TillElement } from '../internal/element';
import type { PaymentMethod, SavedMethod } from '../../src/protocol/index';
import { brandInfo } from '../../src/core/card/index';
import { t } from '../i18n/messages';
import { tokens } from '../internal/tokens';

/** One entry of the list: a method, or a saved instrument of a method. */
export interface MethodOption {
  method: PaymentMethod;
  saved?: SavedMethod;
  /** Shopper-facing hint, e.g. why it is ranked first or what it saves. */
  hint?: string;
  /** Shown but not selectable (e.g. an expired saved card). */
  disabled?: boolean;
}

export function optionValue(o: MethodOption): string {
  return o.saved ? `saved:${o.saved.id}` : o.method.id;
}

export function optionLabel(o: MethodOption): string {
  if (!o.saved) return o.method.label;
  const brand = o.saved.brand ? brandInfo(o.saved.brand).label : o.method.label;
  return o.saved.last4 ? `${brand} •••• ${o.saved.last4}` : brand;
}

/**
 * Accessible radio list of payment methods, in the order given (the checkout ranks them).
 *
 * @summary Payment method chooser.
 * @tagname till-method-list
 * @fires change - When the shopper picks another method; read `value`.
 * @csspart base - The fieldset.
 * @csspart option - Each method row.
 */
export class TillMethodList extends TillElement {
  static override styles = [
    tokens,
    css`
      :host { display: block; }
      fieldset { border: 0; margin: 0; padding: 0; display: grid; gap: 8px; }
      legend { font-weight: 600; margin-bottom: 8px; padding: 0; }
      label { display: flex; gap: 10px; align-items: center; padding: 10px 12px; min-height: 24px; border: 1px solid var(--_border); border-radius: var(--_radius); cursor: pointer; }
      label:has(input:disabled) { opacity: 0.6; cursor: not-allowed; }
      label:has(input:checked) { border-color: var(--_primary); box-shadow: 0 0 0 1px var(--_primary); }
      .hint { margin-left: auto; font-size: 0.8rem; color: var(--_muted); }
    `,
  ];

  /** Reactive properties (static form: no decorator helpers in the script-tag bundle). */
  static override properties = {
    locale: {},
    options: { attribute: false },
    value: {},
    disabled: { type: Boolean, reflect: true },
  };

  locale = 'en';
  /** Options in display order. */
  options: readonly MethodOption[] = [];
  /** Selected option value (`method id` or `saved:<id>`). */
  value = '';
  disabled = false;

  #onChange(e: Event) {
    this.value = (e.target as HTMLInputElement).value;
    // Native meaning, native name: `change`, re-dispatched across the shadow boundary.
    this.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
  }

  override render() {
    return html`<fieldset part="base" ?disabled=${this.disabled}>
      <legend>${t(this.locale, 'paymentMethod')}</legend>
      ${this.options.map((o, i) => {
        const v = optionValue(o);
        // The hint is a description, not part of the radio's name ("Visa •••• 4242", not
        // "Visa •••• 4242 You used Visa last time"). Ids are scoped to this shadow root.
        return html`<label part="option" data-method=${o.method.id}>
          <input
            type="radio"
            name="method"
            .value=${v}
            .checked=${v === this.value}
            ?disabled=${o.disabled}
            aria-labelledby="n${i}"
            aria-describedby=${o.hint ? `h${i}` : nothing}
            @change=${this.#onChange}
          />
          <span id="n${i}"><bdi>${optionLabel(o)}</bdi></span>
          ${o.hint ? html`<span class="hint" id="h${i}">${o.hint}</span>` : nothing}
        </label>`;
      })}
    </fieldset>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'till-method-list': TillMethodList;
  }
}

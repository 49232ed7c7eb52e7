import { html, nothing } from 'lit';
import { TillElement } from '../internal/element';
import type { CardBrand, CardPlaintext } from '../../src/protocol/index';
import { brandInfo, detectBrand, formatCardNumber, parseExpiryInput, validateCardNumber, validateCvc, validateExpiry } from '../../src/core/card/index';
import { t, type MessageKey } from '../i18n/messages';
import { styles } from './card-form.styles';

type Field = 'number' | 'expiry' | 'cvc';

/**
 * Card entry with live brand detection, grouping and accessible inline validation.
 * The card number lives only in this element's inputs and is read once, at pay time.
 *
 * @summary Card number, expiry, security code and name fields.
 * @tagname till-card-form
 * @fires input - Re-dispatched from the inner fields (no card data in the event).
 * @csspart base - The fieldset.
 * @csspart input - Each text input.
 * @csspart error - Each inline error message.
 */
export class TillCardForm extends TillElement {
  static override styles = styles;

  /** Reactive properties (static form: no decorator helpers in the script-tag bundle). */
  static override properties = {
    locale: {},
    brands: { attribute: false },
    disabled: { type: Boolean, reflect: true },
    brand: { state: true },
    errors: { state: true },
    cvcDigits: { state: true },
  };

  /** Shopper locale for labels and messages. */
  locale = 'en';
  /** Brands the merchant accepts; others are reported as unsupported. Empty = all. */
  brands: readonly CardBrand[] = [];
  /** Disables every field, e.g. while paying. */
  disabled = false;

  private brand: CardBrand | undefined;
  private errors: Partial<Record<Field, MessageKey>> = {};
  private cvcDigits = 3;

  get #numberInput(): HTMLInputElement {
    return this.renderRoot.querySelector<HTMLInputElement>('#number')!;
  }
  get #expiryInput(): HTMLInputElement {
    return this.renderRoot.querySelector<HTMLInputElement>('#expiry')!;
  }
  get #cvcInput(): HTMLInputElement {
    return this.renderRoot.querySelector<HTMLInputElement>('#cvc')!;
  }
  get #nameInput(): HTMLInputElement {
    return this.renderRoot.querySelector<HTMLInputElement>('#name')!;
  }

  #now(): Date {
    return new Date();
  }

  #onNumberInput(e: Event) {
    const input = e.target as HTMLInputElement;
    const atEnd = input.selectionStart === input.value.length;
    const formatted = formatCardNumber(input.value);
    if (formatted !== input.value) {
      input.value = formatted;
      if (atEnd) input.setSelectionRange(formatted.length, formatted.length);
    }
    this.brand = detectBrand(formatted);
    this.cvcDigits = this.brand ? brandInfo(this.brand).cvcLength : 3;
    if (this.errors.number) this.#checkField('number');
  }

  #onExpiryInput(e: Event) {
    const input = e.target as HTMLInputElement;
    const digits = input.value.replace(/\D/g, '').slice(0, 4);
    // "1" → "1", "12" → "12 / ", "123" → "12 / 3"; a lone 2-9 means a single-digit month.
    const d = digits.length === 1 && digits > '1' ? '0' + digits : digits;
    const deleting = (e as InputEvent).inputType?.startsWith('delete');
    input.value = d.length >= 2 && !(deleting && d.length === 2) ? `${d.slice(0, 2)} / ${d.slice(2)}` : d;
    if (this.errors.expiry) this.#checkField('expiry');
  }

  #onCvcInput(e: Event) {
    const input = e.target as HTMLInputElement;
    input.value = input.value.replace(/\D/g, '').slice(0, 4);
    if (this.errors.cvc) this.#checkField('cvc');
  }

  #errorFor(field: Field): MessageKey | undefined {
    if (field === 'number') {
      const v = this.#numberInput.value;
      if (!v.trim()) return 'err.number.empty';
      const r = validateCardNumber(v);
      // At the brand's length a failed checksum is an error, even if more digits could still fix it.
      if (!r.valid) return r.reason === 'too_short' ? 'err.number.incomplete' : 'err.number.invalid';
      if (this.brands.length && (!r.brand || !this.brands.includes(r.brand))) return 'err.number.unsupported';
      return undefined;
    }
    if (field === 'expiry') {
      const raw = this.#expiryInput.value;
      if (!raw.trim()) return 'err.expiry.empty';
      const { month, year } = parseExpiryInput(raw);
      const r = validateExpiry(month, year, this.#now());
      if (r.valid) return undefined;
      return r.reason === 'expired' ? 'err.expiry.expired' : 'err.expiry.invalid';
    }
    return validateCvc(this.#cvcInput.value, this.cvcDigits).valid && this.#cvcInput.value.length === this.cvcDigits ? undefined : 'err.cvc.invalid';
  }

  #checkField(field: Field) {
    const err = this.#errorFor(field);
    this.errors = { ...this.errors, [field]: err };
  }

  #onBlur(field: Field, input: HTMLInputElement) {
    // Don't nag about an empty field the shopper merely tabbed through.
    if (input.value) this.#checkField(field);
  }

  /** Validates every field, shows messages, focuses the first invalid one. */
  validate(): boolean {
    const fields: Field[] = ['number', 'expiry', 'cvc'];
    const errors: Partial<Record<Field, MessageKey>> = {};
    for (const f of fields) {
      const e = this.#errorFor(f);
      if (e) errors[f] = e;
    }
    this.errors = errors;
    const first = fields.find((f) => errors[f]);
    if (first) this.#inputFor(first).focus();
    return !first;
  }

  #inputFor(field: Field): HTMLInputElement {
    return field === 'number' ? this.#numberInput : field === 'expiry' ? this.#expiryInput : this.#cvcInput;
  }

  /** The card as the tokenizer needs it, or undefined when invalid. Never stored by the caller. */
  readCard(): CardPlaintext | undefined {
    if (!this.validate()) return undefined;
    const number = validateCardNumber(this.#numberInput.value);
    const exp = validateExpiry(...Object.values(parseExpiryInput(this.#expiryInput.value)) as [string, string], this.#now());
    if (!number.valid || !exp.valid) return undefined;
    const name = this.#nameInput.value.trim();
    return { number: number.digits, expMonth: exp.month, expYear: exp.year, cvc: this.#cvcInput.value, ...(name ? { name: name.slice(0, 200) } : {}) };
  }

  /** After a failed attempt the form stays filled except the security code (PCI: never kept). */
  clearCvc(): void {
    this.#cvcInput.value = '';
  }

  #field(id: Field, label: MessageKey, input: unknown) {
    const err = this.errors[id];
    return html`<div class="field" ?data-invalid=${!!err}>
      <label for=${id}>${t(this.locale, label)}</label>
      ${input}
      <div id="${id}-error" class="error" part="error" role="alert">${err ? t(this.locale, err, { n: this.cvcDigits }) : nothing}</div>
    </div>`;
  }

  override render() {
    const brandLabel = this.brand ? brandInfo(this.brand).label : '';
    return html`<fieldset part="base" ?disabled=${this.disabled}>
      <legend>${t(this.locale, 'cardDetails')}</legend>
      ${this.#field(
        'number',
        'cardNumber',
        html`<div class="number-wrap">
          <input id="number" part="input" name="cardnumber" autocomplete="cc-number" inputmode="numeric" spellcheck="false"
            aria-invalid=${this.errors.number ? 'true' : 'false'} aria-describedby="number-error brand"
            @input=${this.#onNumberInput} @blur=${() => this.#onBlur('number', this.#numberInput)} />
          <span id="brand" class="brand" data-brand=${this.brand ?? ''} aria-live="polite">${brandLabel}</span>
        </div>`,
      )}
      <div class="row">
        ${this.#field(
          'expiry',
          'expiry',
          html`<input id="expiry" part="input" name="exp-date" autocomplete="cc-exp" inputmode="numeric" placeholder="MM / YY" maxlength="7"
            aria-invalid=${this.errors.expiry ? 'true' : 'false'} aria-describedby="expiry-error"
            @input=${this.#onExpiryInput} @blur=${() => this.#onBlur('expiry', this.#expiryInput)} />`,
        )}
        ${this.#field(
          'cvc',
          'cvc',
          html`<input id="cvc" part="input" name="cvc" autocomplete="cc-csc" inputmode="numeric" maxlength="4"
            aria-invalid=${this.errors.cvc ? 'true' : 'false'} aria-describedby="cvc-error"
            @input=${this.#onCvcInput} @blur=${() => this.#onBlur('cvc', this.#cvcInput)} />`,
        )}
      </div>
      <div class="field">
        <label for="name">${t(this.locale, 'nameOnCard')}</label>
        <input id="name" part="input" name="ccname" autocomplete="cc-name" maxlength="200" />
      </div>
    </fieldset>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'till-card-form': TillCardForm;
  }
}

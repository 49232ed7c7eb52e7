import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { createClient } from '../../src/core/client';
import { formatMoney } from '../../src/core/money/money';
import { jweProvider, TokenizationError, type TokenizationProvider } from '../../src/core/tokenize/provider';
import type { PaymentSource } from '../../src/protocol/index';
import { createCheckoutStore, type CheckoutEvent, type CheckoutState, type CheckoutStore } from '../../src/store/checkout-store';
import type { TillCardForm } from '../card-form/card-form';
import { hasMessage, t } from '../i18n/messages';
import { StoreController } from '../internal/store-controller';
import { optionLabel, optionValue, type MethodOption, type TillMethodList } from '../method-list/method-list';
import { styles } from './checkout.styles';

type EventDetail<T extends CheckoutEvent['type']> = Omit<Extract<CheckoutEvent, { type: T }>, 'type'>;

/**
 * One-click checkout: loads a session from the merchant backend, shows the cart and totals,
 * ranks payment methods, collects and encrypts card data in the browser, and pays.
 *
 * @summary The Till checkout widget.
 * @fires till-viewed - The session loaded and the widget is shown.
 * @fires till-method-selected - The shopper picked a method.
 * @fires till-payment-started - Pay was pressed and a request is on its way.
 * @fires till-payment-succeeded - The merchant backend confirmed the payment; detail has the order id.
 * @fires till-payment-failed - The payment failed; detail has a typed code and a shopper-safe message.
 * @fires till-action-required - The payment needs a challenge, QR scan, redirect or voucher.
 * @csspart base - The outer container.
 * @csspart pay-button - The pay button.
 * @csspart failure - The failure message.
 * @csspart success - The success panel.
 * @cssproperty --till-color-primary - Accent and pay button colour.
 */
export class TillCheckout extends LitElement {
  static override styles = styles;

  /** Base URL of the merchant's Till endpoints, e.g. `/api/till/v1`. */
  @property() endpoint = '';
  /** Id of the checkout session the merchant backend created. */
  @property({ attribute: 'session-id' }) sessionId = '';
  /** Shopper locale (BCP 47); defaults to the session's locale. */
  @property() locale = '';

  @query('till-card-form') private cardForm?: TillCardForm;

  // Until endpoint and session-id are set, an empty store that never loads.
  private store: CheckoutStore = createCheckoutStore({ client: createClient({ baseUrl: 'about:blank' }) });
  private readonly state = new StoreController<CheckoutState, CheckoutState>(this, this.store, (s) => s);

  /** The per-instance store, for headless control (agents, tests). */
  get checkout(): CheckoutStore {
    return this.store;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('endpoint') || changed.has('sessionId')) && this.endpoint && this.sessionId) {
      this.store = createCheckoutStore({
        client: createClient({ baseUrl: new URL(this.endpoint, document.baseURI).href }),
        onEvent: (e) => this.emit(e),
      });
      this.state.setStore(this.store);
      void this.store.getState().load(this.sessionId);
    }
  }

  private emit(e: CheckoutEvent): void {
    const { type, ...detail } = e;
    this.dispatchEvent(new CustomEvent(`till-${type}`, { detail, bubbles: true, composed: true }));
  }

  private get language(): string {
    return this.locale || this.state.value.session?.locale || navigator.language || 'en';
  }

  private options(): MethodOption[] {
    const session = this.state.value.session;
    if (!session) return [];
    const saved: MethodOption[] = session.savedMethods.flatMap((s) => {
      const method = session.methods.find((m) => m.id === s.method);
      return method ? [{ method, saved: s }] : [];
    });
    return [...saved, ...session.methods.map((method) => ({ method }))];
  }

  private onMethodChange(e: Event) {
    const value = (e.target as TillMethodList).value;
    const option = this.options().find((o) => optionValue(o) === value);
    if (option) this.store.getState().selectMethod(option.method.id, option.saved?.id);
  }

  private provider(): TokenizationProvider | undefined {
    const tk = this.state.value.session?.tokenization;
    return tk?.provider === 'jwe' ? jweProvider(tk.publicKey) : undefined;
  }

  private async onPay() {
    const s = this.store.getState();
    if (s.phase !== 'ready' || !s.session) return;
    const method = s.session.methods.find((m) => m.id === s.method);
    let source: () => Promise<PaymentSource>;
    if (method?.flow === 'card' && !s.savedMethodId) {
      const card = this.cardForm?.readCard();
      if (!card) return;
      const provider = this.provider();
      if (!provider) return;
      source = () => provider.tokenize(card).catch((e: unknown) => Promise.reject(e instanceof TokenizationError ? e : new TokenizationError('failed')));
    } else {
      source = async () => ({ type: 'none' });
    }
    await s.pay(source);
    if (this.store.getState().phase === 'ready') this.cardForm?.clearCvc();
  }

  private failureText(): string {
    const { failure, quote } = this.state.value;
    if (!failure) return '';
    const key = `fail.${failure.code}`;
    if (!hasMessage(key)) return failure.message;
    return t(this.language, key, quote ? { amount: formatMoney({ amount: quote.total, currency: quote.currency }, this.language) } : {});
  }

  override render() {
    const s = this.state.value;
    const lang = this.language;
    if (s.phase === 'idle' || s.phase === 'loading') {
      return html`<div part="base" class="base" aria-busy="true"><p class="muted">${t(lang, 'loading')}</p></div>`;
    }
    if (s.phase === 'unavailable' || !s.session || !s.quote) {
      return html`<div part="base" class="base">
        <p role="alert" part="failure" class="failure">${t(lang, 'unavailable')} ${s.failure?.message ?? ''}</p>
        <button class="secondary" @click=${() => void this.store.getState().load(this.sessionId)}>${t(lang, 'retry')}</button>
      </div>`;
    }
    const total = formatMoney({ amount: s.quote.total, currency: s.quote.currency }, lang);
    if (s.phase === 'succeeded' && s.result) {
      return html`<div part="base" class="base">
        <section part="success" class="success" role="status" tabindex="-1">
          <h2>${t(lang, 'succeeded')}</h2>
          <p>${t(lang, 'paidAmount', { amount: formatMoney(s.result.amount, lang) })}</p>
          <p data-testid="order-id">${t(lang, 'orderRef', { id: s.result.orderId })}</p>
        </section>
      </div>`;
    }
    const busy = s.phase === 'paying' || s.phase === 'action';
    const options = this.options();
    const selected = s.savedMethodId ? `saved:${s.savedMethodId}` : (s.method ?? '');
    const method = s.session.methods.find((m) => m.id === s.method);
    const selectedOption = options.find((o) => optionValue(o) === selected);
    const showCard = method?.flow === 'card' && !s.savedMethodId;
    return html`<div part="base" class="base">
      <till-order-summary .locale=${lang} .lines=${s.session.lines} .quote=${s.quote}></till-order-summary>
      <till-method-list .locale=${lang} .options=${options} .value=${selected} ?disabled=${busy} @change=${this.onMethodChange}></till-method-list>
      ${showCard ? html`<till-card-form .locale=${lang} .brands=${method?.brands ?? []} ?disabled=${busy}></till-card-form>` : nothing}
      ${s.failure ? html`<p role="alert" part="failure" class="failure" data-code=${s.failure.code}>${this.failureText()}</p>` : nothing}
      ${s.phase === 'action' ? html`<p role="status" class="muted">${t(lang, 'verifying')}</p>` : nothing}
      <button part="pay-button" class="pay" ?disabled=${busy} aria-busy=${busy ? 'true' : 'false'} @click=${this.onPay}>
        ${busy
          ? t(lang, 'paying')
          : s.savedMethodId && selectedOption
            ? t(lang, 'payAmountWith', { amount: total, method: optionLabel(selectedOption) })
            : t(lang, 'payAmount', { amount: total })}
      </button>
      ${showCard ? html`<p class="muted small">${t(lang, 'secure')}</p>` : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'till-checkout': TillCheckout;
  }
  interface GlobalEventHandlersEventMap {
    'till-viewed': CustomEvent<EventDetail<'viewed'>>;
    'till-method-selected': CustomEvent<EventDetail<'method-selected'>>;
    'till-coupons-changed': CustomEvent<EventDetail<'coupons-changed'>>;
    'till-payment-started': CustomEvent<EventDetail<'payment-started'>>;
    'till-payment-succeeded': CustomEvent<EventDetail<'payment-succeeded'>>;
    'till-payment-failed': CustomEvent<EventDetail<'payment-failed'>>;
    'till-action-required': CustomEvent<EventDetail<'action-required'>>;
  }
}

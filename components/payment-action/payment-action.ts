import type { css as cssTag, html as htmlTag, LitElement, nothing as nothingT, PropertyValues } from 'lit';
import type { Money, PaymentAction } from '../../src/protocol/index';
import type { ActionMessageKey, MessageKey, Messages } from '../i18n/messages';

/** English for the action screens; shipped in this chunk, registered when it loads. */
export const actionMessages: Record<ActionMessageKey, string> = {
  qrTitle: 'Scan to pay',
  qrAlt: 'QR code for this payment',
  expiresIn: 'Expires in {time}',
  waitingForPayment: 'Waiting for your payment…',
  copyCode: 'Copy code',
  copied: 'Copied',
  voucherTitle: 'Your payment slip',
  payBy: 'Pay by {date}',
  print: 'Print',
  passkeyPrompt: 'Confirm {amount} with your passkey',
  passkeyConfirm: 'Confirm with passkey',
  redirecting: 'Taking you to your bank…',
  challengeTitle: 'Verify your payment',
  cancel: 'Cancel',
};

/** Why a typed coupon code did not apply (shown only after the shopper types one). */
export const couponMessages: Partial<Messages> = {
  'why.code.unknown_code': '{code} is not a valid code.',
  'why.code.expired': '{code} has expired.',
  'why.code.not_started': '{code} is not active yet.',
  'why.code.min_subtotal_not_met': 'Your order does not reach the minimum for {code}.',
  'why.code.no_eligible_items': 'Nothing in your cart qualifies for {code}.',
  'why.code.method_not_eligible': '{code} only applies with another payment method.',
  'why.code.first_order_only': '{code} is for first orders only.',
  'why.code.does_not_combine': '{code} does not combine with the discounts already applied.',
  'why.code.no_saving': '{code} would not lower your total.',
  'why.code.not_best': 'A better combination of discounts is already applied.',
  'why.code.network': 'We could not check {code}. Try again.',
};


/** What the element borrows from the page's copy of Till, so its on-demand chunk carries no second lit. */
export interface ActionKit {
  LitElement: typeof LitElement;
  html: typeof htmlTag;
  css: typeof cssTag;
  nothing: typeof nothingT;
  t: (locale: string, key: MessageKey, params?: Record<string, string | number>) => string;
  formatMoney: (m: Money, locale: string) => string;
  drawQr: (payload: string, canvas: HTMLCanvasElement) => void;
}

export interface TillPaymentActionElement extends HTMLElement {
  action?: PaymentAction;
  amount?: Money;
  locale: string;
}

/**
 * Builds `<till-payment-action>`: the screens a payment shows while it waits for the shopper —
 * a wallet QR code with countdown and copy button, a printable voucher, a passkey prompt, or the
 * issuer's challenge page in a modal frame.
 *
 * @summary Pending-payment screens (QR, voucher, passkey, challenge).
 * @fires till-action-cancel - The shopper cancelled the pending payment.
 * @fires till-action-passkey - The shopper asked to confirm with their passkey.
 * @csspart qr - The QR code canvas.
 * @csspart reference - The voucher reference.
 */
export function createPaymentActionElement(kit: ActionKit): CustomElementConstructor {
  const { html, css, nothing, t, formatMoney, drawQr } = kit;

  class TillPaymentAction extends kit.LitElement implements TillPaymentActionElement {
    static override properties = {
      action: { attribute: false },
      amount: { attribute: false },
      locale: {},
      remaining: { state: true },
      copied: { state: true },
    };

    static override styles = css`
      :host { display: block; }
      .box { display: grid; gap: 10px; justify-items: center; text-align: center; }
      canvas { width: 220px; height: 220px; image-rendering: pixelated; background: #fff; }
      .ref { font-family: ui-monospace, monospace; font-size: 1.1rem; letter-spacing: 0.05em; word-break: break-all; }
      .muted { color: var(--till-color-muted, #4b5563); margin: 0; }
      button { font: inherit; min-height: 40px; padding: 8px 14px; border-radius: var(--till-radius, 8px); cursor: pointer;
        border: 1px solid var(--till-color-primary, #1d4ed8); background: transparent; color: var(--till-color-primary, #1d4ed8); }
      button.primary { background: var(--till-color-primary, #1d4ed8); color: var(--till-color-on-primary, #fff); }
      dialog { border: 0; border-radius: var(--till-radius, 8px); padding: 16px; width: min(420px, 92vw); }
      dialog::backdrop { background: rgb(0 0 0 / 0.45); }
      dialog h2 { margin: 0 0 8px; font-size: 1.1rem; }
      iframe { border: 0; width: 100%; height: 360px; }
      @media print { button { display: none; } }
    `;

    declare action?: PaymentAction;
    declare amount?: Money;
    declare locale: string;
    declare private remaining: number;
    declare private copied: boolean;
    private timer?: ReturnType<typeof setInterval>;

    constructor() {
      super();
      this.locale = 'en';
      this.remaining = 0;
      this.copied = false;
    }

    override connectedCallback(): void {
      super.connectedCallback();
      this.startCountdown(); // also after the element was moved in the DOM
    }

    override disconnectedCallback(): void {
      super.disconnectedCallback();
      clearInterval(this.timer);
    }

    private startCountdown() {
      clearInterval(this.timer);
      const a = this.action;
      if (a?.type !== 'qr') return;
      const tick = () => {
        this.remaining = Math.max(0, a.expiresAt - Math.floor(Date.now() / 1000));
        if (!this.remaining) clearInterval(this.timer);
      };
      tick();
      if (this.remaining) this.timer = setInterval(tick, 1000);
    }

    protected override willUpdate(changed: PropertyValues): void {
      if (changed.has('action')) this.startCountdown();
    }

    protected override updated(changed: PropertyValues): void {
      const canvas = this.renderRoot.querySelector('canvas');
      if (changed.has('action') && canvas && this.action?.type === 'qr') drawQr(this.action.payload, canvas);
      // The challenge is a native modal dialog: focus stays inside, the page behind is inert, and
      // Escape cancels the payment.
      const dialog = this.renderRoot.querySelector('dialog');
      if (changed.has('action') && dialog && !dialog.open) dialog.showModal();
    }

    private emit(name: 'cancel' | 'passkey') {
      this.dispatchEvent(new Event(`till-action-${name}`, { bubbles: true, composed: true }));
    }

    private async copy(text: string) {
      try {
        await navigator.clipboard.writeText(text);
        this.copied = true;
      } catch {
        this.copied = false;
      }
    }

    private cancelButton() {
      return html`<button type="button" @click=${() => this.emit('cancel')}>${t(this.locale, 'cancel')}</button>`;
    }

    override render() {
      const a = this.action;
      const lang = this.locale;
      const amount = this.amount ? formatMoney(this.amount, lang) : '';
      if (!a) return nothing;
      switch (a.type) {
        case 'qr': {
          const mm = Math.floor(this.remaining / 60);
          const ss = String(this.remaining % 60).padStart(2, '0');
          return html`<div class="box" role="group" aria-label=${t(lang, 'qrTitle')}>
            <p><strong>${t(lang, 'qrTitle')}</strong> · ${amount}</p>
            <canvas part="qr" role="img" aria-label=${t(lang, 'qrAlt')}></canvas>
            <p class="muted" data-testid="countdown">${t(lang, 'expiresIn', { time: `${mm}:${ss}` })}</p>
            <p class="muted" role="status">${t(lang, 'waitingForPayment')}</p>
            <button type="button" class="primary" @click=${() => void this.copy(a.payload)}>${this.copied ? t(lang, 'copied') : t(lang, 'copyCode')}</button>
            ${this.cancelButton()}
          </div>`;
        }
        case 'voucher': {
          const expires = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(a.expiresAt * 1000);
          return html`<div class="box" role="group" aria-label=${t(lang, 'voucherTitle')}>
            <p><strong>${t(lang, 'voucherTitle')}</strong></p>
            <p class="ref" part="reference" data-testid="voucher-reference">${a.reference}</p>
            <p>${amount}</p>
            <p class="muted">${t(lang, 'payBy', { date: expires })}</p>
            ${a.instructions ? html`<p class="muted">${a.instructions}</p>` : nothing}
            <p class="muted" role="status">${t(lang, 'waitingForPayment')}</p>
            <button type="button" class="primary" @click=${() => print()}>${t(lang, 'print')}</button>
            ${this.cancelButton()}
          </div>`;
        }
        case 'passkey':
          return html`<div class="box">
            <p>${t(lang, 'passkeyPrompt', { amount })}</p>
            <button type="button" class="primary" @click=${() => this.emit('passkey')}>${t(lang, 'passkeyConfirm')}</button>
            ${this.cancelButton()}
          </div>`;
        case 'challenge':
          return html`<dialog part="challenge" aria-labelledby="challenge-title"
            @cancel=${(e: Event) => {
              e.preventDefault();
              this.emit('cancel');
            }}
            @close=${(e: Event) => {
              // Chrome closes a modal on a second Escape even though \`cancel\` was prevented (no user
              // activation in between). The payment is still pending until the widget replaces this
              // screen, so the dialog comes back: the page behind must stay inert.
              const d = e.currentTarget as HTMLDialogElement;
              if (this.isConnected && d.isConnected && this.action?.type === 'challenge') d.showModal();
            }}>
            <h2 id="challenge-title" tabindex="-1" autofocus>${t(lang, 'challengeTitle')}</h2>
            <iframe title=${t(lang, 'challengeTitle')} src=${a.url} sandbox="allow-scripts allow-forms allow-same-origin"></iframe>
            ${this.cancelButton()}
          </dialog>`;
        case 'redirect':
          return html`<div class="box"><p class="muted" role="status">${t(lang, 'redirecting')}</p>${this.cancelButton()}</div>`;
      }
    }
  }
  return TillPaymentAction;
}

import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { TillElement } from '../internal/element';
import { createClient } from '../../src/core/client';
import { formatMoney, installmentPlan, toDecimalString } from '../../src/core/money/money';
import { jweProvider, type TokenizationProvider } from '../../src/core/tokenize/provider';
import type { PaymentSource } from '../../src/protocol/index';
import { createCheckoutStore, isExpired, type CheckoutEvent, type CheckoutState, type CheckoutStore } from '../../src/store/checkout-store';
import { createPreferenceCache } from '../../src/store/preference-cache';
import { sessionAttemptLog } from '../../src/store/attempt-log';
import { unavailableWallets } from '../../src/core/wallets';
import { warmNumberFormat } from '../../src/core/tasks';
import type { RankedMethod } from '../../src/core/ranking/index';
import type { TillCardForm } from '../card-form/card-form';
import { catalogFor, hasMessage, registerMessages, t, type MessageKey } from '../i18n/messages';
import { define } from '../internal/define';
import { loadModule } from '../../src/core/lazy';
import { StoreController } from '../internal/store-controller';
import { optionLabel, optionValue, type MethodOption, type TillMethodList } from '../method-list/method-list';
import { styles } from './checkout.styles';

/** What an element draws before it has a store: only `phase` is read in that state. */
const IDLE = { phase: 'idle', ranked: [] } as unknown as CheckoutState;

type EventDetail<T extends CheckoutEvent['type']> = Omit<Extract<CheckoutEvent, { type: T }>, 'type'>;

/**
 * One-click checkout: loads a session from the merchant backend, shows the cart and totals,
 * ranks payment methods, collects and encrypts card data in the browser, and pays.
 *
 * @summary The Till checkout widget.
 * @tagname till-checkout
 * @fires till-viewed - The session loaded and the widget is shown.
 * @fires till-method-selected - The shopper picked a method.
 * @fires till-payment-started - Pay was pressed and a request is on its way.
 * @fires till-payment-succeeded - The merchant backend confirmed the payment; detail has the order id.
 * @fires till-payment-failed - The payment failed; detail has a typed code and a shopper-safe message.
 * @fires till-action-required - The payment needs a challenge, QR scan, redirect or voucher.
 * @fires till-coupons-changed - Coupons were applied or removed; detail has the codes and total.
 * @fires till-abandoned - The shopper left (pagehide); detail `stage` is viewed, failed or pending.
 * @csspart base - The outer container.
 * @csspart pay-button - The pay button.
 * @csspart failure - The failure message.
 * @csspart success - The success panel.
 * @csspart other-methods - The "Other ways to pay" button of the one-click layout.
 * @csspart recovery - The "Pay with … instead" button after a decline.
 * @csspart passkey-offer - The passkey enrolment button on the success panel.
 * @csspart stripe-card - The frame around the slotted Stripe card element.
 * @slot till-stripe-card - Where Stripe Elements mount (light DOM; filled by Till itself).
 * @cssproperty --till-color-primary - Accent and pay button colour.
 * @cssproperty --till-reserve-height - Height held for the widget until the shopper first touches the page (default: from `lines` and `methods`).
 */
export class TillCheckout extends TillElement {
  static override styles = styles;

  /** Reactive properties (static form: no decorator helpers in the script-tag bundle). */
  static override properties = {
    endpoint: {},
    sessionId: { attribute: 'session-id' },
    clientSecret: { attribute: 'client-secret' },
    locale: {},
    personalization: { reflect: true },
    autoCoupons: { attribute: 'auto-coupons', reflect: true },
    walletOrigins: { attribute: 'wallet-origins' },
    lines: { type: Number },
    methods: { type: Number },
    showAll: { state: true },
    partsDrawn: { state: true },
    actionsReady: { state: true },
    passkeyState: { state: true },
  };

  /** Base URL of the merchant's Till endpoints, e.g. `/api/till/v1`. */
  endpoint = '';
  /** Id of the checkout session the merchant backend created. */
  sessionId = '';
  /**
   * The session's client secret, from the merchant's `POST /sessions` reply: every call on the
   * session carries it (header `Till-Client-Secret`); the session id alone grants nothing.
   */
  clientSecret = '';
  /** Shopper locale (BCP 47); defaults to the session's locale. */
  locale = '';
  /** `off` disables the on-device preference model: methods follow the merchant's priors only. */
  personalization: 'on' | 'off' = 'on';
  /** `off` turns automatic coupons off (the control arm of a coupon A/B test); codes can still be typed. */
  autoCoupons: 'on' | 'off' = 'on';
  /**
   * Space-separated origins of URL-based wallets (e.g. `https://google.com`) that this page's
   * Content-Security-Policy lets the browser reach (`connect-src`); read when the session loads.
   * Other such wallets are not offered, and the browser is never made to contact them.
   */
  walletOrigins = '';

  /**
   * Size hint for the space reserved before the session arrives: how many cart lines and payment
   * methods the page expects (it created the session, so it knows). The widget holds that height
   * (or `--till-reserve-height`) until the shopper first touches the page (a pointer or key), so
   * nothing around it moves while it loads; a shift right after input is the shopper's own.
   */
  lines = 2;
  /** See `lines`. */
  methods = 3;

  /**
   * The parts (summary, coupons, methods, card form) draw in tasks of their own: until all have,
   * the checkout is busy and unseen, so no part moves another on screen.
   */
  private partsDrawn = false;

  /** The shopper asked to see every method instead of the one-click button. */
  private showAll = false;
  /** `<till-payment-action>` arrives in an on-demand chunk; set once it is defined. */
  private actionsReady = false;
  private passkeyState: 'idle' | 'saving' | 'saved' | 'unavailable' = 'idle';

  get #cardForm(): TillCardForm | undefined {
    return this.renderRoot.querySelector<TillCardForm>('till-card-form') ?? undefined;
  }

  #own?: CheckoutStore;
  // Nothing is built before it is needed: until endpoint and session-id are set, the widget draws
  // its idle state, and only a caller of `checkout` gets an empty store that never loads.
  readonly #state = new StoreController<CheckoutState, CheckoutState>(this, undefined, (s) => s, IDLE);

  get #store(): CheckoutStore {
    if (!this.#own) {
      this.#own = createCheckoutStore({ client: createClient({ baseUrl: 'about:blank' }) });
      this.#state.setStore(this.#own);
    }
    return this.#own;
  }

  /** The per-instance store, for headless control (agents, tests). */
  get checkout(): CheckoutStore {
    return this.#store;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('lines') || changed.has('methods')) this.#reserveSpace();
    const target = changed.has('endpoint') || changed.has('sessionId') || changed.has('clientSecret');
    const arm = changed.has('personalization') || changed.has('autoCoupons');
    // An A/B switch set late starts the checkout afresh in its arm — but never under a payment
    // that is underway (it would be orphaned): then it applies from the next session.
    const st = this.#own?.getState();
    // (also after success: a fresh store would offer Pay again for a session already paid)
    const busy = !!st && (st.checking || st.phase === 'paying' || st.phase === 'action' || st.phase === 'succeeded');
    if ((target || (arm && !busy)) && this.endpoint && this.sessionId) {
      this.showAll = false;
      this.#own = createCheckoutStore({
        client: createClient({ baseUrl: new URL(this.endpoint, document.baseURI).href, clientSecret: this.clientSecret }),
        onEvent: (e) => this.#emit(e),
        device: matchMedia('(pointer: coarse)').matches ? 'mobile' : 'desktop',
        attempts: sessionAttemptLog(),
        // A wallet is offered only where this browser can actually pay with it.
        unavailableMethods: (session) => unavailableWallets(session.methods, session.currency, this.walletOrigins.split(/\s+/)),
        autoCoupons: this.autoCoupons !== 'off',
        ...(this.personalization === 'off'
          ? {}
          : { preferences: (merchantId: string) => createPreferenceCache({ merchantKey: `${location.origin}|${merchantId}` }) }),
      });
      this.#state.setStore(this.#own);
      void this.#own.getState().load(this.sessionId);
      // While the session is on its way: the first price would otherwise pay for ICU's data.
      void warmNumberFormat(this.#language);
    }
  }

  /** Until the shopper's first touch, the reserved space holds (see `lines`). */
  readonly #release = () => {
    this.toggleAttribute('reserving', false);
    for (const type of ['pointerdown', 'keydown']) removeEventListener(type, this.#release, true);
  };

  /**
   * The reserved height in px: summary header and totals plus its lines, two coupon rows, the
   * method rows, the card form, the Pay button and its note, with the gaps between (an upper
   * bound of the widget's own styles at its default font size).
   */
  #reserve(): number {
    const n = (v: unknown, d: number) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 50 ? (v as number) : d);
    return 120 + 23 * n(this.lines, 2) + 240 + 20 + 54 * n(this.methods, 3) + 276 + 44 + 30 + 5 * 20 + 32;
  }

  /** CSSOM, not a style attribute: pages whose CSP has no 'unsafe-inline' for styles allow it. */
  #reserveSpace() {
    this.style.setProperty('--_reserve', `${this.#reserve()}px`);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.hasUpdated) {
      // Held from the first frame the element is defined in, before it has drawn anything.
      this.#reserveSpace();
      this.toggleAttribute('reserving', true);
      for (const type of ['pointerdown', 'keydown']) addEventListener(type, this.#release, true);
    }
    addEventListener('pagehide', this.#onPageHide);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('pagehide', this.#onPageHide);
    this.#release();
    this.#stopWatch?.();
    this.#stopWatch = undefined;
    void this.#stripeCard?.then((c) => c.destroy(), () => undefined);
    void this.#tools?.then((c) => c?.abort(), () => undefined);
    this.#tools = undefined;
    this.#stripeCard = undefined;
  }

  // Leaving for the bank is not abandoning: the payment resumes on return.
  readonly #onPageHide = () => {
    const s = this.#own?.getState();
    if (s && this.#redirectedFor !== s.action?.paymentId) s.abandon();
  };

  /** The WebMCP tools registered for this checkout (aborting removes them). */
  #tools?: Promise<AbortController | undefined>;

  /** Stops following a pending payment (set while one is pending; see watchPending). */
  #stopWatch?: () => void;

  #waitParts() {
    const parts = [...this.renderRoot.querySelectorAll<HTMLElement>('till-order-summary, till-coupons, till-method-list, till-card-form')];
    void Promise.all(
      parts.map(async (el) => {
        await customElements.whenDefined(el.localName);
        await (el as HTMLElement & { updateComplete?: Promise<unknown> }).updateComplete;
      }),
    ).then(() => (this.partsDrawn = true));
  }

  protected override updated(): void {
    if (!this.#own) return; // nothing configured yet
    const s = this.#own.getState();
    if (!this.partsDrawn && s.session && s.quote && !this.#partsWaited) {
      this.#partsWaited = true;
      this.#waitParts();
    }
    // Texts for typed-code results and action screens arrive with the on-demand chunk.
    if (s.codeResult && !this.actionsReady) void this.#loadActions();
    if (s.phase === 'action' && s.action) {
      const { paymentId, action } = s.action;
      if (action.type === 'redirect') {
        // Leave for the bank once per payment, and never for one resumed after coming back.
        if (this.#redirectedFor !== paymentId) {
          this.#redirectedFor = paymentId;
          void loadModule('actions').then((m) => m.startRedirect(this.sessionId, paymentId, s.method, action.url));
        }
      }
      if (!this.actionsReady) void this.#loadActions();
    }
    this.#ensureCatalog();
    // A session already paid when it loads (a bank that settled before the shopper came back)
    // still clears the page's own resume marker.
    if ((s.phase === 'ready' || s.phase === 'succeeded') && !this.#resumeChecked) {
      this.#checkResume();
      // The sheet must open within the click's user activation: have its code ready beforehand.
      if (s.phase === 'ready' && s.session?.methods.some((m) => m.flow === 'wallet')) void this.#loadActions();
    }
    // An in-page agent (WebMCP) gets the widget's own actions as tools, where the page has the API.
    if (s.session && !this.#tools && ('modelContext' in document || 'modelContext' in navigator)) this.#tools = loadModule('webmcp').then((m) => m.registerCheckoutTools(this));
    const tk = s.session?.tokenization;
    if (tk?.provider === 'stripe' && this.renderRoot.querySelector('slot[name="till-stripe-card"]')) this.#mountStripe(tk.publishableKey);
    if (s.phase === 'action' && !this.#stopWatch) {
      this.#stopWatch = () => undefined;
      void loadModule('actions').then((m) => {
        if (this.#store.getState().phase === 'action') this.#stopWatch = m.watchPending(this.#store, this.sessionId);
        else this.#stopWatch = undefined;
      });
    } else if (s.phase !== 'action' && this.#stopWatch) {
      this.#stopWatch();
      this.#stopWatch = undefined;
    }
  }

  #partsWaited = false;

  /** A shopper about to type a code: the coupon engine is fetched now, not after Enter. */
  readonly #prefetchPricing = () => void loadModule('pricing').catch(() => undefined);
  #actionsLoading?: Promise<void>;

  #loadActions(): Promise<void> {
    return (this.#actionsLoading ??= this.#defineActions());
  }

  async #defineActions() {
    const mod = await loadModule('actions');
    // English defaults only: a locale registered by the merchant keeps its own texts.
    registerMessages('en', { ...mod.actionMessages, ...mod.couponMessages }, true);
    define('till-payment-action', mod.createPaymentActionElement({ LitElement, html, css, nothing, t, formatMoney, drawQr: mod.drawQr }));
    this.actionsReady = true;
  }

  /** The payment this page already sent to (or came back from) the bank. */
  #redirectedFor?: string;
  #resumeChecked = false;

  #catalogTag?: string;

  /** Loads the shopper's language on demand, then re-renders every part with it. */
  #ensureCatalog() {
    const tag = this.#state.value.session ? catalogFor(this.#language) : undefined;
    if (!tag || tag === this.#catalogTag) return;
    this.#catalogTag = tag;
    loadModule('locale', tag).then(
      (m) => {
        registerMessages(tag, m.default);
        // e.g. zh-HK reads the zh-TW catalog: make it findable under the shopper's own tag too.
        if (this.#language !== tag) registerMessages(this.#language, m.default, true);
        this.requestUpdate();
        for (const el of this.renderRoot.querySelectorAll<LitElement>('*')) el.requestUpdate?.();
      },
      () => undefined, // English stays; formatting is already in the shopper's locale
    );
  }

  #checkResume() {
    this.#resumeChecked = true;
    let pending: string | null = null;
    try {
      pending = sessionStorage.getItem('till:pending');
    } catch {
      // blocked storage: nothing to resume
    }
    // A bank return (possibly into a new tab) or a payment this tab left pending.
    if (!pending?.includes(this.sessionId) && !location.search.includes('till_payment=')) return;
    void loadModule('actions').then((m) => {
      const r = m.takeResume(this.sessionId);
      if (!r) return;
      this.#redirectedFor = r.paymentId;
      void this.#store.getState().resume(r.paymentId, r.method);
    });
  }

  async #onPasskey() {
    const pending = this.#store.getState().action?.action;
    if (pending?.type !== 'passkey') return;
    try {
      const { passkeyAssert } = await loadModule('actions');
      await this.#store.getState().completePasskey(await passkeyAssert(pending.options));
    } catch {
      // The shopper dismissed the prompt (NotAllowedError) or has no passkey here: cancel cleanly.
      await this.#store.getState().cancelAction();
    }
  }

  async #onEnrollPasskey() {
    this.passkeyState = 'saving';
    const { passkeyCreate } = await loadModule('actions');
    const ok = await this.#store.getState().enrollPasskey(passkeyCreate);
    this.passkeyState = ok ? 'saved' : 'unavailable';
  }

  /** After a decline, the next-best method from the ranking, if any. */
  #nextBest(): string | undefined {
    const { ranked, method, failure } = this.#state.value;
    if (!failure || !['card_declined', 'insufficient_funds', 'expired_card', 'challenge_failed'].includes(failure.code)) return undefined;
    return ranked.find((r) => r.method !== method)?.method;
  }

  /** Erases what this browser learned about the shopper for this merchant. */
  forgetPreferences(): Promise<void> {
    this.showAll = false;
    return this.#store.getState().forgetPreferences();
  }

  #emit(e: CheckoutEvent): void {
    const { type, ...detail } = e;
    this.dispatchEvent(new CustomEvent(`till-${type}`, { detail, bubbles: true, composed: true }));
  }

  get #language(): string {
    return this.locale || this.#state.value.session?.locale || navigator.language || 'en';
  }

  /** Methods in ranked order, each preceded by its usable saved instruments. */
  #options(): MethodOption[] {
    const { session, ranked } = this.#state.value;
    if (!session) return [];
    const order = ranked.length ? ranked.map((r) => r.method) : session.methods.map((m) => m.id);
    const nowS = Date.now() / 1000;
    return order.flatMap((id, i) => {
      const method = session.methods.find((m) => m.id === id);
      if (!method) return [];
      const saved = session.savedMethods
        .filter((sm) => sm.method === id)
        .map((sm) => (isExpired(sm, nowS) ? { method, saved: sm, disabled: true, hint: t(this.#language, 'expired') } : { method, saved: sm, hint: t(this.#language, 'why.saved_method') }));
      const hint = this.#reasonText(ranked[i]);
      return [...saved, { method, ...(hint ? { hint } : {}) }];
    });
  }

  /** The shopper-facing reason for a ranked method ("You used PIX the last 3 times", "Save R$ 16,40"). */
  #reasonText(r: RankedMethod | undefined): string {
    const { session, ranked } = this.#state.value;
    if (!r || !session) return '';
    const reason = r.reason as { code: string; method?: string; n?: number; amount?: number; currency?: string; context?: string };
    // "Popular here" only helps on the first method.
    if (reason.code === 'popular_in_region' && r !== ranked[0]) return '';
    // usual_for names its context: why.usual_bills, why.usual_in_person, why.usual_online, why.usual_category.
    const key = `why.${reason.context ? 'usual_' + reason.context : reason.code === 'used_last_n' && reason.n === 1 ? 'used_last_1' : reason.code}` as MessageKey;
    if (!hasMessage(this.#language, key)) return '';
    const label = session.methods.find((m) => m.id === reason.method)?.label ?? reason.method ?? '';
    const amount = reason.amount === undefined ? '' : formatMoney({ amount: reason.amount, currency: reason.currency ?? session.currency }, this.#language);
    return t(this.#language, key, { method: label, n: reason.n ?? 0, amount });
  }

  /**
   * Adaptive layout: a returning shopper whose top-ranked method has a saved, unexpired
   * instrument and a confident score sees one button; everyone else sees the full list.
   */
  #oneClickOption(options: MethodOption[]): MethodOption | undefined {
    const { ranked, savedMethodId, prefs } = this.#state.value;
    const top = ranked[0];
    if (this.showAll || !top || !savedMethodId || top.score < 0.5 || Object.keys(prefs.methods).length === 0) return undefined;
    return options.find((o) => o.saved?.id === savedMethodId && !o.disabled && o.method.id === top.method);
  }

  #onMethodChange(e: Event) {
    const value = (e.target as TillMethodList).value;
    const option = this.#options().find((o) => optionValue(o) === value);
    if (option) this.#store.getState().selectMethod(option.method.id, option.saved?.id);
  }

  #provider(): TokenizationProvider | undefined {
    const tk = this.#state.value.session?.tokenization;
    return tk?.provider === 'jwe' ? jweProvider(tk.publicKey) : undefined;
  }

  /** Stripe Elements, mounted once into a light-DOM child that the shadow root slots in. */
  #stripeCard?: Promise<import('../../src/lazy/stripe').StripeCard>;

  #mountStripe(publishableKey: string) {
    if (this.#stripeCard) return;
    this.#stripeCard = loadModule('stripe').then((m) => m.mountStripeCard(publishableKey, this, this.#language));
    this.#stripeCard.catch(() => undefined);
  }

  #walletDone?: (ok: boolean) => Promise<void>;

  async #onPay() {
    const s = this.#store.getState();
    if (s.phase !== 'ready' || !s.session) return;
    // An earlier payment's outcome is unknown: Pay asks about it (the card form may be empty
    // after a reload, and nothing new is paid until the answer is in).
    if (s.checking) return void this.#store.getState().recheck();
    const method = s.session.methods.find((m) => m.id === s.method);
    let source: () => Promise<PaymentSource>;
    const tk = s.session.tokenization;
    if (method?.flow === 'card' && !s.savedMethodId && tk.provider === 'stripe') {
      const pending = this.#stripeCard;
      if (!pending) return;
      source = async () => (await pending).tokenize();
    } else if (method?.flow === 'wallet' && method.paymentRequest) {
      const request = method.paymentRequest;
      const total = { currency: s.session.currency, value: toDecimalString(s.quote!.total, s.session.currency) };
      // The sheet opens inside `pay`, after its double-click guard, so one click shows one sheet.
      source = async () => {
        const { walletPay } = await loadModule('actions');
        const r = await walletPay(request, total, s.session!.merchantId);
        this.#walletDone = r.complete;
        return { type: 'wallet', token: r.token };
      };
    } else if (method?.flow === 'card' && !s.savedMethodId) {
      const card = this.#cardForm?.readCard();
      if (!card) return;
      const provider = this.#provider();
      if (!provider) return;
      source = () => provider.tokenize(card);
    } else {
      source = async () => ({ type: 'none' });
    }
    await s.pay(source);
    void this.#walletDone?.(this.#store.getState().phase !== 'ready');
    this.#walletDone = undefined;
    if (this.#store.getState().phase === 'ready') this.#cardForm?.clearCvc();
  }

  #failureText(): string {
    const { failure, quote } = this.#state.value;
    if (!failure) return '';
    const key = `fail.${failure.code}` as const;
    if (!hasMessage(this.#language, key)) return failure.message;
    return t(this.#language, key, quote ? { amount: formatMoney({ amount: quote.total, currency: quote.currency }, this.#language) } : {});
  }

  override render() {
    const s = this.#state.value;
    const lang = this.#language;
    if (s.phase === 'idle' || s.phase === 'loading') {
      return html`<div part="base" class="base" aria-busy="true"><p class="muted">${t(lang, 'loading')}</p></div>`;
    }
    if (s.phase === 'unavailable' || !s.session || !s.quote) {
      return html`<div part="base" class="base">
        <p role="alert" part="failure" class="failure">${t(lang, 'unavailable')} ${s.failure?.message ?? ''}</p>
        <button class="secondary" @click=${() => void this.#store.getState().load(this.sessionId)}>${t(lang, 'retry')}</button>
      </div>`;
    }
    const total = formatMoney({ amount: s.quote.total, currency: s.quote.currency }, lang);
    if (s.phase === 'succeeded' && s.result) {
      return html`<div part="base" class="base">
        <section part="success" class="success" role="status" tabindex="-1">
          <h2>${t(lang, 'succeeded')}</h2>
          <p>${t(lang, 'paidAmount', { amount: formatMoney(s.result.amount, lang) })}</p>
          <p data-testid="order-id">${t(lang, 'orderRef', { id: s.result.orderId })}</p>
          ${s.session.signedIn && 'PublicKeyCredential' in window && this.passkeyState !== 'unavailable'
            ? this.passkeyState === 'saved'
              ? html`<p role="status">${t(lang, 'passkeySaved')}</p>`
              : html`<button class="secondary" part="passkey-offer" ?disabled=${this.passkeyState === 'saving'} @click=${this.#onEnrollPasskey}>${t(lang, 'passkeyOffer')}</button>`
            : nothing}
        </section>
      </div>`;
    }
    const busy = s.phase === 'paying' || s.phase === 'action';
    // While a lost payment is being checked, what is paid may not change.
    const locked = busy || s.checking;
    const options = this.#options();
    const selected = s.savedMethodId ? `saved:${s.savedMethodId}` : (s.method ?? '');
    const method = s.session.methods.find((m) => m.id === s.method);
    const selectedOption = options.find((o) => optionValue(o) === selected);
    const oneClick = this.#oneClickOption(options);
    const showCard = !oneClick && method?.flow === 'card' && !s.savedMethodId;
    const payLabel = busy
      ? t(lang, 'paying')
      : s.savedMethodId && selectedOption
        ? t(lang, 'payAmountWith', { amount: total, method: optionLabel(selectedOption) })
        : t(lang, 'payAmount', { amount: total });
    return html`<div part="base" class="base" ?data-one-click=${!!oneClick} ?data-drawing=${!this.partsDrawn} aria-busy=${this.partsDrawn ? 'false' : 'true'}>
      <till-order-summary .locale=${lang} .lines=${s.session.lines} .quote=${s.quote} .display=${s.session.displayCurrency}></till-order-summary>
      <till-coupons .locale=${lang} .quote=${s.quote} .result=${this.actionsReady ? s.codeResult : undefined} ?disabled=${locked}
        @focusin=${this.#prefetchPricing}
        .labels=${Object.fromEntries(s.session.coupons.map((c) => [c.code, c.label]))}
        @till-coupon-apply=${(e: CustomEvent<{ code: string }>) => void this.#store.getState().applyCode(e.detail.code)}
        @till-coupon-remove=${(e: CustomEvent<{ code: string }>) => void this.#store.getState().removeCode(e.detail.code)}></till-coupons>
      ${oneClick
        ? nothing
        : html`<till-method-list .locale=${lang} .options=${options} .value=${selected} ?disabled=${locked} @change=${this.#onMethodChange}></till-method-list>`}
      ${showCard && s.session.tokenization.provider === 'stripe'
        ? html`<div class="stripe" part="stripe-card"><span class="label">${t(lang, 'cardDetails')}</span><slot name="till-stripe-card"></slot></div>`
        : showCard
        ? html`<till-card-form .locale=${lang} .brands=${method?.brands ?? []} ?disabled=${busy}></till-card-form>
            ${s.session.signedIn
              ? html`<label class="consent"><input type="checkbox" .checked=${s.saveMethod} ?disabled=${busy}
                  @change=${(e: Event) => this.#store.getState().setSaveMethod((e.target as HTMLInputElement).checked)} /> ${t(lang, 'saveCard')}</label>`
              : nothing}`
        : nothing}
      ${method?.installments && method.installments.length > 1 ? this.#renderInstallments(method.installments, s.quote.total, s.quote.currency, locked) : nothing}
      ${s.failure ? html`<p role="alert" part="failure" class="failure" data-code=${s.failure.code}>${this.#failureText()}</p>` : nothing}
      ${this.#renderRecovery(busy)}
      <button part="pay-button" class="pay" ?disabled=${busy || s.repricing} aria-busy=${busy || s.repricing ? 'true' : 'false'} @click=${this.#onPay}>${payLabel}</button>
      ${oneClick ? html`<button class="secondary" part="other-methods" @click=${() => (this.showAll = true)}>${t(lang, 'otherMethods')}</button>` : nothing}
      ${showCard ? html`<p class="muted small">${t(lang, 'secure')}</p>` : nothing}
      ${this.#renderAction()}
    </div>`;
  }

  #renderRecovery(busy: boolean) {
    const next = this.#nextBest();
    const label = next && this.#state.value.session?.methods.find((m) => m.id === next)?.label;
    if (!next || !label || busy) return nothing;
    return html`<button class="secondary" part="recovery" data-method=${next}
      @click=${() => this.#store.getState().selectMethod(next)}>${t(this.#language, 'tryInstead', { method: label })}</button>`;
  }

  /** Installment choices with the amount per installment; remainders go to the first one. */
  #renderInstallments(counts: readonly number[], total: number, currency: string, busy: boolean) {
    const lang = this.#language;
    const chosen = this.#state.value.installments;
    return html`<label class="installments">${t(lang, 'installments')}
      <select ?disabled=${busy} @change=${(e: Event) => this.#store.getState().setInstallments(Number((e.target as HTMLSelectElement).value))}>
        ${counts.map((n) => {
          const plan = installmentPlan(total, n);
          const fmt = (amount: number) => formatMoney({ amount, currency }, lang);
          // Largest-remainder plan: k parts of a+1 then n-k parts of a ("3 × 16,68 + 3 × 16,67").
          const high = plan[0] ?? 0;
          const k = plan.filter((v) => v === high).length;
          const part = (count: number, amount: number) => t(lang, 'installmentOption', { n: count, amount: fmt(amount) });
          const text = k === n ? part(n, high) : `${part(k, high)} + ${part(n - k, plan[n - 1] ?? 0)}`;
          return html`<option value=${n} ?selected=${n === chosen}>${n === 1 ? t(lang, 'payInFull') : text}</option>`;
        })}
      </select>
    </label>`;
  }

  #renderAction() {
    const { phase, action, quote } = this.#state.value;
    if (phase !== 'action' || !action || !this.actionsReady) return phase === 'action' ? html`<p role="status" class="muted">${t(this.#language, 'verifying')}</p>` : nothing;
    return html`<till-payment-action .locale=${this.#language} .action=${action.action}
      .amount=${action.amount ?? (quote ? { amount: quote.total, currency: quote.currency } : undefined)}
      @till-action-cancel=${() => void this.#store.getState().cancelAction()}
      @till-action-passkey=${() => void this.#onPasskey()}></till-payment-action>`;
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

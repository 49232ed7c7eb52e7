import { expect, type Locator, type Page, type Request } from '@playwright/test';
import type { LedgerEntry } from '../../demo/server';

export type { LedgerEntry };

/** Page object for the demo storefront and its <till-checkout>. Locators pierce shadow roots. */
export class CheckoutPage {
  readonly checkout: Locator;
  readonly payButton: Locator;
  readonly failure: Locator;
  readonly total: Locator;
  readonly sentBodies: { url: string; body: string }[] = [];

  constructor(readonly page: Page) {
    this.checkout = page.locator('till-checkout');
    this.payButton = this.checkout.locator('[part="pay-button"]');
    this.failure = this.checkout.locator('[part="failure"]');
    this.total = this.checkout.locator('[data-testid="total"]');
    page.on('request', (r: Request) => {
      const body = r.postData();
      if (body !== null) this.sentBodies.push({ url: r.url(), body });
    });
  }

  /** Opens the demo storefront; `origin` overrides the base URL (passkeys need http://localhost). */
  async open(query = '', origin = '') {
    await this.page.goto(origin + '/' + query);
    await expect(this.payButton).toBeEnabled();
    return this.sessionId();
  }

  /**
   * Signs a (new) demo shopper in through the shop's own sign-in: the HttpOnly cookie lands in this
   * browser context, so the next checkout belongs to that shopper (saved cards, passkeys).
   * `origin` as for open(): cookies are per host.
   */
  async signIn(username = `shopper_${Math.random().toString(36).slice(2, 10)}`, origin = '') {
    const res = await this.page.request.post(origin + '/demo/sign-in', { data: { username, password: 'correct horse battery' } });
    expect(res.status()).toBe(200);
    return username;
  }

  async sessionId(): Promise<string> {
    const id = await this.page.locator('body').getAttribute('data-session-id');
    expect(id).toBeTruthy();
    return id!;
  }

  field(name: 'number' | 'expiry' | 'cvc' | 'name'): Locator {
    return this.checkout.locator(`till-card-form #${name}`);
  }

  async fillCard(number: string, expiry = '12 / 34', cvc = '123') {
    await this.field('number').fill(number);
    await this.field('expiry').fill(expiry);
    await this.field('cvc').fill(cvc);
  }

  async totalMinorText(): Promise<string> {
    return (await this.total.textContent()) ?? '';
  }

  async ledger(sessionId: string): Promise<LedgerEntry[]> {
    const res = await this.page.request.get('/demo/ledger');
    const all = (await res.json()) as LedgerEntry[];
    return all.filter((e) => e.sessionId === sessionId);
  }

  method(id: string): Locator {
    return this.checkout.locator(`till-method-list label[data-method="${id}"]`).last();
  }

  get action(): Locator {
    return this.checkout.locator('till-payment-action');
  }

  get success(): Locator {
    return this.checkout.locator('[part="success"]');
  }

  /** The demo page's QA controls for a pending payment. */
  async qa(what: 'paid' | 'expire' | 'fail') {
    const button = this.page.locator(`#simulate-${what}`);
    await expect(button).toBeEnabled();
    await button.click();
  }

  paymentPosts(): { url: string; body: string }[] {
    return this.sentBodies.filter((b) => /\/sessions\/[^/]+\/payments$/.test(new URL(b.url).pathname));
  }
}

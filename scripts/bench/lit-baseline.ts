/**
 * The browser benchmark's baseline: lit alone with one minimal element (styles, a property, a
 * template), built and loaded the same way as dist/till.js. Not shipped.
 */
import { css, html, LitElement } from 'lit';

class BaselineElement extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font: 16px system-ui;
    }
  `;
  static override properties = { label: { type: String } };
  declare label: string;
  constructor() {
    super();
    this.label = 'Pay';
  }
  override render() {
    return html`<button part="button">${this.label}</button>`;
  }
}
customElements.define('lit-baseline', BaselineElement);

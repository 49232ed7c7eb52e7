import type { LitElement } from 'lit';

/** Small test harness: mounts an element, types into shadow inputs, waits for render. */
export async function mount<T extends LitElement>(tag: string, props: Partial<T> = {}): Promise<T> {
  const el = document.createElement(tag) as T;
  Object.assign(el, props);
  document.body.append(el);
  await el.updateComplete;
  return el;
}

export function shadowInput(el: LitElement, selector: string): HTMLInputElement {
  const input = el.shadowRoot?.querySelector<HTMLInputElement>(selector);
  if (!input) throw new Error(`no ${selector} in <${el.localName}>`);
  return input;
}

export async function type(el: LitElement, selector: string, text: string): Promise<HTMLInputElement> {
  const input = shadowInput(el, selector);
  input.focus();
  input.value = text;
  input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertText' }));
  await el.updateComplete;
  return input;
}

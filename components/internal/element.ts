import { LitElement } from 'lit';
import { yieldToMain } from '../../src/core/tasks';

/**
 * Base of every Till element: its first render waits for a task of its own, so defining the
 * elements (the script tag's evaluation) and drawing the checkout never add up to one long task
 * (Chromium reports each over 50 ms; input waits behind it). Later updates keep Lit's microtask
 * timing. `updateComplete` still resolves once the element has drawn.
 */
export class TillElement extends LitElement {
  protected override scheduleUpdate(): void | Promise<unknown> {
    if (this.hasUpdated) return super.scheduleUpdate();
    return yieldToMain().then(() => super.scheduleUpdate());
  }
}

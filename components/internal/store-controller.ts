import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StoreApi } from 'zustand/vanilla';

/**
 * Subscribes a Lit host to a zustand store while connected and re-renders when the selected
 * slice changes. Slices are compared with Object.is (zustand's default): select a stable value
 * such as the state itself or one field, not a fresh object.
 */
export class StoreController<S, T> implements ReactiveController {
  #unsubscribe?: (() => void) | undefined;
  readonly #host: ReactiveControllerHost;
  #store: StoreApi<S>;
  readonly #select: (s: S) => T;
  value: T;

  constructor(host: ReactiveControllerHost, store: StoreApi<S>, select: (s: S) => T) {
    this.#host = host;
    this.#store = store;
    this.#select = select;
    this.value = select(store.getState());
    host.addController(this);
  }

  setStore(store: StoreApi<S>): void {
    this.#unsubscribe?.();
    this.#store = store;
    this.value = this.#select(store.getState());
    if (this.#unsubscribe) this.#subscribe();
    this.#host.requestUpdate();
  }

  hostConnected(): void {
    this.#subscribe();
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #subscribe(): void {
    this.value = this.#select(this.#store.getState());
    this.#unsubscribe = this.#store.subscribe((state) => {
      const next = this.#select(state);
      if (!Object.is(next, this.value)) {
        this.value = next;
        this.#host.requestUpdate();
      }
    });
  }
}

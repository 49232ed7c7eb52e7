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
  #store: StoreApi<S> | undefined;
  readonly #select: (s: S) => T;
  value: T;

  /** Without a store (yet), `value` is `initial` until setStore(). */
  constructor(host: ReactiveControllerHost, store: StoreApi<S> | undefined, select: (s: S) => T, initial?: T) {
    this.#host = host;
    this.#store = store;
    this.#select = select;
    this.value = store ? select(store.getState()) : (initial as T);
    host.addController(this);
  }

  setStore(store: StoreApi<S>): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#store = store;
    this.value = this.#select(store.getState());
    if (this.#connected) this.#subscribe();
    this.#host.requestUpdate();
  }

  #connected = false;

  hostConnected(): void {
    this.#connected = true;
    this.#subscribe();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #subscribe(): void {
    const store = this.#store;
    if (!store) return;
    this.value = this.#select(store.getState());
    this.#unsubscribe = store.subscribe((state) => {
      const next = this.#select(state);
      if (!Object.is(next, this.value)) {
        this.value = next;
        this.#host.requestUpdate();
      }
    });
  }
}

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StoreApi } from 'zustand/vanilla';

/**
 * Subscribes a Lit host to a zustand store while connected and re-renders when the selected
 * slice changes (compared shallowly, as zustand's subscribeWithSelector does with a custom equality).
 */
export class StoreController<S, T> implements ReactiveController {
  private unsubscribe?: () => void;
  value: T;

  constructor(
    private readonly host: ReactiveControllerHost,
    private store: StoreApi<S>,
    private readonly select: (s: S) => T,
  ) {
    this.value = select(store.getState());
    host.addController(this);
  }

  setStore(store: StoreApi<S>): void {
    this.unsubscribe?.();
    this.store = store;
    this.value = this.select(store.getState());
    if (this.unsubscribe) this.subscribe();
    this.host.requestUpdate();
  }

  hostConnected(): void {
    this.subscribe();
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private subscribe(): void {
    this.value = this.select(this.store.getState());
    this.unsubscribe = this.store.subscribe((state) => {
      const next = this.select(state);
      if (!shallowEqual(next, this.value)) {
        this.value = next;
        this.host.requestUpdate();
      }
    });
  }
}

function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

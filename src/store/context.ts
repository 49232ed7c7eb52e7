import type { TillClient } from '../core/client';
import type { CheckoutEvent, CheckoutState, CheckoutStoreOptions } from './types';

/** What the parts of one checkout store share: its state, its client and its options. */
export interface StoreContext {
  get(): CheckoutState;
  set(patch: Partial<CheckoutState>): void;
  client: TillClient;
  options: CheckoutStoreOptions;
  onEvent(e: CheckoutEvent): void;
  /** Unix seconds. */
  now(): number;
  /** Coupons are auto-applied (not the A/B control arm). */
  auto: boolean;
}

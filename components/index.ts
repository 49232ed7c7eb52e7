import { define } from './internal/define';
import { TillCardForm } from './card-form/card-form';
import { TillCheckout } from './checkout/checkout';
import { TillCoupons } from './coupons/coupons';
import { TillMethodList } from './method-list/method-list';
import { TillOrderSummary } from './order-summary/order-summary';

export { TillCardForm, TillCheckout, TillCoupons, TillMethodList, TillOrderSummary };

function registerParts(): void {
  define('till-order-summary', TillOrderSummary);
  define('till-method-list', TillMethodList);
  define('till-coupons', TillCoupons);
  define('till-card-form', TillCardForm);
}

/**
 * Registers every Till element (guarded: a tag already defined is skipped with a warning).
 * `deferParts`: the parts `<till-checkout>` draws only once its session is loaded are defined in
 * a task of their own, after the one that evaluates the script (the script tag's start-up cost);
 * an element already on the page upgrades then.
 */
export function registerElements(deferParts = false): void {
  if (deferParts) setTimeout(registerParts);
  else registerParts();
  define('till-checkout', TillCheckout);
}

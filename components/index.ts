import { define } from './internal/define';
import { TillCardForm } from './card-form/card-form';
import { TillCheckout } from './checkout/checkout';
import { TillCoupons } from './coupons/coupons';
import { TillMethodList } from './method-list/method-list';
import { TillOrderSummary } from './order-summary/order-summary';

export { TillCardForm, TillCheckout, TillCoupons, TillMethodList, TillOrderSummary };

/** Registers every Till element (guarded: a tag already defined is skipped with a warning). */
export function registerElements(): void {
  define('till-order-summary', TillOrderSummary);
  define('till-method-list', TillMethodList);
  define('till-coupons', TillCoupons);
  define('till-card-form', TillCardForm);
  define('till-checkout', TillCheckout);
}

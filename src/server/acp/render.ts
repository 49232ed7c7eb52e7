/**
 * A Till session as an ACP CheckoutSession (2026-04-17 JSON Schema, `CheckoutSessionBase`): the
 * same lines, totals and coupons the widget shows, in ACP's shapes. Money stays integer minor units.
 */
import type { CouponRejection, Quote, Session } from '../../protocol/index';
import { discountsByClass } from '../agent-checkout';
import type { AcpPresentation } from './options';
import { ACP_VERSION, type AcpState } from './schemas';

export type AcpStatus = 'not_ready_for_payment' | 'ready_for_payment' | 'complete_in_progress' | 'completed' | 'canceled' | 'expired';

/** The payment handler this server offers: a delegated (tokenized) card, charged through the merchant's processor. */
export const DELEGATED_CARD_HANDLER = 'till_delegated_card';

const REJECTION: Record<CouponRejection, string> = {
  unknown_code: 'discount_code_invalid',
  expired: 'discount_code_expired',
  not_started: 'discount_code_invalid',
  min_subtotal_not_met: 'discount_code_minimum_not_met',
  no_eligible_items: 'discount_code_invalid',
  method_not_eligible: 'discount_code_invalid',
  first_order_only: 'discount_code_user_ineligible',
  does_not_combine: 'discount_code_combination_disallowed',
  no_saving: 'discount_code_combination_disallowed',
  not_best: 'discount_code_combination_disallowed',
};

const total = (type: string, display_text: string, amount: number) => ({ type, display_text, amount });

export function renderCheckout(
  session: Session,
  state: AcpState,
  quote: Quote,
  status: AcpStatus,
  present: AcpPresentation,
  order?: { orderId: string },
): Record<string, unknown> {
  const { product: productOff, order: orderOff, shipping: shippingOff } = discountsByClass(quote);
  const labels = new Map(session.coupons.map((c) => [c.code, c.label ?? c.code]));
  const messages: Record<string, unknown>[] = [];
  if (!state.fulfillment?.address && status === 'not_ready_for_payment') {
    messages.push({ type: 'error', code: 'missing', content_type: 'plain', content: 'A shipping address is needed before payment.', param: '$.fulfillment_details.address', resolution: 'requires_buyer_input' });
  }
  for (const r of quote.rejected) {
    messages.push({ type: 'warning', code: REJECTION[r.reason], content_type: 'plain', content: `The code ${r.code} does not apply (${r.reason.replaceAll('_', ' ')}).`, param: '$.discounts.codes' });
  }
  const continueUrl = present.continueUrl?.(session.id);
  return {
    id: session.id,
    protocol: { version: ACP_VERSION },
    status,
    currency: session.currency.toLowerCase(),
    locale: session.locale,
    ...(state.buyer ? { buyer: state.buyer } : {}),
    line_items: session.lines.map((l) => ({
      id: l.id,
      item: { id: l.productId },
      name: l.name,
      product_id: l.productId,
      quantity: l.quantity,
      unit_amount: l.unitPrice,
      totals: [total('items_base_amount', 'Base amount', l.unitPrice * l.quantity), total('total', 'Total', l.unitPrice * l.quantity)],
    })),
    totals: [
      total('items_base_amount', 'Items', quote.subtotal),
      ...(productOff ? [total('items_discount', 'Item discounts', productOff)] : []),
      total('subtotal', 'Subtotal', quote.subtotal - productOff),
      ...(orderOff ? [total('discount', 'Discount', orderOff)] : []),
      total('fulfillment', 'Shipping', quote.shipping - shippingOff),
      total('total', 'Total', quote.total),
    ],
    ...(state.fulfillment ? { fulfillment_details: state.fulfillment } : {}),
    fulfillment_options: [{ type: 'shipping', id: 'standard', title: 'Standard shipping', totals: [total('total', 'Shipping', quote.shipping - shippingOff)] }],
    ...(state.fulfillment?.address ? { selected_fulfillment_options: [{ type: 'shipping', option_id: 'standard', item_ids: session.lines.map((l) => l.productId) }] } : {}),
    discounts: {
      ...(state.codes ? { codes: state.codes } : {}),
      applied: quote.applied.map((a) => ({
        id: `disc_${a.code}`,
        code: a.code,
        coupon: { id: a.code, name: labels.get(a.code) ?? a.code },
        amount: a.amount,
        automatic: !state.codes?.includes(a.code),
      })),
      rejected: quote.rejected.map((r) => ({ code: r.code, reason: REJECTION[r.reason] })),
    },
    messages,
    links: present.links ?? [],
    capabilities: {
      payment: {
        handlers: [
          {
            id: DELEGATED_CARD_HANDLER,
            name: 'dev.acp.tokenized.card',
            version: ACP_VERSION,
            spec: 'https://github.com/agentic-commerce-protocol/agentic-commerce-protocol',
            requires_delegate_payment: true,
            requires_pci_compliance: false,
            psp: present.psp ?? 'merchant',
            config_schema: 'https://github.com/agentic-commerce-protocol/agentic-commerce-protocol',
            instrument_schemas: ['https://github.com/agentic-commerce-protocol/agentic-commerce-protocol'],
            config: {},
          },
        ],
      },
      extensions: [{ name: 'discount', extends: ['$.CheckoutSession.discounts'] }],
    },
    expires_at: new Date(session.expiresAt * 1000).toISOString(),
    ...(continueUrl ? { continue_url: continueUrl } : {}),
    ...(order ? { order: { id: order.orderId, checkout_session_id: session.id, permalink_url: present.orderUrl(order.orderId) } } : {}),
  };
}

/**
 * A Till session as a UCP checkout (2026-08-25 `checkout.json`): the same lines, totals and
 * coupons the widget shows. Amounts are signed integer minor units (discounts negative), with one
 * `subtotal` and one `total`.
 */
import type { Quote, Session } from '../../protocol/index';
import { discountsByClass, type AgentState } from '../agent-checkout';
import type { UcpPresentation } from './options';
import { UCP_VERSION } from './schemas';

export type UcpStatus = 'incomplete' | 'ready_for_complete' | 'complete_in_progress' | 'completed' | 'canceled';

export const UCP_HANDLER_ID = 'till_delegated_card';
/** The payment handler this server offers: a delegated (tokenized) card under a mandate. */
export const UCP_HANDLERS = { 'dev.till.delegated_card': [{ id: UCP_HANDLER_ID, version: UCP_VERSION, available_instruments: [{ type: 'card' }] }] };

export interface UcpMessage {
  type: 'error' | 'warning' | 'info';
  code?: string;
  content: string;
  path?: string;
  severity?: 'recoverable' | 'requires_buyer_input' | 'requires_buyer_review' | 'unrecoverable';
}

export const envelope = (status: 'success' | 'error') =>
  status === 'error'
    ? { version: UCP_VERSION, status }
    : { version: UCP_VERSION, status, capabilities: { 'dev.ucp.shopping.checkout': [{ version: UCP_VERSION }] }, payment_handlers: UCP_HANDLERS };

export function renderUcp(session: Session, state: AgentState, quote: Quote, status: UcpStatus, present: UcpPresentation, extra: UcpMessage[] = [], order?: { orderId: string }) {
  const { product: productOff, order: orderOff, shipping: shippingOff } = discountsByClass(quote);
  const messages: UcpMessage[] = [...extra];
  if (status === 'incomplete') messages.push({ type: 'error', code: 'missing', path: '$.buyer.email', content: 'Buyer email is required', severity: 'recoverable' });
  for (const r of quote.rejected) {
    const at = state.codes?.indexOf(r.code) ?? -1;
    messages.push({ type: 'warning', code: 'discount_code_not_applied', content: `The code ${r.code} does not apply (${r.reason.replaceAll('_', ' ')}).`, ...(at >= 0 ? { path: `$.discounts.codes[${at}]` } : {}) });
  }
  return {
    ucp: envelope('success'),
    id: session.id,
    status,
    currency: session.currency,
    ...(state.buyer ? { buyer: state.buyer } : {}),
    line_items: session.lines.map((l) => ({
      id: l.id,
      item: { id: l.productId, title: l.name, price: l.unitPrice },
      quantity: l.quantity,
      totals: [
        { type: 'subtotal', amount: l.unitPrice * l.quantity },
        { type: 'total', amount: l.unitPrice * l.quantity },
      ],
    })),
    totals: [
      { type: 'subtotal', amount: quote.subtotal },
      ...(productOff ? [{ type: 'items_discount', amount: -productOff }] : []),
      ...(orderOff ? [{ type: 'discount', amount: -orderOff }] : []),
      { type: 'fulfillment', amount: quote.shipping - shippingOff },
      { type: 'total', amount: quote.total },
    ],
    messages,
    links: present.links ?? [],
    expires_at: new Date(session.expiresAt * 1000).toISOString(),
    ...(order ? { order: { id: order.orderId, permalink_url: present.orderUrl(order.orderId) } } : {}),
  };
}

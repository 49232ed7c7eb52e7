/**
 * The kit's payment replies: what each failure says to the shopper, which HTTP status each reply
 * travels with, and how a backend's result becomes a protocol reply (or, when it breaks the
 * protocol, an "outcome unknown" that is never mistaken for "not charged").
 */
import { ErrorCode as ErrorCodeSchema, PaymentReply as PaymentReplySchema, type FailureCode, type PaymentReply, type Quote } from '../protocol/index';
import type { AuthorizeResult, ErrorLike } from './backend';
import { errorReply, HTTP_FOR_ERROR, RequestError } from './http';

const DEFAULT_MESSAGES: Record<FailureCode, string> = {
  card_declined: 'Your card was declined. Try another card or payment method.',
  insufficient_funds: 'The card has insufficient funds. Try another card or payment method.',
  invalid_card: 'The card number is not valid. Check it and try again.',
  expired_card: 'The card has expired. Use another card.',
  incorrect_cvc: 'The security code is incorrect.',
  challenge_failed: 'The verification was not completed. Try again or use another method.',
  price_changed: 'The total has changed. Check the new total and confirm again.',
  expired: 'The payment expired before it was completed.',
  cancelled: 'The payment was cancelled.',
  method_unavailable: 'This payment method is not available for this order.',
  processing_error: 'The payment could not be processed. You were not charged; try again.',
};

const RETRYABLE: ReadonlySet<FailureCode> = new Set(['card_declined', 'insufficient_funds', 'invalid_card', 'expired_card', 'incorrect_cvc', 'challenge_failed', 'price_changed', 'expired', 'cancelled', 'processing_error']);

/** The answer while a payment's outcome is unknown: never "not charged", never "pay again". */
export const UNKNOWN_OUTCOME = errorReply('internal', 'The payment could not be confirmed. Do not pay again; contact the shop.');

export const NOT_CHARGED = 'The payment did not go through and you were not charged. You can pay again.';

export type Amount = { amount: number; currency: string };

export function failed(code: FailureCode, extra: { paymentId?: string; message?: string; retryable?: boolean; quote?: Quote } = {}): PaymentReply {
  return {
    status: 'failed',
    code,
    retryable: extra.retryable ?? RETRYABLE.has(code),
    message: extra.message ?? DEFAULT_MESSAGES[code],
    ...(extra.paymentId ? { paymentId: extra.paymentId } : {}),
    ...(extra.quote ? { quote: extra.quote } : {}),
  };
}

export function httpStatusOf(reply: PaymentReply): number {
  return reply.status === 'failed' ? (reply.code === 'price_changed' ? 409 : 402) : reply.status === 'error' ? HTTP_FOR_ERROR[reply.code] : 200;
}

export function toReply(paymentId: string, amount: Amount, r: AuthorizeResult): PaymentReply {
  switch (r.status) {
    case 'succeeded':
      return { status: 'succeeded', paymentId, orderId: r.orderId, amount, ...(r.savedMethodId ? { savedMethodId: r.savedMethodId } : {}) };
    case 'requires_action':
      return { status: 'requires_action', paymentId, action: r.action, amount };
    case 'failed':
      return failed(r.code, { paymentId, ...(r.message ? { message: r.message } : {}), ...(r.retryable !== undefined ? { retryable: r.retryable } : {}) });
  }
}

/** Builds the reply for a backend result; a result that breaks the protocol becomes `internal`. */
export function checkedReply(paymentId: string, amount: Amount, r: AuthorizeResult | undefined): PaymentReply {
  if (!r) return UNKNOWN_OUTCOME;
  const reply = toReply(paymentId, amount, r);
  return PaymentReplySchema.safeParse(reply).success ? reply : UNKNOWN_OUTCOME;
}

/** A backend's error, with its code checked: anything outside the protocol becomes `internal`. */
export function backendError(e: ErrorLike): RequestError {
  const code = ErrorCodeSchema.safeParse(e.error);
  return code.success ? new RequestError(code.data, String(e.message).slice(0, 200)) : new RequestError('internal', 'Internal error.');
}

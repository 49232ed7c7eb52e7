/**
 * Till protocol v1: every message between the widget and a merchant backend, as zod schemas.
 * Types are inferred from the schemas; nothing here touches the DOM, so servers import it too.
 */
export * from './common';
export * from './currencies';
export * from './coupon';
export * from './session';
export * from './payment';

/** Endpoint paths relative to the merchant's base URL. */
export const ENDPOINTS = {
  createSession: { method: 'POST', path: '/sessions' },
  getSession: { method: 'GET', path: '/sessions/:sessionId' },
  updateItems: { method: 'POST', path: '/sessions/:sessionId/items' },
  quote: { method: 'POST', path: '/sessions/:sessionId/quote' },
  pay: { method: 'POST', path: '/sessions/:sessionId/payments' },
  resolveAttempt: { method: 'POST', path: '/sessions/:sessionId/payments/resolve' },
  paymentStatus: { method: 'GET', path: '/payments/:paymentId' },
  cancelPayment: { method: 'POST', path: '/payments/:paymentId/cancel' },
  passkeyAssertion: { method: 'POST', path: '/payments/:paymentId/passkey' },
  passkeyRegistrationOptions: { method: 'POST', path: '/sessions/:sessionId/passkeys/options' },
  passkeyRegistration: { method: 'POST', path: '/sessions/:sessionId/passkeys' },
} as const;

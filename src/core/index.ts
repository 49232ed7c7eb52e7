/** `till-checkout/core`: DOM-free card checks, money, pricing and the protocol schemas. Runs in Node too. */
export * from './card/index';
export * from './money/money';
export * from './pricing/index';
export * from '../protocol/index';
export { createClient, TillClientError, type TillClient, type ClientOptions } from './client';

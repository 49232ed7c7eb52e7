/**
 * Every zod schema the browser runs, in one module that is loaded on first use rather than at
 * import (see load-schemas.ts): building zod schemas is most of what a page would otherwise pay
 * to evaluate the widget, and nothing needs them before the first reply arrives.
 */
export { PasskeyReply, PaymentReply, QuoteReply, SessionReply } from '../protocol/index';
export { parsePreferenceRecord, validatePreferenceState } from './ranking/schema';

import { describe, expect, it } from 'vitest';
import { PaymentReply, SessionReply } from '../../src/protocol/index';
import { PAYMENT_REPLIES, sessionReply } from './replies';

describe('benchmark fixtures', () => {
  it('are valid protocol replies (a schema change must update them, or `npm run bench` stops)', () => {
    expect(SessionReply.safeParse(sessionReply()).success).toBe(true);
    for (const r of PAYMENT_REPLIES) expect(PaymentReply.safeParse(r).error?.issues).toBeUndefined();
  });
});

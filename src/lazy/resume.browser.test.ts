import { afterEach, describe, expect, it } from 'vitest';
import { takeResume } from './actions';

/** takeResume's rules, in Chromium with its real sessionStorage, localStorage and history. */
const at = (query: string) => history.replaceState(null, '', location.pathname + query);
const sent = (v: unknown) => localStorage.setItem('till:redirect', typeof v === 'string' ? v : JSON.stringify(v));

afterEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  at('');
});

describe('resuming a bank redirect', () => {
  it('in the same tab: the tab marker, checked against the bank\'s till_payment, which leaves the address bar', () => {
    sessionStorage.setItem('till:pending', JSON.stringify({ sessionId: 'cs_1', paymentId: 'pay_1', method: 'ideal' }));
    at('?a=1&till_payment=pay_1');
    expect(takeResume('cs_1')).toEqual({ paymentId: 'pay_1', method: 'ideal' });
    expect(location.search).toBe('?a=1');
    at('?till_payment=pay_other');
    expect(takeResume('cs_1')).toBeUndefined();
  });

  it('in a new tab: the browser marker, once, for the matching payment and session, within a day', () => {
    sent({ sessionId: 'cs_1', paymentId: 'pay_1', method: 'ideal', at: Date.now() });
    at('?till_payment=pay_1');
    expect(takeResume('cs_2')).toBeUndefined(); // another session's page: not resumed here…
    expect(localStorage.getItem('till:redirect')).toBeNull(); // …and the marker is spent
    sent({ sessionId: 'cs_1', paymentId: 'pay_1', method: 'ideal', at: Date.now() });
    at('?till_payment=pay_1');
    expect(takeResume('cs_1')).toEqual({ paymentId: 'pay_1', method: 'ideal' });
    at('?till_payment=pay_1');
    expect(takeResume('cs_1')).toBeUndefined();

    sent({ sessionId: 'cs_1', paymentId: 'pay_1', method: 'ideal', at: Date.now() - 2 * 864e5 });
    at('?till_payment=pay_1');
    expect(takeResume('cs_1')).toBeUndefined();
    sent({ sessionId: 'cs_1', paymentId: 'pay_1', method: 'ideal', at: Date.now() });
    expect(takeResume('cs_1')).toBeUndefined(); // no till_payment: a plain visit resumes nothing
  });

  it('treats tampered markers as nothing to resume', () => {
    at('?till_payment=pay_1');
    for (const bad of ['not json', 'null', '[]', '"pay_1"', '{"sessionId":"cs_1","paymentId":{},"method":"ideal","at":1e99}', '{"sessionId":"cs_1","paymentId":"pay_1","method":7,"at":0}']) {
      sent(bad);
      sessionStorage.setItem('till:pending', bad);
      expect(takeResume('cs_1')).toBeUndefined();
    }
  });
});

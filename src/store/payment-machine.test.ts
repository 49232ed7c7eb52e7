import { describe, expect, it } from 'vitest';
import { PAYMENT_EVENTS, PHASES, transition, type PaymentEvent, type Phase } from './payment-machine';

/**
 * Every phase × every event, written out: a change to the flow is a change to this table. `—`
 * means the event is refused in that phase (nothing changes).
 */
const EXPECTED: Record<Phase, Record<PaymentEvent, Phase | '—'>> = {
  //           load       loaded   unavailable    pay       requires_action succeeded    failed   resolved  resume
  idle:        { load: 'loading', loaded: '—', unavailable: '—', pay: '—', requires_action: '—', succeeded: '—', failed: '—', resolved: '—', resume: '—' },
  loading:     { load: '—', loaded: 'ready', unavailable: 'unavailable', pay: '—', requires_action: 'action', succeeded: 'succeeded', failed: 'ready', resolved: '—', resume: '—' },
  ready:       { load: 'loading', loaded: '—', unavailable: '—', pay: 'paying', requires_action: '—', succeeded: '—', failed: '—', resolved: '—', resume: 'action' },
  paying:      { load: '—', loaded: '—', unavailable: '—', pay: '—', requires_action: 'action', succeeded: 'succeeded', failed: 'ready', resolved: 'ready', resume: '—' },
  action:      { load: '—', loaded: '—', unavailable: '—', pay: '—', requires_action: 'action', succeeded: 'succeeded', failed: 'ready', resolved: '—', resume: '—' },
  succeeded:   { load: '—', loaded: '—', unavailable: '—', pay: '—', requires_action: '—', succeeded: '—', failed: '—', resolved: '—', resume: '—' },
  unavailable: { load: 'loading', loaded: '—', unavailable: '—', pay: '—', requires_action: '—', succeeded: '—', failed: '—', resolved: '—', resume: '—' },
};

describe('payment state machine', () => {
  for (const phase of PHASES) {
    for (const event of PAYMENT_EVENTS) {
      const want = EXPECTED[phase][event];
      it(`${phase} × ${event} → ${want}`, () => {
        expect(transition(phase, event) ?? '—').toBe(want);
      });
    }
  }

  it('the table names every phase and event (nothing left out of the test above)', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...PHASES].sort());
    for (const phase of PHASES) expect(Object.keys(EXPECTED[phase]).sort()).toEqual([...PAYMENT_EVENTS].sort());
  });

  it('only one way into paying (ready × pay), and none out of succeeded', () => {
    const into = PHASES.flatMap((p) => PAYMENT_EVENTS.filter((e) => transition(p, e) === 'paying').map((e) => `${p}×${e}`));
    expect(into).toEqual(['ready×pay']);
    expect(PAYMENT_EVENTS.filter((e) => transition('succeeded', e))).toEqual([]);
  });
});

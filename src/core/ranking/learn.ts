import { ageFactor, contextKeys, MAX_CONTEXT_METHODS, MAX_CONTEXTS, MAX_COUNT, MAX_METHODS, own, TUNING, type LearnEvent, type MethodStats, type PreferenceState, type Tuning } from './model';

const CHOICE_DECAY = 2 ** (-1 / 2); // a choice loses half its weight after two newer checkouts

/** The update's decays (the evaluator's ablations override them; the widget never does). */
export const LEARN_TUNING = {
  /** Per-checkout decay of the overall habit. */
  habitDecay: CHOICE_DECAY,
  /** Per-checkout decay of the same-device habit (1: plain counts, aged by time only). */
  deviceDecay: 1,
  /**
   * Per-checkout decay of the channel and category habits. 1: plain counts (aged by time only),
   * so a habit for bills keeps growing with every bill; 2^-½ scored 0.14 points better on the
   * diary but caps a context's weight near 3.4, where it can never outvote the overall habit.
   */
  decay: 1,
};
export type LearnTuning = typeof LEARN_TUNING & Pick<Tuning, 'device' | 'channel' | 'category'>;


/**
 * The preference model's update (see model.ts for what it estimates). It runs only after a
 * payment outcome, so the script tag loads it on demand (till-learn.js) rather than at start.
 */

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Returns a new state; `state` is never mutated (it lives in a zustand store). */
export function learn(state: PreferenceState, event: LearnEvent, tuning: LearnTuning = { ...TUNING, ...LEARN_TUNING }): PreferenceState {
  const { method, outcome } = event;
  if (method === '__proto__') return state;
  const age = ageFactor(state.at, event.at);
  const choice = outcome === 'chosen';
  const offered = event.ctx.available;
  // A choice is evidence against the alternatives the shopper saw and passed over, not against
  // methods the merchant did not offer: a forced substitute must not erode the usual habit.
  const passedOver = (m: string): boolean => choice && (!offered || offered.includes(m));
  const methods: Record<string, MethodStats> = {};
  for (const [m, st] of Object.entries(state.methods)) {
    const decay = passedOver(m) ? age * tuning.habitDecay : age;
    methods[m] = { w: st.w * decay, n: st.n, s: st.s * decay, f: st.f * decay };
  }
  const cur = own(methods, method) ?? { w: 0, n: 0, s: 0, f: 0 };
  if (choice) {
    cur.w++;
    cur.n = Math.min(MAX_COUNT, cur.n + 1);
  } else if (outcome === 'succeeded') cur.s++;
  else cur.f += outcome === 'failed' ? 1 : 0.5;
  methods[method] = cur;

  for (const st of Object.values(methods)) {
    st.w = round(st.w);
    st.s = round(st.s);
    st.f = round(st.f);
  }
  // Every context ages with time; the checkout's own contexts also learn the choice and move to
  // the most recent end, and the least recently used beyond MAX_CONTEXTS are forgotten.
  const here = choice ? contextKeys(event.ctx.context, event.ctx.device, tuning) : [];
  const ctx: Record<string, Record<string, number>> = {};
  for (const [key, c] of Object.entries(state.ctx)) {
    if (here.includes(key)) continue;
    ctx[key] = age === 1 ? c : Object.fromEntries(Object.entries(c).map(([m, w]) => [m, round(w * age)]));
  }
  for (const key of here) {
    const c: Record<string, number> = {};
    for (const [m, w] of Object.entries(own(state.ctx, key) ?? {})) c[m] = w * age * (passedOver(m) ? (key[0] === 'd' ? tuning.deviceDecay : tuning.decay) : 1);
    c[method] = Math.min(MAX_COUNT, (own(c, method) ?? 0) + 1);
    ctx[key] = keepStrongest(c, method, MAX_CONTEXT_METHODS);
  }
  const keys = Object.keys(ctx);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_CONTEXTS))) delete ctx[k];
  return {
    version: 2,
    at: Math.max(state.at, event.at),
    last: choice ? method : state.last,
    streak: choice ? (state.last === method ? Math.min(MAX_COUNT, state.streak + 1) : 1) : state.streak,
    methods: keepStrongest(methods, method, MAX_METHODS),
    ctx,
  };
}

/** Rounds weights and keeps the `max` strongest entries; `keep` (the method just used) always survives. */
function keepStrongest<T extends number | MethodStats>(o: Record<string, T>, keep: string, max: number): Record<string, T> {
  const weight = (k: string): number => {
    const v = o[k] as T;
    return typeof v === 'number' ? v : v.w;
  };
  const keys = Object.keys(o);
  if (keys.length > max) {
    keys.sort((a, b) => (a === keep ? -1 : b === keep ? 1 : weight(b) - weight(a)));
    for (const k of keys.slice(max)) delete o[k];
  }
  for (const k of Object.keys(o)) if (typeof o[k] === 'number') (o as Record<string, number>)[k] = round(o[k] as number);
  return o;
}

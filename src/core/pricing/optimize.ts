/**
 * Exact best coupon combination by branch and bound over the cliques of the "combines" graph.
 *
 * Why pruning is exact: with the rules in engine.ts every discount step is monotone in what
 * remains (a smaller base never gives a larger discount, and never leaves more behind), so the
 * saving f(S) of a coupon set is monotone (adding a coupon never lowers it) — evaluated on any
 * set, compatible or not. Hence f(S ∪ candidates) bounds every compatible set in the subtree.
 *
 * Tie-break: larger saving, then fewer coupons, then the lexicographically smaller sorted code
 * list. The search walks candidates in code order, including before excluding, which visits sets
 * in lexicographic order of their sorted codes; so a set found later never wins a full tie, and
 * only strictly better sets replace the incumbent.
 */
import type { Cart, Prep } from './engine';
import { combines, evaluate } from './engine';

/** Returns the chosen coupons as indices into `preps` (canonical order). */
export function optimize(preps: readonly Prep[], cart: Cart): number[] {
  const n = preps.length;
  const cands: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = preps[i];
    if (p && !p.reason && p.standalone > 0) cands.push(i);
  }
  const code = (i: number): string => preps[i]?.code ?? '';
  cands.sort((a, b) => (code(a) < code(b) ? -1 : code(a) > code(b) ? 1 : 0));
  const adj = preps.map((a) => preps.map((b) => a !== b && combines(a.coupon, b.coupon)));
  const standalone = (i: number): number => preps[i]?.standalone ?? 0;
  // For the "can this subtree still tie with fewer coupons" bound.
  const byStandalone = cands.slice().sort((a, b) => standalone(b) - standalone(a));

  const member = new Uint8Array(n);
  const mark = new Uint8Array(n);
  const path: number[] = [];
  let best: number[] = [];
  let bestSaving = 0;

  const rec = (list: readonly number[]): void => {
    for (let i = 0; i < list.length; i++) {
      const c = list[i] ?? 0;
      const row = adj[c];
      const next: number[] = [];
      for (let j = i + 1; j < list.length; j++) {
        const d = list[j] ?? 0;
        if (row?.[d]) next.push(d);
      }
      path.push(c);
      member[c] = 1;
      const s = evaluate(preps, cart, member);
      if (s > bestSaving || (s === bestSaving && path.length < best.length)) {
        bestSaving = s;
        best = path.slice();
      }
      if (next.length && explore(s, next)) rec(next);
      path.pop();
      member[c] = 0;
    }
  };

  /** Whether some extension of `path` by members of `next` could beat the incumbent. */
  const explore = (s: number, next: readonly number[]): boolean => {
    for (const d of next) member[d] = 1;
    const ub = evaluate(preps, cart, member);
    for (const d of next) member[d] = 0;
    if (ub > bestSaving) return true;
    if (ub < bestSaving) return false;
    // Only a tie is reachable: it must use fewer coupons than the incumbent. Count the fewest
    // extra coupons whose standalone savings (upper bounds of their contributions) close the gap.
    let extra = 0;
    let acc = s;
    if (acc < bestSaving) {
      for (const d of next) mark[d] = 1;
      for (const d of byStandalone) {
        if (!mark[d]) continue;
        acc += standalone(d);
        extra++;
        if (acc >= bestSaving) break;
      }
      for (const d of next) mark[d] = 0;
      if (acc < bestSaving) return false;
    }
    return path.length + Math.max(extra, 1) < best.length;
  };

  rec(cands);
  return best;
}

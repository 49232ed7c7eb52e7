/**
 * Exact best coupon combination by branch and bound over the cliques of the "combines" graph.
 *
 * Why pruning is exact: with the rules in engine.ts every discount step is monotone in what
 * remains (a smaller base never gives a larger discount, and never leaves more behind), so the
 * saving f(S) of a coupon set is monotone (adding a coupon never lowers it) — evaluated on any
 * set, compatible or not — and subadditive (a coupon adds at most its standalone saving).
 * Hence f(S ∪ candidates), and the class-aware refinement in `bound`, bound every compatible set
 * in the subtree; the property tests check the result against exhaustive search.
 *
 * Tie-break: larger saving, then fewer coupons, then the lexicographically smaller sorted code
 * list. The search walks candidates in code order, including before excluding, which visits sets
 * in lexicographic order of their sorted codes; so a set found later never wins a full tie, and
 * only strictly better sets replace the incumbent. The saving is always exact; only the
 * "fewer coupons" search is budgeted (TIE_NODE_BUDGET) for pathological lists.
 */
import type { Cart, Prep } from './engine';
import { combines, evaluate } from './engine';

/**
 * Search nodes after which subtrees that can only tie the incumbent's saving are no longer
 * explored. 2^12 nodes: the tie-break is exact for up to 12 usable coupons whatever they are
 * (the search has at most 2^n − 1 nodes), and realistic lists of 60 finish far below it.
 */
const TIE_NODE_BUDGET = 4_096;

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

  const CLASS_BIT = { product: 1, order: 2, shipping: 4 } as const;
  const bit = preps.map((p) => CLASS_BIT[p.coupon.class]);
  const allow = preps.map((p) => {
    const w = p.coupon.combinesWith;
    return (w?.product ? 1 : 0) | (w?.order ? 2 : 0) | (w?.shipping ? 4 : 0);
  });
  const member = new Uint8Array(n);
  const mark = new Uint8Array(n);
  const path: number[] = [];
  let best: number[] = [];
  let bestSaving = 0;
  // A feasible saving the optimum must reach; subtrees that cannot reach it are cut from the
  // start. It is only a threshold: the winner is still whatever the exact search finds first in
  // lexicographic order, so the tie-break is unaffected.
  const floor = seed();
  let nodes = 0;

  const rec = (list: readonly number[]): void => {
    for (let i = 0; i < list.length; i++) {
      const c = list[i] ?? 0;
      const row = adj[c];
      const next: number[] = [];
      for (let j = i + 1; j < list.length; j++) {
        const d = list[j] ?? 0;
        if (row?.[d]) next.push(d);
      }
      nodes++;
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

  /**
   * Upper bound on f(path ∪ T) over the cliques T ⊆ next, stopping early once above `stop`.
   * Whether two coupons combine depends only on their classes and `combinesWith`, so:
   * - a clique spanning the classes Z only holds coupons that allow every other class in Z;
   * - within one class X it holds either coupons that all allow X ("self" group), or exactly one
   *   coupon that does not ("single").
   * For each Z and each self/single choice per class, f(path ∪ self groups) plus the largest
   * standalone saving of each single class bounds those cliques (monotone + subadditive).
   */
  const bound = (next: readonly number[], stop: number): number => {
    let ub = 0;
    const single = [0, 0, 0];
    for (let z = 1; z < 8; z++) {
      let selfClasses = 0;
      let singleClasses = 0;
      single.fill(0);
      for (const d of next) {
        const b = bit[d] ?? 0;
        const a = allow[d] ?? 0;
        if (!(z & b) || (z & ~b & ~a) !== 0) continue;
        if (a & b) selfClasses |= b;
        else {
          singleClasses |= b;
          const k = b >> 1; // 1→0, 2→1, 4→2
          single[k] = Math.max(single[k] ?? 0, standalone(d));
        }
      }
      if ((selfClasses | singleClasses) !== z) continue; // a class with no member: a smaller z covers it
      // Enumerate the classes taking the "single" option: subsets of singleClasses, and every
      // class of z without self members must take it.
      const mustSingle = z & ~selfClasses;
      for (let pick = singleClasses; ; pick = (pick - 1) & singleClasses) {
        if ((pick & mustSingle) === mustSingle) {
          const selfPick = z & ~pick;
          for (const d of next) {
            const b = bit[d] ?? 0;
            const a = allow[d] ?? 0;
            if (selfPick & b && a & b && (z & ~b & ~a) === 0) member[d] = 1;
          }
          let v = evaluate(preps, cart, member);
          for (const d of next) member[d] = 0;
          for (let k = 0; k < 3; k++) if (pick & (1 << k)) v += single[k] ?? 0;
          if (v > ub) ub = v;
          if (ub > stop) return ub;
        }
        if (pick === 0) break;
      }
    }
    return ub;
  };

  /** Whether some extension of `path` by members of `next` could beat the incumbent. */
  const explore = (s: number, next: readonly number[]): boolean => {
    // Cheap bound first (f of everything still compatible with the path); the class-aware bound
    // costs up to 26 evaluations, so it only runs when the cheap one cannot prune.
    for (const d of next) member[d] = 1;
    let ub = evaluate(preps, cart, member);
    for (const d of next) member[d] = 0;
    if (ub > bestSaving && ub >= floor) ub = bound(next, Math.max(bestSaving, floor - 1));
    if (ub < floor) return false;
    if (ub > bestSaving) return true;
    if (ub < bestSaving) return false;
    // Only a tie is reachable. Finding the fewest coupons for a saving already found can be a
    // subset-sum search when many coupons stack to the same cap; it is bounded so a pathological
    // coupon list cannot freeze the page. The saving stays exact; past the budget the tie-break
    // is "fewest coupons found so far" (still deterministic: browser and server agree).
    if (nodes > TIE_NODE_BUDGET) return false;
    // It must use fewer coupons than the incumbent: it must use fewer coupons than the incumbent. Count the fewest
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

  /**
   * A good feasible saving to start from, so that the exact search prunes from the first node:
   * for every class set Z and self/single choice (as in `bound`), the clique of all "self"
   * coupons plus, per single class, the coupon adding the most.
   */
  function seed(): number {
    let top = 0;
    for (let z = 1; z < 8; z++) {
      const inZ = cands.filter((d) => (z & (bit[d] ?? 0)) !== 0 && (z & ~(bit[d] ?? 0) & ~(allow[d] ?? 0)) === 0);
      for (let pick = z; ; pick = (pick - 1) & z) {
        for (const d of inZ) if (!(pick & (bit[d] ?? 0)) && (allow[d] ?? 0) & (bit[d] ?? 0)) member[d] = 1;
        let v = evaluate(preps, cart, member);
        for (let k = 1; k < 8; k <<= 1) {
          if (!(pick & k)) continue;
          let choice = -1;
          for (const d of inZ) {
            if (bit[d] !== k || (allow[d] ?? 0) & k) continue;
            member[d] = 1;
            const w = evaluate(preps, cart, member);
            member[d] = 0;
            if (w > v) {
              v = w;
              choice = d;
            }
          }
          if (choice >= 0) member[choice] = 1;
        }
        top = Math.max(top, v);
        member.fill(0);
        if (pick === 0) break;
      }
    }
    return top;
  }

  rec(cands);
  return best;
}

/**
 * Till's single rounding rule: ROUND HALF TO EVEN ("banker's rounding").
 *
 * Every percentage in the SDK (coupon basis points, fees) is computed on integer minor units and
 * rounded with {@link divRound}: the exact quotient is rounded to the nearest integer, and an exact
 * half goes to the even neighbour (2.5 → 2, 3.5 → 4). Half-even is unbiased over many amounts,
 * and it is monotone, which the coupon optimizer relies on (a smaller base never yields a larger
 * discount).
 *
 * Splitting one amount across lines (an order discount shown per line, a capped coupon's spread)
 * uses {@link allocate}: largest remainder (Hamilton) so the parts always sum to the whole — no
 * minor unit is created or lost by rounding.
 *
 * Integers only. Products that could exceed 2^53 fall back to BigInt, so results stay exact.
 */

const SAFE = Number.MAX_SAFE_INTEGER;

function assertInt(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${n}`);
}

/** round(n / d) half-even, for integers n ≥ 0, d > 0. */
export function divRound(n: number, d: number): number {
  assertInt(n, 'numerator');
  assertInt(d, 'divisor');
  if (d === 0) throw new RangeError('division by zero');
  const r = n % d; // exact for safe integers
  const q = (n - r) / d; // exact: n - r is a multiple of d
  // Compare r with d - r rather than 2r with d, so nothing leaves the safe-integer range.
  if (r > d - r || (r === d - r && q % 2 === 1)) return q + 1;
  return q;
}

function divRoundBig(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (2n * r > d || (2n * r === d && q % 2n === 1n)) return q + 1n;
  return q;
}

/** `amount × bps / 10 000`, rounded half-even; `bps` is basis points (1% = 100). */
export function percentOf(amount: number, bps: number): number {
  assertInt(amount, 'amount');
  assertInt(bps, 'bps');
  const p = amount * bps;
  if (p <= SAFE) return divRound(p, 10_000);
  return Number(divRoundBig(BigInt(amount) * BigInt(bps), 10_000n));
}

/**
 * Splits `total` into parts proportional to `weights` by largest remainder: each part is the
 * floored exact share, and the units left over go to the largest fractional remainders (ties to
 * the lower index, so the split is deterministic). The parts sum exactly to `total`, and no part
 * exceeds its weight when `total ≤ sum(weights)`. All-zero weights split evenly.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  assertInt(total, 'total');
  const n = weights.length;
  if (n === 0) {
    if (total !== 0) throw new RangeError('cannot allocate a non-zero total over no parts');
    return [];
  }
  let sum = 0;
  for (const w of weights) {
    assertInt(w, 'weight');
    sum += w;
  }
  const ws = sum === 0 ? weights.map(() => 1) : weights;
  const W = sum === 0 ? n : sum;
  const parts = new Array<number>(n);
  const rems = new Array<number>(n);
  let given = 0;
  if (Number.isSafeInteger(sum) && total * W <= SAFE) {
    for (let i = 0; i < n; i++) {
      const p = total * (ws[i] ?? 0);
      const r = p % W;
      parts[i] = (p - r) / W;
      rems[i] = r;
      given += parts[i] ?? 0;
    }
  } else {
    // Remainders are < W, which may itself exceed 2^53: keep them as BigInt for the ranking.
    const bigRems: bigint[] = [];
    const bigW = ws.reduce((a, w) => a + BigInt(w), 0n);
    for (let i = 0; i < n; i++) {
      const p = BigInt(total) * BigInt(ws[i] ?? 0);
      parts[i] = Number(p / bigW);
      bigRems.push(p % bigW);
      given += parts[i] ?? 0;
    }
    const order = bigRems.map((_, i) => i).sort((a, b) => {
      const ra = bigRems[a] ?? 0n;
      const rb = bigRems[b] ?? 0n;
      return ra === rb ? a - b : ra > rb ? -1 : 1;
    });
    for (let k = 0; k < total - given; k++) {
      const i = order[k] ?? 0;
      parts[i] = (parts[i] ?? 0) + 1;
    }
    return parts;
  }
  const left = total - given; // < n
  if (left > 0) {
    const order = rems.map((_, i) => i).sort((a, b) => (rems[b] ?? 0) - (rems[a] ?? 0) || a - b);
    for (let k = 0; k < left; k++) {
      const i = order[k] ?? 0;
      parts[i] = (parts[i] ?? 0) + 1;
    }
  }
  return parts;
}

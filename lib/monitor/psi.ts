/**
 * The population stability index: how far a distribution over bins moved
 * from a reference, `Σ (a − e) · ln(a / e)` over the bins, with actual shares
 * `a` and reference shares `e`. Both are floored at {@link PSI_FLOOR} so an
 * empty bin counts as a small share rather than an infinite term. Read it as:
 * below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a major one.
 * @module
 */

/** The least share a bin counts as, on either side. */
export const PSI_FLOOR = 1e-4;

/**
 * PSI of `counts[from..to)` (out of `total` rows) against the reference
 * shares `reference[from..to)`; 0 when `total` is 0.
 */
export function psi(
  reference: ArrayLike<number>,
  counts: ArrayLike<number>,
  range: { from: number; to: number; total: number },
): number {
  const { from, to, total } = range;
  if (total <= 0) return 0;
  let sum = 0;
  for (let b = from; b < to; b++) {
    const a = Math.max(counts[b]! / total, PSI_FLOOR);
    const e = Math.max(reference[b]!, PSI_FLOOR);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

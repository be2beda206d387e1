import { assertAlmostEquals, assertEquals } from "../_testing/assert.ts";
import { balancedWeights, bestThreshold, crossValidatedThreshold } from "./imbalance.ts";
import { fitLogistic } from "./logistic.ts";
import type { Design } from "./design.ts";

Deno.test("balancedWeights() gives n / (k · n_c), as scikit-learn's balanced class weights", () => {
  // 6 rows, 2 classes: 4 of class 0 (6 / 8 = 0.75), 2 of class 1 (6 / 4 = 1.5)
  assertEquals(Array.from(balancedWeights(Int32Array.from([0, 0, 1, 0, 1, 0]), 2)), [
    0.75,
    0.75,
    1.5,
    0.75,
    1.5,
    0.75,
  ]);
});

Deno.test("bestThreshold() picks the cut-off with the best macro F1, between two probabilities", () => {
  // class 1 sits above 0.3: the best cut is between 0.2 and 0.3
  const t = bestThreshold([0.1, 0.2, 0.3, 0.35, 0.05], [0, 0, 1, 1, 0]);
  assertEquals(t, 0.25);
  // tied probabilities fall on one side
  const tied = bestThreshold([0.5, 0.5, 0.9], [0, 1, 1]);
  assertEquals(tied, 0.7);
});

Deno.test("a row weighted 2 in the loss fits as that row twice", () => {
  const x = Float64Array.from([0, 1, 2, 3, 1.5]);
  const y = Int32Array.from([0, 1, 0, 1, 0]);
  const weighted: Design = {
    columns: [x],
    rows: 5,
    width: 2,
    weights: Float64Array.from([1, 1, 1, 1, 2]),
  };
  const twice: Design = { columns: [Float64Array.from([...x, 1.5])], rows: 6, width: 2 };
  // both objectives times their row count are Σ w·loss + ||β||² / 2C: one minimiser
  const options = { c: 1, maxIter: 500, tol: 1e-10 };
  const a = fitLogistic(weighted, y, 2, options);
  const b = fitLogistic(twice, Int32Array.from([...y, 0]), 2, options);
  assertAlmostEquals(a.coef[0]!, b.coef[0]!, 1e-4);
  assertAlmostEquals(a.coef[1]!, b.coef[1]!, 1e-4);
});

/** The cut-off chosen on 200 rows, 10 % of class `rare` (a little higher on x), positive `rare`. */
function rareClassThreshold(rare: 0 | 1): { threshold: number; folds: number } {
  const n = 200;
  const x = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0) + Math.sin(i * 7.1));
  const y = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? rare : 1 - rare));
  return crossValidatedThreshold(
    { columns: [x], rows: n, width: 2 },
    y,
    { c: 1, maxIter: 200, tol: 1e-8, seed: 1, ...(rare === 0 ? { positive: 0 } : {}) },
  );
}

Deno.test("crossValidatedThreshold() lowers the cut-off for a rare class", () => {
  const { threshold, folds } = rareClassThreshold(1);
  assertEquals(folds, 5);
  assertEquals(threshold > 0 && threshold < 0.5, true);
});

Deno.test("crossValidatedThreshold() cuts on the positive class's probability when it is class 0", () => {
  // the rare class is class 0 here: its cut-off on its own probability is low, as above
  const { threshold, folds } = rareClassThreshold(0);
  assertEquals(folds, 5);
  assertEquals(threshold > 0 && threshold < 0.5, true, String(threshold));
});

/**
 * Classification metrics over class indices, matching scikit-learn's
 * `accuracy_score` and `f1_score(average="macro")`.
 * @module
 */

/** The seed's two headline metrics. */
export interface Scores {
  /** Fraction of rows predicted right. */
  accuracy: number;
  /** Unweighted mean of per-class F1 over classes seen in truth or prediction. */
  f1: number;
}

/** Counts of (true class, predicted class) pairs, `matrix[true][pred]`. */
export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classCount: number,
): number[][] {
  const matrix = Array.from(
    { length: classCount },
    () => new Array<number>(classCount).fill(0),
  );
  for (let i = 0; i < truth.length; i++) {
    matrix[truth[i]!]![predicted[i]!]! += 1;
  }
  return matrix;
}

/** Accuracy and macro F1 of `predicted` against `truth`. */
export function scores(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classCount: number,
): Scores {
  if (truth.length === 0) throw new RangeError("Cannot score: no rows");
  const matrix = confusionMatrix(truth, predicted, classCount);
  let correct = 0;
  let f1Sum = 0;
  let present = 0;
  for (let k = 0; k < classCount; k++) {
    const tp = matrix[k]![k]!;
    correct += tp;
    const support = matrix[k]!.reduce((a, b) => a + b, 0);
    const predictedK = matrix.reduce((a, row) => a + row[k]!, 0);
    if (support === 0 && predictedK === 0) continue;
    present++;
    // F1 = 2TP / (2TP + FP + FN), 0 when undefined as scikit-learn does
    const denominator = support + predictedK;
    f1Sum += denominator === 0 ? 0 : (2 * tp) / denominator;
  }
  return { accuracy: correct / truth.length, f1: f1Sum / present };
}

/**
 * Classification metrics over class indices, matching scikit-learn's
 * `accuracy_score`, `f1_score(average="macro")`, `precision_recall_fscore_support`,
 * `confusion_matrix`, `log_loss` and `roc_auc_score`, and the schemas of the
 * reports they make, as the model document and the gate's records hold them.
 * @module
 */
import { z } from "zod";

/** A score in [0, 1]: accuracy, F1, precision, recall, ROC AUC, a threshold. */
export const Score = z.number().min(0).max(1);

/** The seed's two headline metrics. */
export const Scores = z.object({
  /** Fraction of rows predicted right. */
  accuracy: Score,
  /** Unweighted mean of per-class F1 over classes seen in truth or prediction. */
  f1: Score,
});
/** The seed's two headline metrics. */
export type Scores = z.infer<typeof Scores>;

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

/** Precision, recall, F1 and support of one class. */
export const ClassMetrics = z.object({
  /** Right predictions of the class over all predictions of it (0 when never predicted). */
  precision: Score,
  /** Right predictions of the class over its true rows (0 when it has none). */
  recall: Score,
  /** Harmonic mean of precision and recall (0 when both are 0). */
  f1: Score,
  /** Rows whose true class it is. */
  support: z.number().int().nonnegative(),
});
/** Precision, recall, F1 and support of one class. */
export type ClassMetrics = z.infer<typeof ClassMetrics>;

/** Every metric the gate reports, with class labels: as `evaluation.json` and `heldOut` hold it. */
export const LabelledReport = z.object({
  /** Rows scored. */
  rows: z.number().int().nonnegative(),
  ...Scores.shape,
  /** Class labels by index, as strings. */
  labels: z.array(z.string()),
  /** Per class, with its label, as scikit-learn's `precision_recall_fscore_support`. */
  perClass: z.array(ClassMetrics.extend({ label: z.string() })),
  /** `confusion[true][predicted]`. */
  confusion: z.array(z.array(z.number().int().nonnegative())),
  /**
   * Mean negative log-likelihood of the true class (`log_loss`), over rows
   * whose class the probabilities cover; `null` when there are none.
   */
  logLoss: z.number().nonnegative().nullable(),
  /**
   * Area under the ROC curve of class 1 against class 0 (`roc_auc_score`)
   * for a two-class model; `null` otherwise or when a class has no rows.
   */
  rocAuc: Score.nullable(),
  /**
   * Mean recall over the classes present in truth (`balanced_accuracy_score`);
   * absent in older records.
   */
  balancedAccuracy: Score.optional(),
  /**
   * Area under the precision-recall curve of the positive class
   * (`average_precision_score(pos_label=…)`) for a two-class model; `null`
   * otherwise or without positives; absent in older records.
   */
  prAuc: Score.nullable().optional(),
  /**
   * Two classes: the positive class, whose PR AUC this is and whose
   * probability a threshold cuts; absent in older records (the second class).
   */
  positive: z.string().optional(),
  /** The majority-class baseline: always predicting the most frequent true class. */
  majority: z.object({ label: z.string(), accuracy: Score, f1: Score }).optional(),
});
/** Every metric the gate reports, with class labels. */
export type LabelledReport = z.infer<typeof LabelledReport>;

/** A {@link LabelledReport} over class indices, before labels are attached. */
export type Report = Omit<LabelledReport, "labels" | "perClass"> & { perClass: ClassMetrics[] };

/** Probabilities for a report: `rows × width`, row-major. */
export interface Probabilities {
  /** The values. */
  values: ArrayLike<number>;
  /** Classes per row; truth indices at or above it have no probability. */
  width: number;
}

/** Clipping of probabilities before the log, as scikit-learn 1.2's `log_loss`. */
export const LOG_LOSS_EPS = 1e-15;

/**
 * The full report of `predicted` against `truth`; `probabilities` add log
 * loss and, for two classes, ROC AUC and the PR AUC of class `positive`
 * (default 1, scikit-learn's `classes_[1]`).
 */
export function classificationReport(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  options: { classCount: number; probabilities?: Probabilities; positive?: number },
): Report {
  const { accuracy, f1 } = scores(truth, predicted, options.classCount);
  const confusion = confusionMatrix(truth, predicted, options.classCount);
  const perClass = confusion.map((row, k): ClassMetrics => {
    const tp = row[k]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((a, r) => a + r[k]!, 0);
    return {
      precision: predictedK === 0 ? 0 : tp / predictedK,
      recall: support === 0 ? 0 : tp / support,
      f1: support + predictedK === 0 ? 0 : (2 * tp) / (support + predictedK),
      support,
    };
  });
  const p = options.probabilities;
  const present = perClass.filter((c) => c.support > 0);
  const top = perClass.reduce((best, c, k) => (c.support > perClass[best]!.support ? k : best), 0);
  const always = scores(truth, new Int32Array(truth.length).fill(top), options.classCount);
  return {
    rows: truth.length,
    accuracy,
    f1,
    perClass,
    confusion,
    logLoss: p ? logLoss(truth, p) : null,
    rocAuc: p && p.width === 2 ? rocAuc(truth, p) : null,
    balancedAccuracy: present.reduce((a, c) => a + c.recall, 0) / present.length,
    prAuc: p && p.width === 2 ? averagePrecision(truth, p, options.positive) : null,
    majority: { label: String(top), ...always },
    ...(p && p.width === 2 ? { positive: String(options.positive ?? 1) } : {}),
  };
}

/**
 * Average precision of class `positive`'s probability for truth `positive`
 * (`average_precision_score(pos_label=positive)`, default class 1):
 * `Σ (R_n − R_{n−1}) · P_n` over the distinct scores, highest first; `null` without positives.
 */
export function averagePrecision(
  truth: ArrayLike<number>,
  p: Probabilities,
  positive = 1,
): number | null {
  // each side's scores sorted on their own (typed arrays: a million rows are
  // 8 MB, not an array of indices sorted through a closure), NaN left out
  let positives = 0, others = 0;
  for (let i = 0; i < truth.length; i++) {
    const score = p.values[i * p.width + positive]!;
    if (score !== score) continue;
    if (truth[i] === positive) positives++;
    else others++;
  }
  if (positives === 0) return null;
  const pos = new Float64Array(positives), neg = new Float64Array(others);
  for (let i = 0, a = 0, b = 0; i < truth.length; i++) {
    const score = p.values[i * p.width + positive]!;
    if (score !== score) continue;
    if (truth[i] === positive) pos[a++] = score;
    else neg[b++] = score;
  }
  pos.sort();
  neg.sort();
  // walk both from the highest score down, a distinct score (with its ties) at a time
  let tp = 0, seen = 0, ap = 0, recall = 0;
  for (let a = positives - 1, b = others - 1; a >= 0 || b >= 0;) {
    const score = Math.max(a >= 0 ? pos[a]! : -Infinity, b >= 0 ? neg[b]! : -Infinity);
    while (a >= 0 && pos[a] === score) {
      tp++;
      seen++;
      a--;
    }
    while (b >= 0 && neg[b] === score) {
      seen++;
      b--;
    }
    const r = tp / positives;
    ap += (r - recall) * (tp / seen);
    recall = r;
  }
  return Math.min(1, Math.max(0, ap));
}

/** Mean `-ln p(true class)`, clipped to [eps, 1 - eps]; `null` with no usable row. */
export function logLoss(truth: ArrayLike<number>, p: Probabilities): number | null {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    const k = truth[i]!;
    if (k < 0 || k >= p.width) continue;
    const q = Math.min(Math.max(p.values[i * p.width + k]!, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    sum -= Math.log(q);
    n++;
  }
  return n === 0 ? null : sum / n;
}

/**
 * ROC AUC of class 1's probability for truth 1 against truth 0 (other rows
 * ignored): the Mann-Whitney statistic, ties counting half.
 */
export function rocAuc(truth: ArrayLike<number>, p: Probabilities): number | null {
  let positives = 0, negatives = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === 1) positives++;
    else if (truth[i] === 0) negatives++;
  }
  if (positives === 0 || negatives === 0) return null;
  // each side's scores sorted on their own (typed arrays, no per-row objects),
  // then walked together in ascending order
  const pos = new Float64Array(positives), neg = new Float64Array(negatives);
  for (let i = 0, a = 0, b = 0; i < truth.length; i++) {
    const k = truth[i];
    if (k === 1) pos[a++] = p.values[i * p.width + 1]!;
    else if (k === 0) neg[b++] = p.values[i * p.width + 1]!;
  }
  pos.sort();
  neg.sort();
  // rank sums are sums of half-integers far below 2^53: exact in any order
  let rankSum = 0;
  for (let a = 0, b = 0; a < positives || b < negatives;) {
    const x = a < positives ? pos[a]! : Infinity, y = b < negatives ? neg[b]! : Infinity;
    // typed sorts put NaN last; a NaN is never the smaller one
    const score = x < y || y !== y ? x : y;
    let tiedPos = 0, tiedNeg = 0;
    while (a + tiedPos < positives && pos[a + tiedPos] === score) tiedPos++;
    while (b + tiedNeg < negatives && neg[b + tiedNeg] === score) tiedNeg++;
    if (tiedPos + tiedNeg === 0) break; // a NaN score: not ranked
    // tied scores share the mean of ranks i+1 … j
    const i = a + b, j = i + tiedPos + tiedNeg;
    rankSum += tiedPos * ((i + 1 + j) / 2);
    a += tiedPos;
    b += tiedNeg;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Attaches `labels` (by class index) to `report`. */
export function withLabels(report: Report, labels: readonly string[]): LabelledReport {
  return {
    ...report,
    labels: [...labels],
    perClass: report.perClass.map((c, k) => ({ label: labels[k] ?? String(k), ...c })),
    ...(report.majority
      ? {
        majority: {
          ...report.majority,
          label: labels[Number(report.majority.label)] ?? report.majority.label,
        },
      }
      : {}),
    ...(report.positive === undefined
      ? {}
      : { positive: labels[Number(report.positive)] ?? report.positive }),
  };
}

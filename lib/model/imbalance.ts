/**
 * Class imbalance: scikit-learn's balanced class weights, and the probability
 * cut-off of a two-class model, given or chosen to maximise macro F1 on
 * out-of-fold predictions of the training rows.
 * @module
 */
import { z } from "zod";
import { stratifiedFolds } from "../data/split.ts";
import { type Design, designRows } from "./design.ts";
import { fitLogistic } from "./logistic.ts";

/** `--class-weight`: none, or scikit-learn's `"balanced"`. */
export const ClassWeight = z.enum(["none", "balanced"]);
/** `--class-weight`: none, or scikit-learn's `"balanced"`. */
export type ClassWeight = z.infer<typeof ClassWeight>;

/** A cut-off on the probability of the positive class, strictly between 0 and 1. */
export const Threshold = z.number().gt(0).lt(1);

/**
 * A weight per row, `n / (k · n_c)` for a row of class c (scikit-learn's
 * `compute_class_weight("balanced")`), over the classes present in `y`.
 */
export function balancedWeights(y: Int32Array, classCount: number): Float64Array {
  const counts = new Float64Array(classCount);
  for (let i = 0; i < y.length; i++) counts[y[i]!] = counts[y[i]!]! + 1;
  const present = counts.filter((c) => c > 0).length;
  return Float64Array.from(y, (c) => y.length / (present * counts[c]!));
}

/** Macro F1 of a two-class confusion: (F1 of class 1 + F1 of class 0) / 2. */
function binaryMacroF1(tp: number, fp: number, fn: number, tn: number): number {
  const f1 = (a: number, b: number) => (a + b === 0 ? 0 : (2 * a) / (2 * a + b));
  return (f1(tp, fp + fn) + f1(tn, fn + fp)) / 2;
}

/**
 * The cut-off on `p` (probability of class 1) that maximises macro F1 of
 * `p >= t → 1` against `y` (0 or 1): the midpoint between the lowest
 * probability predicted 1 and the next one down.
 */
export function bestThreshold(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const order = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[b]! - p[a]!);
  let positives = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) positives++;
  const negatives = y.length - positives;
  // nothing predicted 1 yet: every positive a false negative
  let tp = 0, fp = 0;
  let best = binaryMacroF1(0, 0, positives, negatives), cut = 1;
  for (let j = 0; j < order.length;) {
    const value = p[order[j]!]!;
    // rows with equal probabilities fall on the same side
    while (j < order.length && p[order[j]!] === value) {
      if (y[order[j]!] === 1) tp++;
      else fp++;
      j++;
    }
    const score = binaryMacroF1(tp, fp, positives - tp, negatives - fp);
    if (score > best + 1e-12) {
      best = score;
      const next = j < order.length ? p[order[j]!]! : 0;
      cut = (value + next) / 2;
    }
  }
  return Math.min(Math.max(cut, 1e-6), 1 - 1e-6);
}

/** Options for {@link crossValidatedThreshold}. */
export interface ThresholdCvOptions {
  /** The C of the final fit. */
  c: number;
  /** L-BFGS iterations at most. */
  maxIter: number;
  /** Gradient tolerance. */
  tol: number;
  /** Seed for the folds. */
  seed: number;
  /** Folds at most (5). */
  folds?: number;
  /** The class (0 or 1) whose probability the cut-off is on (default 1). */
  positive?: number;
}

/**
 * The macro-F1-best cut-off on out-of-fold probabilities of the positive
 * class of the training rows (`y` 0 or 1, `design` with any class
 * weights), and the folds used.
 */
export function crossValidatedThreshold(
  design: Design,
  y: Int32Array,
  options: ThresholdCvOptions,
): { threshold: number; folds: number } {
  let positives = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) positives++;
  const folds = Math.min(options.folds ?? 5, positives, y.length - positives);
  if (folds < 2) return { threshold: 0.5, folds: 0 };
  const fold = stratifiedFolds(y, 2, { folds, seed: options.seed });
  const p = new Float64Array(y.length);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [], test: number[] = [];
    for (let i = 0; i < y.length; i++) (fold[i] === f ? test : train).push(i);
    const fitted = fitLogistic(
      designRows(design, train),
      Int32Array.from(train, (r) => y[r]!),
      2,
      { c: options.c, maxIter: options.maxIter, tol: options.tol },
    );
    const held = designRows(design, test);
    for (let i = 0; i < test.length; i++) {
      let z = fitted.coef[0]!;
      for (let j = 0; j < held.columns.length; j++) z += fitted.coef[j + 1]! * held.columns[j]![i]!;
      p[test[i]!] = 1 / (1 + Math.exp(-z));
    }
  }
  // the cut is on the positive class's probability: class 0's is 1 − p
  if (options.positive === 0) {
    return { threshold: bestThreshold(p.map((q) => 1 - q), y.map((c) => 1 - c)), folds };
  }
  return { threshold: bestThreshold(p, y), folds };
}

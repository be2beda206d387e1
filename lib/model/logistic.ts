/**
 * L2-regularised logistic regression fitted by L-BFGS, as scikit-learn's
 * default `LogisticRegression(C=1.0)` fits it: the binary log-loss for two
 * classes, the multinomial (softmax) log-loss for more, the intercept not
 * penalised.
 *
 * The objective is the mean loss over rows plus `||β||² / (2·C·n)`, which has
 * the same minimiser as scikit-learn's `C·Σ loss + ||β||²/2` but keeps the
 * gradient tolerance independent of the number of rows (scikit-learn scales
 * the same way). Coefficients are row-major, one row of `width` values per
 * logit, the intercept first: one row for two classes (the logit of class 1),
 * `classCount` rows otherwise.
 * @module
 */
import { minimize } from "./lbfgs.ts";
import type { Design } from "./solver.ts";

/** Options for {@link fitLogistic}. */
export interface LogisticOptions {
  /** Inverse L2 strength, as scikit-learn's `C`. */
  c: number;
  /** L-BFGS iterations at most. */
  maxIter: number;
  /** Stop when no gradient component exceeds this. */
  tol: number;
  /** Start point (a previous fit's coefficients), zeros when absent. */
  start?: Float64Array;
  /** Called after each iteration with the objective. */
  onIteration?: (iteration: number, loss: number) => void;
}

/** A fitted coefficient matrix and how the fit went. */
export interface LogisticFit {
  /** `logits × width` coefficients, row-major, intercept first. */
  coef: Float64Array;
  /** Rows of `coef`: 1 for two classes, `classCount` otherwise. */
  logits: number;
  /** L-BFGS iterations taken. */
  iterations: number;
  /** Whether the gradient tolerance was reached (or no step could improve). */
  converged: boolean;
  /** The objective at the end. */
  loss: number;
}

/** Number of coefficient rows for `classCount` classes. */
export function logitCount(classCount: number): number {
  return classCount === 2 ? 1 : classCount;
}

/** Fits coefficients for class indices `y` (0 … classCount-1) on `design`. */
export function fitLogistic(
  design: Design,
  y: Int32Array,
  classCount: number,
  options: LogisticOptions,
): LogisticFit {
  const logits = logitCount(classCount);
  const coef = options.start ? options.start.slice() : new Float64Array(logits * design.width);
  const penalty = 1 / (options.c * design.rows);
  const objective = (b: Float64Array, gradient: Float64Array) => {
    const loss = logits === 1
      ? binaryLoss(design, y, b, gradient)
      : softmaxLoss(design, y, logits, b, gradient);
    let reg = 0;
    for (let k = 0; k < logits; k++) {
      // column 0 is the intercept, which is not penalised
      for (let j = 1; j < design.width; j++) {
        const v = b[k * design.width + j]!;
        reg += v * v;
        gradient[k * design.width + j] = gradient[k * design.width + j]! + penalty * v;
      }
    }
    return loss + 0.5 * penalty * reg;
  };
  const result = minimize(objective, coef, {
    maxIter: options.maxIter,
    tol: options.tol,
    onIteration: options.onIteration,
  });
  return {
    coef: result.x,
    logits,
    iterations: result.iterations,
    converged: result.reason !== "max-iter",
    loss: result.value,
  };
}

/** Mean log-loss of `coef` on the rows of `design` (no penalty), for model selection. */
export function meanLogLoss(
  design: Design,
  y: Int32Array,
  classCount: number,
  coef: Float64Array,
): number {
  const gradient = new Float64Array(coef.length);
  const logits = logitCount(classCount);
  return logits === 1
    ? binaryLoss(design, y, coef, gradient)
    : softmaxLoss(design, y, logits, coef, gradient);
}

/** Mean binary log-loss; writes its gradient (overwriting `gradient`). */
function binaryLoss(design: Design, y: Int32Array, b: Float64Array, gradient: Float64Array) {
  const { x, rows, width } = design;
  gradient.fill(0);
  let loss = 0;
  for (let i = 0, o = 0; i < rows; i++, o += width) {
    let z = 0;
    for (let j = 0; j < width; j++) z += x[o + j]! * b[j]!;
    // one exp serves both the loss and the probability: e = exp(-|z|)
    const e = Math.exp(z >= 0 ? -z : z);
    const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    // log(1 + exp(-z)) for class 1, log(1 + exp(z)) for class 0, without overflow;
    // log(1 + e) rather than log1p(e): e ≤ 1, so the difference is below 1e-16, and faster
    const softplus = Math.log(1 + e);
    const positive = y[i] === 1;
    loss += positive ? (z >= 0 ? softplus : softplus - z) : (z >= 0 ? softplus + z : softplus);
    const r = positive ? p - 1 : p;
    for (let j = 0; j < width; j++) gradient[j] = gradient[j]! + r * x[o + j]!;
  }
  for (let j = 0; j < width; j++) gradient[j] = gradient[j]! / rows;
  return loss / rows;
}

/** Mean multinomial log-loss; writes its gradient (overwriting `gradient`). */
function softmaxLoss(
  design: Design,
  y: Int32Array,
  logits: number,
  b: Float64Array,
  gradient: Float64Array,
) {
  const { x, rows, width } = design;
  gradient.fill(0);
  const z = new Float64Array(logits);
  let loss = 0;
  for (let i = 0, o = 0; i < rows; i++, o += width) {
    let max = -Infinity;
    for (let k = 0; k < logits; k++) {
      let s = 0;
      const kb = k * width;
      for (let j = 0; j < width; j++) s += x[o + j]! * b[kb + j]!;
      z[k] = s;
      if (s > max) max = s;
    }
    const label = y[i]!;
    // log-softmax from the raw logit, which cannot underflow to log(0)
    loss += max - z[label]!;
    let total = 0;
    for (let k = 0; k < logits; k++) {
      const e = Math.exp(z[k]! - max);
      total += e;
      z[k] = e;
    }
    loss += Math.log(total);
    for (let k = 0; k < logits; k++) {
      const r = z[k]! / total - (k === label ? 1 : 0);
      const kb = k * width;
      for (let j = 0; j < width; j++) gradient[kb + j] = gradient[kb + j]! + r * x[o + j]!;
    }
  }
  for (let j = 0; j < gradient.length; j++) gradient[j] = gradient[j]! / rows;
  return loss / rows;
}

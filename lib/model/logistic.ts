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
import type { Design, DesignColumn } from "./design.ts";

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

// rows per block: a block's logits and residuals stay in cache while every column passes
const BLOCK = 1024;

/**
 * `z[i] = b[at] + Σ_j b[at + 1 + j] · columns[j][start + i]` for `count` rows:
 * four columns a turn, so `z` is read and written a quarter as often.
 */
function logitsOf(
  columns: DesignColumn[],
  b: Float64Array,
  at: number,
  block: { start: number; count: number },
  z: Float64Array,
  zAt: number,
): void {
  const { start, count } = block;
  const p = columns.length;
  z.fill(b[at]!, zAt, zAt + count);
  let j = 0;
  for (; j + 4 <= p; j += 4) {
    const c0 = columns[j]!, c1 = columns[j + 1]!, c2 = columns[j + 2]!, c3 = columns[j + 3]!;
    const b0 = b[at + 1 + j]!, b1 = b[at + 2 + j]!, b2 = b[at + 3 + j]!, b3 = b[at + 4 + j]!;
    for (let i = 0; i < count; i++) {
      const r = start + i;
      z[zAt + i] = z[zAt + i]! + (b0 * c0[r]! + b1 * c1[r]! + b2 * c2[r]! + b3 * c3[r]!);
    }
  }
  for (; j < p; j++) {
    const c = columns[j]!, bj = b[at + 1 + j]!;
    for (let i = 0; i < count; i++) z[zAt + i] = z[zAt + i]! + bj * c[start + i]!;
  }
}

/** `gradient[at + 1 + j] += Σ_i r[rAt + i] · columns[j][start + i]`, and the intercept's `Σ r`. */
function accumulate(
  columns: DesignColumn[],
  r: Float64Array,
  rAt: number,
  block: { start: number; count: number },
  gradient: Float64Array,
  at: number,
): void {
  const { start, count } = block;
  const p = columns.length;
  let s = 0;
  for (let i = 0; i < count; i++) s += r[rAt + i]!;
  gradient[at] = gradient[at]! + s;
  let j = 0;
  for (; j + 4 <= p; j += 4) {
    const c0 = columns[j]!, c1 = columns[j + 1]!, c2 = columns[j + 2]!, c3 = columns[j + 3]!;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0; i < count; i++) {
      const ri = r[rAt + i]!, row = start + i;
      s0 += ri * c0[row]!;
      s1 += ri * c1[row]!;
      s2 += ri * c2[row]!;
      s3 += ri * c3[row]!;
    }
    gradient[at + 1 + j] = gradient[at + 1 + j]! + s0;
    gradient[at + 2 + j] = gradient[at + 2 + j]! + s1;
    gradient[at + 3 + j] = gradient[at + 3 + j]! + s2;
    gradient[at + 4 + j] = gradient[at + 4 + j]! + s3;
  }
  for (; j < p; j++) {
    const c = columns[j]!;
    let sj = 0;
    for (let i = 0; i < count; i++) sj += r[rAt + i]! * c[start + i]!;
    gradient[at + 1 + j] = gradient[at + 1 + j]! + sj;
  }
}

/**
 * Mean binary log-loss and its gradient (overwriting `gradient`) in one pass
 * over the rows, a block at a time.
 */
export function binaryLoss(
  design: Design,
  y: Int32Array,
  b: Float64Array,
  gradient: Float64Array,
): number {
  const { columns, rows, weights } = design;
  gradient.fill(0);
  const z = new Float64Array(Math.min(BLOCK, rows));
  let loss = 0;
  for (let start = 0; start < rows; start += BLOCK) {
    const block = { start, count: Math.min(BLOCK, rows - start) };
    logitsOf(columns, b, 0, block, z, 0);
    for (let i = 0; i < block.count; i++) {
      const zi = z[i]!;
      // one exp serves both the loss and the probability: e = exp(-|z|)
      const e = Math.exp(zi >= 0 ? -zi : zi);
      const p = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
      // log(1 + exp(-z)) for class 1, log(1 + exp(z)) for class 0, without overflow;
      // log(1 + e) rather than log1p(e): e ≤ 1, so the difference is below 1e-16, and faster
      const softplus = Math.log(1 + e);
      const positive = y[start + i] === 1;
      // a row's class weight scales its loss and its residual
      const w = weights === undefined ? 1 : weights[start + i]!;
      loss += w *
        (positive ? (zi >= 0 ? softplus : softplus - zi) : (zi >= 0 ? softplus + zi : softplus));
      // z now holds the residual
      z[i] = w * (positive ? p - 1 : p);
    }
    accumulate(columns, z, 0, block, gradient, 0);
  }
  for (let j = 0; j < gradient.length; j++) gradient[j] = gradient[j]! / rows;
  return loss / rows;
}

/**
 * Mean multinomial log-loss and its gradient (overwriting `gradient`) in one
 * pass over the rows, a block at a time.
 */
export function softmaxLoss(
  design: Design,
  y: Int32Array,
  logits: number,
  b: Float64Array,
  gradient: Float64Array,
): number {
  const { columns, rows, width, weights } = design;
  gradient.fill(0);
  const size = Math.min(BLOCK, rows);
  // logit k of row i at z[k * size + i]
  const z = new Float64Array(logits * size);
  let loss = 0;
  for (let start = 0; start < rows; start += BLOCK) {
    const block = { start, count: Math.min(BLOCK, rows - start) };
    for (let k = 0; k < logits; k++) logitsOf(columns, b, k * width, block, z, k * size);
    for (let i = 0; i < block.count; i++) {
      let max = -Infinity;
      for (let k = 0; k < logits; k++) if (z[k * size + i]! > max) max = z[k * size + i]!;
      const label = y[start + i]!;
      const w = weights === undefined ? 1 : weights[start + i]!;
      // log-softmax from the raw logit, which cannot underflow to log(0)
      let rowLoss = max - z[label * size + i]!;
      let total = 0;
      for (let k = 0; k < logits; k++) {
        const e = Math.exp(z[k * size + i]! - max);
        total += e;
        z[k * size + i] = e;
      }
      rowLoss += Math.log(total);
      loss += w * rowLoss;
      // z now holds the residuals, weighted
      for (let k = 0; k < logits; k++) {
        z[k * size + i] = w * (z[k * size + i]! / total - (k === label ? 1 : 0));
      }
    }
    for (let k = 0; k < logits; k++) accumulate(columns, z, k * size, block, gradient, k * width);
  }
  for (let j = 0; j < gradient.length; j++) gradient[j] = gradient[j]! / rows;
  return loss / rows;
}

/**
 * Fitting the weights of an ml-logistic-regression model.
 *
 * Whatever the solver, the result is the library's own `toJSON()` shape, so
 * `LogisticRegression.load(json).predict(...)` reproduces our predictions.
 * The library scores each class with `sigmoid(w·x)` read as the chance of
 * *not* being that class and predicts the smallest score.
 *
 * Two solvers: `lbfgs` (the default) fits scikit-learn's L2-regularised
 * logistic regression with L-BFGS over typed arrays; `gd` runs the library's
 * own full-batch gradient descent, one-vs-rest.
 * @module
 */
import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import { z } from "zod";
import { fitLogistic, logitCount, meanLogLoss } from "./logistic.ts";
import { stratifiedFolds } from "../data/split.ts";
import { type Design, designRows, rowsOf } from "./design.ts";
import type { Timings } from "../core/timings.ts";
import { UsageError } from "../core/errors.ts";
import { balancedWeights, type ClassWeight } from "./imbalance.ts";

/** The library's serialised model, as its `toJSON()` writes it. */
export const Estimator = z.object({
  name: z.literal("LogisticRegression"),
  numSteps: z.number(),
  learningRate: z.number(),
  numberClasses: z.number().int().min(2),
  classifiers: z.array(z.object({
    numSteps: z.number(),
    learningRate: z.number(),
    /** One row of weights, the intercept first. */
    weights: z.array(z.array(z.number())).length(1),
  })).min(2),
});
/** The library's serialised model, as its `toJSON()` writes it. */
export type Estimator = z.infer<typeof Estimator>;

/** How class probabilities follow from the weights. */
export const ProbabilityKind = z.enum(["softmax", "one-vs-rest"]);
/** How class probabilities follow from the weights. */
export type ProbabilityKind = z.infer<typeof ProbabilityKind>;

/** L-BFGS settings: scikit-learn's LogisticRegression knobs. */
export const LbfgsOptions = z.object({
  solver: z.literal("lbfgs"),
  /** Inverse L2 strength, or `auto` to pick it by cross-validation on small data. */
  c: z.union([z.number().positive(), z.literal("auto")]),
  /** Iterations at most. */
  maxIter: z.number().int().positive(),
  /** Gradient tolerance. */
  tol: z.number().positive(),
});
/** L-BFGS settings: scikit-learn's LogisticRegression knobs. */
export type LbfgsOptions = z.infer<typeof LbfgsOptions>;

/** The library's gradient-descent settings. */
export const GdOptions = z.object({
  solver: z.literal("gd"),
  /** Gradient steps per class. */
  iterations: z.number().int().positive(),
  /** Step size of the library's gradient descent. */
  learningRate: z.number().positive(),
});
/** The library's gradient-descent settings. */
export type GdOptions = z.infer<typeof GdOptions>;

/** Solver settings, recorded in the model and its card. */
export const SolverOptions = z.discriminatedUnion("solver", [LbfgsOptions, GdOptions]);
/** Solver settings, recorded in the model and its card. */
export type SolverOptions = z.infer<typeof SolverOptions>;

/** The values of C tried by `c: "auto"`, as LogisticRegressionCV's default grid, thinned. */
export const C_GRID = [0.01, 0.1, 1, 10, 100] as const;

/**
 * `c: "auto"` cross-validates only up to this many coefficient updates per pass
 * (training rows × encoded width × logits, about 25 fits' worth of work each):
 * beyond it regularisation barely matters and C = 1, scikit-learn's default, is used.
 */
export const AUTO_C_WORK = 100_000;

export type { Design } from "./design.ts";

/** Options for {@link fit}. */
export interface FitOptions {
  /** Number of classes; `y` holds indices 0 … classCount-1. */
  classCount: number;
  /** Solver settings. */
  solver: SolverOptions;
  /** Seed for the cross-validation folds. */
  seed: number;
  /** Called after each L-BFGS iteration of the final fit. */
  onIteration?: (iteration: number, loss: number) => void;
  /** Records the C choice as a stage of its own. */
  timings?: Timings;
  /** `balanced` weighs each row n / (k · n_c) in the loss, as scikit-learn's `class_weight`. */
  classWeight?: ClassWeight;
}

/** A fitted estimator and how to read probabilities from it. */
export interface Fit {
  /** The library's model JSON. */
  estimator: Estimator;
  /** How probabilities follow from the weights. */
  probability: ProbabilityKind;
  /** The settings used and how the fit went, for the model and its card. */
  record: Record<string, string | number>;
}

/** Fits weights for class indices `y` on `design`. */
export function fit(design: Design, y: Int32Array, options: FitOptions): Fit {
  if (options.classWeight === "balanced") {
    if (options.solver.solver === "gd") {
      throw new UsageError(
        "Cannot use --class-weight balanced with --solver gd: the library's gradient descent takes no weights (use --solver lbfgs)",
      );
    }
    const fitted = fitLbfgs({ ...design, weights: balancedWeights(y, options.classCount) }, y, {
      ...options,
      solver: options.solver,
    });
    return { ...fitted, record: { ...fitted.record, classWeight: "balanced" } };
  }
  return options.solver.solver === "gd"
    ? fitGd(design, y, options.classCount, options.solver)
    : fitLbfgs(design, y, { ...options, solver: options.solver });
}

function fitLbfgs(
  design: Design,
  y: Int32Array,
  options: FitOptions & { solver: LbfgsOptions },
): Fit {
  const { classCount, solver } = options;
  const chosen = solver.c === "auto" ? chooseC(design, y, options) : { c: solver.c, how: "given" };
  options.timings?.mark(`choosing C (${chosen.how})`);
  const result = fitLogistic(design, y, classCount, {
    c: chosen.c,
    maxIter: solver.maxIter,
    tol: solver.tol,
    onIteration: options.onIteration,
  });
  return {
    estimator: toEstimator(result.coef, design.width, classCount, result.iterations),
    probability: "softmax",
    record: {
      solver: "lbfgs",
      C: chosen.c,
      cSelection: chosen.how,
      maxIter: solver.maxIter,
      tol: solver.tol,
      iterations: result.iterations,
      converged: result.converged ? "yes" : "no (raise --max-iter)",
    },
  };
}

/**
 * Picks C from {@link C_GRID} by stratified k-fold cross-validated log-loss
 * on the training rows, as `LogisticRegressionCV(scoring="neg_log_loss")`
 * would; small data only (see {@link AUTO_C_WORK}).
 */
function chooseC(
  design: Design,
  y: Int32Array,
  options: FitOptions & { solver: LbfgsOptions },
): { c: number; how: string } {
  const counts = new Array<number>(options.classCount).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]!]! += 1;
  const folds = Math.min(5, ...counts);
  if (design.rows * design.width * logitCount(options.classCount) > AUTO_C_WORK) {
    return {
      c: 1,
      how: `auto: default above ${AUTO_C_WORK} rows × width × logits`,
    };
  }
  if (folds < 2) return { c: 1, how: "auto: default, a class is too small to cross-validate" };
  const fold = stratifiedFolds(y, options.classCount, { folds, seed: options.seed });
  const loss = new Float64Array(C_GRID.length);
  for (let f = 0; f < folds; f++) {
    const train = subset(design, y, fold, (g) => g !== f);
    const test = subset(design, y, fold, (g) => g === f);
    let start: Float64Array | undefined;
    C_GRID.forEach((c, k) => {
      // warm start along the path, from strong to weak regularisation
      const fitted = fitLogistic(train.design, train.y, options.classCount, {
        c,
        maxIter: options.solver.maxIter,
        tol: options.solver.tol,
        start,
      });
      start = fitted.coef;
      loss[k] = loss[k]! +
        meanLogLoss(test.design, test.y, options.classCount, fitted.coef) * test.design.rows;
    });
  }
  let best = 0;
  for (let k = 1; k < C_GRID.length; k++) if (loss[k]! < loss[best]!) best = k;
  return {
    c: C_GRID[best]!,
    how: `auto: ${folds}-fold CV log-loss over ${C_GRID.join(", ")}`,
  };
}

function subset(
  design: Design,
  y: Int32Array,
  fold: Uint8Array,
  keep: (fold: number) => boolean,
): { design: Design; y: Int32Array } {
  const rows: number[] = [];
  for (let i = 0; i < design.rows; i++) if (keep(fold[i]!)) rows.push(i);
  return { design: designRows(design, rows), y: Int32Array.from(rows, (r) => y[r]!) };
}

/**
 * The library's weights for logit coefficients: `w_k = -β_k` for softmax, so
 * that its argmin of `sigmoid(w_k·x)` is the softmax argmax; for two classes
 * `w_0 = β/2, w_1 = -β/2`, so that softmax(-W x) gives P(class 1) = sigmoid(β·x).
 */
export function toEstimator(
  coef: Float64Array,
  width: number,
  classCount: number,
  iterations: number,
): Estimator {
  const rows: number[][] = [];
  if (logitCount(classCount) === 1) {
    rows.push(Array.from(coef.subarray(0, width), (v) => v / 2 + 0));
    rows.push(Array.from(coef.subarray(0, width), (v) => -v / 2 + 0));
  } else {
    for (let k = 0; k < classCount; k++) {
      // + 0 turns -0 into 0, so JSON never depends on the sign of a zero
      rows.push(Array.from(coef.subarray(k * width, (k + 1) * width), (v) => -v + 0));
    }
  }
  return {
    name: "LogisticRegression",
    numSteps: iterations,
    learningRate: 0,
    numberClasses: classCount,
    classifiers: rows.map((w) => ({ numSteps: iterations, learningRate: 0, weights: [w] })),
  };
}

function fitGd(design: Design, y: Int32Array, classCount: number, options: GdOptions): Fit {
  const rows: number[][] = [];
  const x = new Float64Array(design.width);
  for (let i = 0; i < design.rows; i++) {
    rowsOf(design, i, 1, x);
    rows.push(Array.from(x));
  }
  const model = new LogisticRegression({
    numSteps: options.iterations,
    learningRate: options.learningRate,
  });
  model.train(new Matrix(rows), Matrix.columnVector(Array.from(y)));
  const estimator = Estimator.parse(JSON.parse(JSON.stringify(model)));
  if (estimator.numberClasses !== classCount) {
    throw new RangeError(
      `Cannot fit: the training rows hold ${estimator.numberClasses} of ${classCount} classes`,
    );
  }
  return { estimator, probability: "one-vs-rest", record: { ...options } };
}

/**
 * Fitting the weights of an ml-logistic-regression model.
 *
 * Whatever the solver, the result is the library's own `toJSON()` shape, so
 * `LogisticRegression.load(json).predict(...)` reproduces our predictions.
 * The library scores each class with `sigmoid(w·x)` read as the chance of
 * *not* being that class and predicts the smallest score.
 * @module
 */
import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import { z } from "zod";

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

/** Solver settings, recorded in the model and its card. */
export const SolverOptions = z.object({
  solver: z.literal("gd"),
  /** Gradient steps per class. */
  iterations: z.number().int().positive(),
  /** Step size of the library's gradient descent. */
  learningRate: z.number().positive(),
});
/** Solver settings, recorded in the model and its card. */
export type SolverOptions = z.infer<typeof SolverOptions>;

/** A design matrix: `rows × width` values, row-major, intercept column first. */
export interface Design {
  /** The values. */
  x: Float64Array;
  /** Number of rows. */
  rows: number;
  /** Values per row. */
  width: number;
}

/** A fitted estimator and how to read probabilities from it. */
export interface Fit {
  /** The library's model JSON. */
  estimator: Estimator;
  /** How probabilities follow from the weights. */
  probability: ProbabilityKind;
}

/** Fits weights for class indices `y` (0 … classCount-1) on `design`. */
export function fit(
  design: Design,
  y: Int32Array,
  classCount: number,
  options: SolverOptions,
): Fit {
  const rows: number[][] = [];
  for (let i = 0; i < design.rows; i++) {
    rows.push(Array.from(design.x.subarray(i * design.width, (i + 1) * design.width)));
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
  return { estimator, probability: "one-vs-rest" };
}

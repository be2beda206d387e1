/**
 * Training: from a labelled dataset to a validated model document and its
 * held-out scores. Reads nothing and writes nothing itself.
 * @module
 */
import { type Dataset, distinctLabels, type Label } from "../data/dataset.ts";
import { InputError, UsageError } from "../core/errors.ts";
import { balancedWeights, type ClassWeight, crossValidatedThreshold } from "./imbalance.ts";
import { fitFeatures } from "./features.ts";
import { checkDesignSize, type Design, encodeDesign, predictDesign } from "./design.ts";
import type { Timings } from "../core/timings.ts";
import { classificationReport, type Scores, withLabels } from "./scores.ts";
import { Model, MODEL_FORMAT, MODEL_FORMAT_VERSION, ModelFile } from "./model.ts";
import { type ModelName, nameFromPath } from "./name.ts";
import { type Fit, fit, type SolverOptions } from "./solver.ts";
import { stratifiedSplit } from "../data/split.ts";
import { decideRoles, refuseContinuousTarget } from "../data/roles.ts";
import { runtimeVersions } from "../core/versions.ts";
import { profileClasses, profileFeatures } from "../monitor/profile.ts";

/** Options for {@link trainModel}. */
export interface TrainOptions {
  /** Seed for the split (and anything random in the solver). */
  seed: number;
  /** Fraction of rows held out for scoring, in [0, 1); 0 trains and scores on every row. */
  testSize: number;
  /** Solver settings. */
  solver: SolverOptions;
  /** The model's name; by default derived from the data file (see `name.ts`). */
  name?: ModelName;
  /** Creation time; now when absent. */
  createdAt?: Date;
  /** Receives progress lines (stages, solver iterations and loss). */
  progress?: (message: string) => void;
  /**
   * Encode each numeric column into its own buffer and drop the labels once
   * read: less memory, but `data`'s numeric columns and labels are empty afterwards.
   */
  consume?: boolean;
  /** Records how long each stage took. */
  timings?: Timings;
  /** `balanced` weighs classes in the loss as scikit-learn's `class_weight="balanced"`. */
  classWeight?: ClassWeight;
  /** Two classes only: the cut-off on the positive class's probability, or `auto` to choose it by CV. */
  threshold?: number | "auto";
  /**
   * Two classes only: the positive class, by its label as text (`--positive`);
   * by default the minority class of the training rows, the second on a tie.
   */
  positive?: string;
  /** How the data was read, recorded so that the card's retrain command repeats it. */
  reading?: { na?: string[]; features?: string[]; exclude?: string[] };
}

/** A trained model and how it scored on the held-out rows. */
export interface TrainResult {
  /** The model document, validated. */
  file: ModelFile;
  /** Accuracy and macro F1 on the held-out rows (the training rows when testSize is 0). */
  metrics: Scores;
  /** The column-role decisions, one line each, for stderr. */
  decisions: string[];
}

/**
 * Splits `data`, fits the pipeline on the training rows, scores the rest;
 * with `testSize` 0 it trains on every row and scores those same rows.
 */
export function trainModel(data: Dataset, options: TrainOptions): TrainResult {
  const classes = distinctLabels(data.labels);
  refuseContinuousTarget(data, classes);
  if (classes.length < 2) {
    throw new InputError(
      `Cannot train on "${data.source}": target "${data.target}" has a single class (${
        String(classes[0])
      }), at least two are needed`,
    );
  }
  if (options.threshold !== undefined && classes.length !== 2) {
    throw new InputError(
      `Cannot use --threshold on "${data.source}": target "${data.target}" has ${classes.length} classes, a threshold needs exactly two`,
    );
  }
  if (
    options.positive !== undefined &&
    (classes.length !== 2 || !classes.some((c) => String(c) === options.positive))
  ) {
    throw new UsageError(
      `Cannot use --positive "${options.positive}": ${
        classes.length !== 2
          ? `target "${data.target}" has ${classes.length} classes, a positive class needs exactly two`
          : `not a class of target "${data.target}" (classes: ${
            classes.map((c) => JSON.stringify(String(c))).join(", ")
          })`
      }`,
    );
  }
  if (options.threshold === "auto" && options.solver.solver !== "lbfgs") {
    throw new UsageError("Cannot use --threshold auto with --solver gd (use --solver lbfgs)");
  }
  const y = classIndices(data.labels, classes);
  // y holds the labels from here on
  if (options.consume) data.labels.length = 0;
  const timings = options.timings;
  const progress = options.progress;
  timings?.mark("labels");
  const split = options.testSize > 0
    ? stratifiedSplit(y, classes.length, {
      testSize: options.testSize,
      seed: options.seed,
      classNames: classes.map(String),
    })
    : { train: Uint32Array.from({ length: data.rows }, (_, i) => i), test: new Uint32Array(0) };
  timings?.mark("split");
  progress?.("encoding");
  const roles = decideRoles(data, new Set(data.chosen));
  const features = fitFeatures(roles.columns, split.train, { dates: roles.dates });
  checkDesignSize(features, {
    train: split.train.length,
    heldOut: split.test.length,
    source: data.source,
  });
  // the drift reference, before encoding may consume the columns
  const driftFeatures = profileFeatures(features, roles.columns, split.train);
  timings?.mark("feature statistics");
  const design = encodeDesign(features, roles.columns, {
    train: split.train,
    heldOut: split.test,
    consume: options.consume,
  });
  timings?.mark("encoding");
  let lastIteration = 0;
  const fitted = fit(design.train, pick(y, split.train), {
    classCount: classes.length,
    solver: options.solver,
    seed: options.seed,
    classWeight: options.classWeight,
    timings,
    onIteration: (i, loss) => {
      lastIteration = i;
      progress?.(
        `fitting: iteration ${i} of at most ${maxIter(options.solver)}, loss ${
          loss.toPrecision(6)
        }`,
      );
    },
  });
  timings?.mark(`solver (${lastIteration} iterations)`);
  const positive = classes.length === 2 ? positiveOf(classes, pick(y, split.train), options) : null;
  const cut = chooseThreshold(design.train, pick(y, split.train), {
    ...options,
    fitted,
    progress,
    positiveIndex: positive ?? 1,
  });
  if (cut) timings?.mark("choosing the threshold");
  // without held-out rows the scores are training-set scores, and say so
  const scored = split.test.length > 0 ? split.test : split.train;
  const draft = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: options.name ?? nameFromPath(data.source),
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    target: data.target,
    classes,
    features,
    probability: fitted.probability,
    estimator: fitted.estimator,
    training: {
      data: data.source,
      sha256: data.sha256,
      rows: data.rows,
      trainRows: split.train.length,
      testRows: split.test.length,
      seed: options.seed,
      testSize: options.testSize,
      classBalance: classBalance(y, classes),
      solver: fitted.record,
      scoredOn: split.test.length > 0 ? "held-out rows" : "training rows",
      ...(data.delimiter && data.delimiter !== "," ? { delimiter: data.delimiter } : {}),
      // markers learned from the file join --na, so that scoring reads new files alike
      ...definedLists({ ...options.reading, na: learnedNa(options.reading?.na, data.na) }),
      ...(roles.decisions.length ? { decisions: roles.decisions } : {}),
    },
    metrics: { accuracy: 0, f1: 0 },
    runtime: runtimeVersions(),
    card: CARD_FACTS,
    ...(cut ? { threshold: cut.threshold, thresholdSelection: cut.how } : {}),
    ...(positive === null ? {} : { positive: classes[positive] }),
  };
  const model = new Model(validDocument(draft, data));
  progress?.("scoring");
  const predictions = predictDesign(model, split.test.length > 0 ? design.heldOut : design.train);
  const report = classificationReport(pick(y, scored), predictions.classes, {
    classCount: classes.length,
    probabilities: { values: predictions.probabilities, width: classes.length },
    positive: positive ?? undefined,
  });
  const metrics = { accuracy: report.accuracy, f1: report.f1 };
  const heldOut = withLabels(report, classes.map(String));
  const drift = {
    features: driftFeatures,
    predictions: profileClasses(predictions.classes, classes.length),
  };
  const file = validDocument({ ...draft, metrics, heldOut, drift }, data);
  timings?.mark("scoring");
  return { file, metrics, decisions: roles.decisions };
}

/** The non-empty lists of `lists`. */
function definedLists(lists: Record<string, string[] | undefined>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(lists)) if (v?.length) out[k] = v;
  return out;
}

/** `--na` as given, then the markers reading learned from the file. */
function learnedNa(given: string[] = [], learned: string[] = []): string[] {
  return [...new Set([...given, ...learned])];
}

/** The threshold asked for: given, or chosen by cross-validation on the training rows. */
function chooseThreshold(
  design: Design,
  y: Int32Array,
  options: TrainOptions & { fitted: Fit; positiveIndex: number },
): { threshold: number; how: string } | undefined {
  if (options.threshold === undefined) return undefined;
  if (options.threshold !== "auto") return { threshold: options.threshold, how: "given" };
  if (options.solver.solver !== "lbfgs") return undefined;
  options.progress?.("choosing the threshold");
  const weighted = options.classWeight === "balanced"
    ? { ...design, weights: balancedWeights(y, 2) }
    : design;
  const { threshold, folds } = crossValidatedThreshold(weighted, y, {
    c: Number(options.fitted.record.C),
    maxIter: options.solver.maxIter,
    tol: options.solver.tol,
    seed: options.seed,
    positive: options.positiveIndex,
  });
  return {
    threshold,
    how: folds
      ? `auto: best macro F1 on ${folds}-fold out-of-fold probabilities of the training rows`
      : "auto: 0.5, a class is too small to cross-validate",
  };
}

/** What the model card says about use and limits, kept in `model.json` too. */
export const CARD_FACTS = {
  intendedUse:
    "Rows must be shaped like the training data (same columns, units and population); a run is served only after it passes the quality gate.",
  outOfScope: [
    "Rows whose columns, units or population differ from the training data.",
    "Decisions about people without human review: the model has not been checked for fairness.",
    "Labels it was not trained on: it always answers one of its training classes.",
  ],
  caveats: [
    "Scores on a small held-out split are noisy; gate on more data (--data) before relying on them.",
    "A linear model: interactions between features are not captured.",
    "Missing numeric values are imputed with the training mean; an unseen category encodes as all zeros.",
  ],
};

function classBalance(y: Int32Array, classes: readonly Label[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of classes) counts[String(c)] = 0;
  for (const k of y) counts[String(classes[k])]! += 1;
  return counts;
}

/**
 * Validates the document training built. Extreme data (values near the
 * largest doubles) can still make weights overflow; say so in one line
 * rather than letting a zod dump escape.
 */
function validDocument(draft: unknown, data: Dataset): ModelFile {
  const result = ModelFile.safeParse(draft);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InputError(
    `Cannot train on "${data.source}": the fitted model is not usable (${
      issue.path.join(".")
    }: ${issue.message}); are some values too large?`,
  );
}

/** Maps each label to its index in `classes` (-1 for an unknown one). */
export function classIndices(labels: readonly Label[], classes: readonly Label[]): Int32Array {
  const index = new Map(classes.map((c, k) => [c, k]));
  const out = new Int32Array(labels.length);
  // labels come in runs often enough that remembering the last one pays
  let last: Label | undefined, lastIndex = -1;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l !== last) {
      last = l;
      lastIndex = index.get(l) ?? -1;
    }
    out[i] = lastIndex;
  }
  return out;
}

function maxIter(solver: SolverOptions): number {
  return solver.solver === "lbfgs" ? solver.maxIter : solver.iterations;
}

/**
 * The index of the positive class of two: `--positive` when given, else the
 * minority class of the training rows `y`, the second on a tie (scikit-learn's
 * `classes_[1]`).
 */
function positiveOf(
  classes: readonly Label[],
  y: Int32Array,
  options: { positive?: string },
): number {
  if (options.positive !== undefined) {
    return classes.findIndex((c) => String(c) === options.positive);
  }
  let ones = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) ones++;
  return y.length - ones < ones ? 0 : 1;
}

function pick(y: Int32Array, rows: Uint32Array): Int32Array {
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]!]!;
  return out;
}

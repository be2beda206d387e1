/**
 * Training: from a labelled dataset to a validated model document and its
 * held-out scores. Reads nothing and writes nothing itself.
 * @module
 */
import { type Dataset, distinctLabels, type Label } from "./dataset.ts";
import { InputError } from "./errors.ts";
import { encodeColumns, encodedWidth, fitFeatures } from "./features.ts";
import { type Scores, scores } from "./metrics.ts";
import { Model, MODEL_FORMAT, MODEL_FORMAT_VERSION, ModelFile } from "./model.ts";
import { fit, type SolverOptions } from "./solver.ts";
import { stratifiedSplit } from "./split.ts";
import { runtimeVersions } from "./versions.ts";

/** Options for {@link trainModel}. */
export interface TrainOptions {
  /** Seed for the split (and anything random in the solver). */
  seed: number;
  /** Fraction of rows held out for scoring, in [0, 1); 0 trains and scores on every row. */
  testSize: number;
  /** Solver settings. */
  solver: SolverOptions;
  /** Model name written in the document. */
  name?: string;
  /** Creation time; now when absent. */
  createdAt?: Date;
  /** Receives progress lines (solver iterations and loss). */
  progress?: (message: string) => void;
}

/** A trained model and how it scored on the held-out rows. */
export interface TrainResult {
  /** The model document, validated. */
  file: ModelFile;
  /** Accuracy and macro F1 on the held-out rows (the training rows when testSize is 0). */
  metrics: Scores;
}

/**
 * Splits `data`, fits the pipeline on the training rows, scores the rest;
 * with `testSize` 0 it trains on every row and scores those same rows.
 */
export function trainModel(data: Dataset, options: TrainOptions): TrainResult {
  const classes = distinctLabels(data.labels);
  if (classes.length < 2) {
    throw new InputError(
      `Cannot train on "${data.source}": target "${data.target}" has a single class (${
        String(classes[0])
      }), at least two are needed`,
    );
  }
  const y = classIndices(data.labels, classes);
  const split = options.testSize > 0
    ? stratifiedSplit(y, classes.length, {
      testSize: options.testSize,
      seed: options.seed,
      classNames: classes.map(String),
    })
    : { train: Uint32Array.from({ length: data.rows }, (_, i) => i), test: new Uint32Array(0) };
  const features = fitFeatures(data.columns, split.train);
  const width = encodedWidth(features);
  const progress = options.progress;
  const fitted = fit(
    { x: encodeColumns(features, data.columns, split.train), rows: split.train.length, width },
    pick(y, split.train),
    {
      classCount: classes.length,
      solver: options.solver,
      seed: options.seed,
      onIteration: progress &&
        ((i, loss) => progress(`fitting: iteration ${i}, loss ${loss.toPrecision(6)}`)),
    },
  );
  // without held-out rows the scores are training-set scores, and say so
  const scored = split.test.length > 0 ? split.test : split.train;
  const draft = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: options.name ?? "mvd-logistic-regression",
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
      solver: fitted.record,
      scoredOn: split.test.length > 0 ? "held-out rows" : "training rows",
    },
    metrics: { accuracy: 0, f1: 0 },
    runtime: runtimeVersions(),
  };
  const model = new Model(ModelFile.parse(draft));
  const predicted = model.predictEncoded(
    encodeColumns(features, data.columns, scored),
    scored.length,
  ).classes;
  const metrics = scores(pick(y, scored), predicted, classes.length);
  return { file: ModelFile.parse({ ...draft, metrics }), metrics };
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

function pick(y: Int32Array, rows: Uint32Array): Int32Array {
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]!]!;
  return out;
}

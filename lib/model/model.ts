/**
 * The model file format, `model.json`: the one module that writes and reads it.
 *
 * A versioned JSON document holding the ml-logistic-regression model's own
 * `toJSON()` plus everything needed to use it: the feature schema (scaling,
 * imputation, categories), the class labels, the training parameters and the
 * metrics. It is validated with zod on every load, and checked for internal
 * consistency (weights against features, classifiers against classes).
 * @module
 */
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import {
  encodedWidth,
  Feature,
  featureWidth,
  type Row,
  rowAccepts,
  type RowEncoder,
  rowEncoder,
  rowSchema,
} from "./features.ts";
import type { Label } from "../data/dataset.ts";
import { LabelledReport, Scores } from "./scores.ts";
import { Estimator, ProbabilityKind } from "./solver.ts";
import { DriftProfile } from "../monitor/profile.ts";
import { Threshold } from "./imbalance.ts";

/** The format name written in every model file. */
export const MODEL_FORMAT = "mvd-model";
/** The format version this code writes and reads. */
export const MODEL_FORMAT_VERSION = 1;

/** The model card's fixed facts, kept in the model document too. */
export const CardFacts = z.object({
  intendedUse: z.string(),
  outOfScope: z.array(z.string()),
  caveats: z.array(z.string()),
});
/** The model card's fixed facts. */
export type CardFacts = z.infer<typeof CardFacts>;

/** What was trained, on what, and how. */
export const Training = z.object({
  data: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().positive(),
  trainRows: z.number().int().positive(),
  testRows: z.number().int().nonnegative(),
  seed: z.number().int(),
  testSize: z.number().min(0).max(1),
  solver: z.record(z.string(), z.union([z.string(), z.number()])),
  /** Rows per class label in the whole file (absent in files made before the registry). */
  classBalance: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** Which rows `metrics` were computed on; held-out rows when absent. */
  scoredOn: z.enum(["held-out rows", "training rows"]).optional(),
  /** The field delimiter the data was read with (`,` when absent). */
  delimiter: z.string().optional(),
  /** Extra missing-value markers (`--na`), besides pandas' defaults. */
  na: z.array(z.string()).optional(),
  /** `--features` and `--exclude` as given. */
  features: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  /** The column-role decisions, one line each (left out, encoded as a date, warnings). */
  decisions: z.array(z.string()).optional(),
});
/** What was trained, on what, and how. */
export type Training = z.infer<typeof Training>;

/** The whole `model.json` document. */
export const ModelFile = z.object({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  name: z.string().min(1),
  createdAt: z.string().min(1),
  target: z.string().min(1),
  classes: z.union([z.array(z.number()), z.array(z.string())]),
  features: z.array(Feature).min(1),
  probability: ProbabilityKind,
  estimator: Estimator,
  training: Training,
  metrics: Scores,
  runtime: z.record(z.string(), z.string()),
  /** The registry run this model was written as (absent in older files). */
  runId: z.string().optional(),
  /** The held-out rows' full report (absent in older files). */
  heldOut: LabelledReport.optional(),
  /** The model card's fixed facts: intended and out-of-scope use, caveats. */
  card: CardFacts.optional(),
  /** The training data's drift reference profile (absent in older files: drift off). */
  drift: DriftProfile.optional(),
  /**
   * Two classes only: the cut-off on the positive class's probability at
   * and above which it is predicted (absent: the most probable class wins).
   */
  threshold: Threshold.optional(),
  /** How the threshold was set: `given`, or `auto: …` and how it was chosen. */
  thresholdSelection: z.string().optional(),
  /**
   * Two classes only: the positive class, whose probability `threshold` cuts
   * and whose PR AUC is reported (absent in older files: the second class).
   */
  positive: z.union([z.number(), z.string()]).optional(),
}).superRefine((file, ctx) => {
  if (file.threshold !== undefined && file.classes.length !== 2) {
    ctx.addIssue({
      code: "custom",
      path: ["threshold"],
      message: "a threshold needs exactly two classes",
    });
  }
  const width = encodedWidth(file.features);
  if (new Set<Label>(file.classes).size !== file.classes.length || file.classes.length < 2) {
    ctx.addIssue({
      code: "custom",
      path: ["classes"],
      message: "expected at least two distinct classes",
    });
  }
  if (
    file.estimator.numberClasses !== file.classes.length ||
    file.estimator.classifiers.length !== file.classes.length
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["estimator", "classifiers"],
      message: `expected one classifier per class (${file.classes.length})`,
    });
  }
  file.estimator.classifiers.forEach((c, k) => {
    // zod runs this refinement even when `weights` failed its length check
    const got = c.weights[0]?.length ?? 0;
    if (got !== width) {
      ctx.addIssue({
        code: "custom",
        path: ["estimator", "classifiers", k, "weights"],
        message: `expected ${width} weights for the features, got ${got}`,
      });
    }
  });
  const names = new Set(file.features.map((f) => f.name));
  if (names.size !== file.features.length) {
    ctx.addIssue({ code: "custom", path: ["features"], message: "feature names repeat" });
  }
  if (
    file.positive !== undefined &&
    (file.classes.length !== 2 || !(file.classes as readonly Label[]).includes(file.positive))
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["positive"],
      message: "the positive class must be one of exactly two classes",
    });
  }
  checkScoreBounds(file, width, ctx);
});

/**
 * Refuses a model whose class scores could overflow for inputs it was trained
 * on. A score is a sum of weight × encoded value, and an encoded value is 1
 * (the intercept, a category) or a standardised number, which over the
 * training range is at most `R = max(|min − mean|, |max − mean|) / scale` in
 * magnitude. So every score there is at most `Σ |weight| × (1 or R)`. When
 * that bound is not below half the largest double (half, so that rounding in
 * the sum cannot reach infinity), some input in the training range could score
 * ±Infinity or NaN and be answered with a meaningless class: refused at load.
 * Inputs beyond the training range are checked one by one, see
 * {@link Model.rowAccepts}.
 */
function checkScoreBounds(
  file: Pick<ModelFile, "features" | "estimator">,
  width: number,
  ctx: z.RefinementCtx,
): void {
  const reach = [1];
  let finite = true;
  file.features.forEach((f, j) => {
    if (f.type === "categorical") {
      for (let k = 0; k < f.categories.length; k++) reach.push(1);
      return;
    }
    if (f.type === "date") {
      // dates are parsed from strings: years beyond the training range stay far from overflow
      for (const p of f.parts) {
        reach.push((Math.max(Math.abs(p.min - p.mean), Math.abs(p.max - p.mean)) + 1e4) / p.scale);
      }
      return;
    }
    const r = Math.max(Math.abs(f.min - f.mean), Math.abs(f.max - f.mean)) / f.scale;
    if (!Number.isFinite(r)) {
      finite = false;
      ctx.addIssue({
        code: "custom",
        path: ["features", j, "scale"],
        message: "the training range does not scale to finite values",
      });
    }
    reach.push(r);
  });
  if (!finite) return;
  file.estimator.classifiers.forEach((c, k) => {
    const weights = c.weights[0];
    if (weights?.length !== width) return;
    let bound = 0;
    for (let j = 0; j < width; j++) bound += Math.abs(weights[j]!) * reach[j]!;
    if (!(bound < Number.MAX_VALUE / 2)) {
      ctx.addIssue({
        code: "custom",
        path: ["estimator", "classifiers", k, "weights"],
        message: "weights too large: class scores overflow for inputs in the training range",
      });
    }
  });
}
/** The whole `model.json` document. */
export type ModelFile = z.infer<typeof ModelFile>;

/** Predictions for a batch: a class index per row and its probabilities. */
export interface Predictions {
  /** Winning class index per row. */
  classes: Int32Array;
  /** Class probabilities, `rows × classCount`, row-major. */
  probabilities: Float64Array;
}

/** A loaded, validated model ready to predict. */
export class Model {
  /** The validated document. */
  readonly file: ModelFile;
  /** Class labels by index, as written in the training data. */
  readonly classes: readonly Label[];
  /**
   * The zod schema one input row must satisfy: the feature schema (see
   * {@link rowSchema}), and then every scaled value and class score finite.
   * A field named as the target is accepted and dropped.
   */
  readonly rowSchema: z.ZodType<Row>;
  /**
   * A fast predicate accepting exactly the rows `rowSchema` accepts (see
   * {@link rowAccepts}): right shape, finite scaled values and scores. It
   * drops a field named as the target from a row it accepts, as the schema does.
   */
  readonly rowAccepts: (value: unknown) => value is Row;
  readonly #encoder: RowEncoder;
  readonly #weights: Float64Array;
  readonly #scratch: Float64Array;
  // the class whose probability a threshold cuts (two classes)
  readonly #positive: number;
  // encoded rows under range checks, apart from the prediction scratch
  readonly #checked: Float64Array;
  // each numeric feature's name and slot in an encoded row
  readonly #numericSlots: Array<{ name: string; slot: number }> = [];

  /** Wraps a validated document; use {@link parseModel} for untrusted JSON. */
  constructor(file: ModelFile) {
    this.file = file;
    this.classes = file.classes;
    this.#positive = positiveIndex(file) ?? 1;
    this.#encoder = rowEncoder(file.features);
    const width = this.#encoder.width;
    this.#weights = new Float64Array(file.classes.length * width);
    this.#scratch = new Float64Array(width);
    this.#checked = new Float64Array(width);
    file.estimator.classifiers.forEach((c, k) => this.#weights.set(c.weights[0]!, k * width));
    let slot = 1;
    for (const f of file.features) {
      if (f.type === "numeric") this.#numericSlots.push({ name: f.name, slot: slot++ });
      else slot += featureWidth(f);
    }
    // a row copied from the training file may carry the target: it is ignored
    const ignore = { ignore: file.target };
    this.rowSchema = rowSchema(file.features, ignore).superRefine((row, ctx) => {
      for (const issue of this.#rangeIssues(row)) ctx.addIssue({ code: "custom", ...issue });
    });
    const shaped = rowAccepts(file.features, ignore);
    const target = file.target;
    this.rowAccepts = (value: unknown): value is Row => {
      if (!shaped(value) || !this.#scoresFinite(value)) return false;
      // dropped as the schema drops it, so that no answer or log carries it
      if (Object.hasOwn(value, target)) delete (value as Record<string, unknown>)[target];
      return true;
    };
  }

  /** Values per encoded row, the intercept included. */
  get width(): number {
    return this.#encoder.width;
  }

  /** Encodes validated rows into a row-major design matrix. */
  encode(rows: readonly Row[]): Float64Array {
    const x = new Float64Array(rows.length * this.width);
    rows.forEach((row, i) => this.#encoder.encode(row, x, i * this.width));
    return x;
  }

  /** Predicts validated rows. */
  predictRows(rows: readonly Row[]): Predictions {
    return this.predictEncoded(this.encode(rows), rows.length);
  }

  /**
   * Predicts an encoded design matrix, exactly as the library does: the class
   * with the smallest `sigmoid(w·x)` wins, the first one on a tie; with a
   * threshold, the positive class wins when its probability reaches it.
   */
  predictEncoded(x: Float64Array, rows: number): Predictions {
    const k = this.classes.length;
    const classes = new Int32Array(rows);
    const probabilities = new Float64Array(rows * k);
    for (let i = 0; i < rows; i++) {
      classes[i] = this.#score(x, i * this.width, probabilities, i * k);
    }
    return { classes, probabilities };
  }

  /**
   * Predicts one validated row without allocating: writes its class
   * probabilities into `probabilities` (length `classes.length`) and returns
   * the winning class index. For the single-row hot path of the server.
   */
  predictOne(row: Row, probabilities: Float64Array): number {
    this.#encoder.encode(row, this.#scratch, 0);
    return this.#score(this.#scratch, 0, probabilities, 0);
  }

  /**
   * Whether every class score of a row of the right shape is finite. A scaled
   * value that is not finite makes every score ±Infinity or NaN, so the
   * scores alone tell. Finite scores give finite probabilities (see #score).
   */
  #scoresFinite(row: Row): boolean {
    this.#encoder.encode(row, this.#checked, 0);
    return this.scoresFiniteAt(this.#checked, 0);
  }

  /**
   * Whether every class score of the encoded row at `x[at]` is finite: for a
   * row of the right shape, all that `rowAccepts` checks beyond the shape.
   * Batch scoring (lib/score/batch.ts) encodes blocks of rows and checks them here.
   */
  scoresFiniteAt(x: Float64Array, at: number): boolean {
    const width = this.width;
    const w = this.#weights;
    for (let base = 0; base < w.length; base += width) {
      let z = 0;
      for (let j = 0; j < width; j++) z += x[at + j]! * w[base + j]!;
      if (!Number.isFinite(z)) return false;
    }
    return true;
  }

  /** Why a row of the right shape is out of this model's range: each feature, else the row. */
  #rangeIssues(row: Row): Array<{ path: string[]; message: string }> {
    if (this.#scoresFinite(row)) return [];
    const issues = this.#numericSlots
      .filter(({ slot }) => !Number.isFinite(this.#checked[slot]!))
      .map(({ name }) => ({
        path: [name],
        message: `${row[name]} is out of range for this model (its scaled value is not finite)`,
      }));
    return issues.length ? issues : [{
      path: [],
      message: "values out of range for this model (class scores are not finite)",
    }];
  }

  /**
   * Scores the encoded row at `x[base]`, writing probabilities at `out[at]`.
   * With finite scores every probability is finite: a sigmoid is in [0, 1],
   * and softmax terms are shifted so the largest is exp(0) = 1.
   */
  #score(x: Float64Array, base: number, out: Float64Array, at: number): number {
    const k = this.classes.length;
    const width = this.width;
    const w = this.#weights;
    const softmax = this.file.probability === "softmax";
    let best = 0;
    let minimum = Infinity;
    let total = 0;
    // for softmax the logits are -w·x; shift by the largest for stability
    let shift = -Infinity;
    for (let c = 0; c < k; c++) {
      let z = 0;
      const wb = c * width;
      for (let j = 0; j < width; j++) z += x[base + j]! * w[wb + j]!;
      const score = 1 / (1 + Math.exp(-z));
      if (score < minimum) {
        minimum = score;
        best = c;
      }
      out[at + c] = softmax ? -z : 1 - score;
      if (-z > shift) shift = -z;
    }
    for (let c = 0; c < k; c++) {
      const p = softmax ? Math.exp(out[at + c]! - shift) : out[at + c]!;
      out[at + c] = p;
      total += p;
    }
    for (let c = 0; c < k; c++) {
      out[at + c] = total > 0 ? out[at + c]! / total : 1 / k;
    }
    // the one place where probabilities become a label: a two-class model's
    // threshold, when it has one, decides (the probabilities stay as they are)
    const threshold = this.file.threshold;
    if (threshold !== undefined) {
      const positive = this.#positive;
      return out[at + positive]! >= threshold ? positive : 1 - positive;
    }
    return best;
  }
}

/**
 * The index of a two-class model's positive class: the class its threshold
 * cuts on and its PR AUC is of. `positive` when recorded, else the second
 * class (scikit-learn's `classes_[1]`); `null` for more than two classes.
 */
export function positiveIndex(file: Pick<ModelFile, "classes" | "positive">): number | null {
  if (file.classes.length !== 2) return null;
  const at = file.positive === undefined
    ? -1
    : (file.classes as readonly Label[]).indexOf(file.positive);
  return at < 0 ? 1 : at;
}

/** The label of a two-class model's positive class, as text; `null` for more classes. */
export function positiveLabel(file: Pick<ModelFile, "classes" | "positive">): string | null {
  const at = positiveIndex(file);
  return at === null ? null : String(file.classes[at]);
}

/** Validates untrusted JSON as a model; `source` names it in errors. */
export function parseModel(json: unknown, source: string): Model {
  const result = ModelFile.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw new InputError(`Cannot load model "${source}": ${path}${issue.message}`);
  }
  return new Model(result.data);
}

/** Serialises a model document, as `loadModel` (registry/artifacts.ts) reads it back. */
export function modelToJson(file: ModelFile): string {
  return JSON.stringify(file, null, 2) + "\n";
}

/** A short content hash of a model document: its version when served. */
export async function modelVersion(file: ModelFile): Promise<string> {
  const bytes = new TextEncoder().encode(modelToJson(file));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
}

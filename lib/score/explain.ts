/**
 * Explaining a prediction: how much each feature moved the predicted class's
 * logit away from the training average.
 *
 * A logistic-regression logit is linear in the encoded row `x`: `logit = v·x`.
 * Against the training mean `m` of each encoded slot (0 for a standardised
 * number, a category's share of training rows for its one-hot slot) it splits
 * exactly into `base = v·m` and one term per feature,
 * `contribution(f) = Σ over f's slots of v_s · (x_s − m_s)`, so that
 * `base + Σ contributions = logit` up to rounding.
 *
 * Which logit: for a softmax model of two classes, the log-odds of the
 * predicted class against the other, so `sigmoid(logit)` is its probability;
 * with more classes, the predicted class's own softmax logit; for a
 * one-vs-rest (`gd`) model, its classifier's log-odds, before the
 * probabilities are normalised.
 * @module
 */
import type { Label } from "../data/dataset.ts";
import { DATE_PARTS, type Feature, featureWidth, type Row, rowEncoder } from "../model/features.ts";
import type { Model, ModelFile, Predictions } from "../model/model.ts";

/** One row's explanation, for its predicted class. */
export interface Explanation {
  /** The predicted class. */
  class: Label;
  /** The class's logit for the row (see the module notes for which). */
  logit: number;
  /** The logit of a row at the training mean of every encoded slot. */
  base: number;
  /** Each feature's share of `logit − base`, by feature name. */
  contributions: Record<string, number>;
}

/** Explains validated rows of one model. */
export interface Explainer {
  /** Feature names, in the model's order (the order of {@link Explainer.into}'s output). */
  readonly features: readonly string[];
  /** The base of class `k`. */
  base(k: number): number;
  /**
   * Writes each feature's contribution for class `k` into `out` (one per
   * feature, model order) and returns the logit; allocates nothing.
   */
  into(row: Row, k: number, out: Float64Array): number;
  /** As {@link Explainer.into}, for the row already encoded at `x[at]` (intercept slot first). */
  intoEncoded(x: Float64Array, at: number, k: number, out: Float64Array): number;
  /** The explanation of `row`, predicted as class `k`. */
  explain(row: Row, k: number): Explanation;
}

const cache = new WeakMap<ModelFile, Explainer>();

/** The explainer for a model document, built once per document. */
export function explainer(file: ModelFile): Explainer {
  const known = cache.get(file);
  if (known) return known;
  const built = buildExplainer(file);
  cache.set(file, built);
  return built;
}

/**
 * The coefficient row `v_k` whose dot product with an encoded row is class
 * `k`'s logit, from the library's weights `w` (lib/model/solver.ts): the
 * library scores `w_k·x` as the odds of *not* being class `k`.
 */
export function logitWeights(file: ModelFile, k: number): Float64Array {
  const w = file.estimator.classifiers.map((c) => c.weights[0]!);
  const own = w[k]!;
  if (file.probability === "softmax" && w.length === 2) {
    // P(k) = softmax(−W x)_k = sigmoid((w_other − w_k)·x)
    const other = w[1 - k]!;
    return Float64Array.from(own, (v, j) => other[j]! - v);
  }
  return Float64Array.from(own, (v) => -v);
}

/** The training mean of each encoded slot, the intercept's 1 first. */
export function slotMeans(features: readonly Feature[]): Float64Array {
  const means = [1];
  for (const f of features) {
    // a standardised number averages 0 over the training rows
    if (f.type === "numeric") means.push(0);
    // so do a date's standardised parts
    else if (f.type === "date") { for (let j = 0; j < featureWidth(f); j++) means.push(0); }
    // older models lack the shares: their categories are measured from "none"
    else f.categories.forEach((_, j) => means.push(f.frequencies?.[j] ?? 0));
  }
  return Float64Array.from(means);
}

function buildExplainer(file: ModelFile): Explainer {
  const encoder = rowEncoder(file.features);
  const width = encoder.width;
  const classes = file.classes.length;
  const weights = Array.from({ length: classes }, (_, k) => logitWeights(file, k));
  const means = slotMeans(file.features);
  const bases = weights.map((v) => {
    let base = 0;
    for (let s = 0; s < width; s++) base += v[s]! * means[s]!;
    return base;
  });
  // the encoded slots of feature f are [firstSlot[f], firstSlot[f + 1])
  const firstSlot = new Int32Array(file.features.length + 1);
  let slot = 1;
  file.features.forEach((f, i) => {
    firstSlot[i] = slot;
    slot += featureWidth(f);
  });
  firstSlot[file.features.length] = slot;
  const names = file.features.map((f) => f.name);
  const x = new Float64Array(width);
  const encoded = (x: Float64Array, at: number, k: number, out: Float64Array): number => {
    const v = weights[k]!;
    let logit = v[0]! * x[at]!;
    for (let f = 0; f < names.length; f++) {
      let c = 0;
      for (let s = firstSlot[f]!; s < firstSlot[f + 1]!; s++) {
        c += v[s]! * (x[at + s]! - means[s]!);
        logit += v[s]! * x[at + s]!;
      }
      out[f] = c;
    }
    return logit;
  };
  const into = (row: Row, k: number, out: Float64Array): number => {
    encoder.encode(row, x, 0);
    return encoded(x, 0, k, out);
  };
  const scratch = new Float64Array(names.length);
  return {
    features: names,
    base: (k) => bases[k]!,
    into,
    intoEncoded: encoded,
    explain(row, k) {
      const logit = into(row, k, scratch);
      const contributions: Record<string, number> = {};
      names.forEach((name, f) => (contributions[name] = scratch[f]!));
      return { class: file.classes[k]!, logit, base: bases[k]!, contributions };
    },
  };
}

/** One coefficient of the model card's table. */
export interface Coefficient {
  /** The class whose logit it weighs. */
  class: Label;
  /** The feature, or `feature = "category"` for a one-hot slot. */
  term: string;
  /** Its weight on the standardised (or 0/1) value. */
  weight: number;
}

/**
 * The `count` largest coefficients by magnitude, intercepts left out: of the
 * second class's logit for two classes (its log-odds), of each class's logit
 * with more. Ties keep the features' order.
 */
export function largestCoefficients(file: ModelFile, count: number): Coefficient[] {
  const terms: string[] = [];
  for (const f of file.features) {
    if (f.type === "numeric") terms.push(f.name);
    else if (f.type === "date") {
      for (const part of DATE_PARTS) terms.push(`${f.name} (${part})`);
    } else for (const c of f.categories) terms.push(`${f.name} = ${JSON.stringify(c)}`);
  }
  const ks = file.classes.length === 2 ? [1] : file.classes.map((_, k) => k);
  const all: Coefficient[] = [];
  for (const k of ks) {
    const v = logitWeights(file, k);
    terms.forEach((term, j) => {
      // (a document that skipped validation may have fewer weights than terms)
      if (j + 1 < v.length) all.push({ class: file.classes[k]!, term, weight: v[j + 1]! });
    });
  }
  return all
    .map((c, i) => ({ c, i }))
    .sort((a, b) => Math.abs(b.c.weight) - Math.abs(a.c.weight) || a.i - b.i)
    .slice(0, count)
    .map(({ c }) => c);
}

/** A prediction with its explanation: `/predict?explain=true` and `infer --explain` answer rows so. */
export interface ExplainedAnswer {
  /** The predicted class. */
  prediction: Label;
  /** Each class's probability, by label. */
  probabilities: Record<string, number>;
  /** Why, for the predicted class. */
  explanation: Explanation;
}

/** The explained answers for validated `rows` and their predictions `p` (`Model.predictRows`). */
export function explainedAnswers(
  model: Model,
  rows: readonly Row[],
  p: Predictions,
): ExplainedAnswer[] {
  const explain = explainer(model.file);
  const k = model.classes.length;
  return rows.map((row, i) => {
    const c = p.classes[i]!;
    const probabilities: Record<string, number> = {};
    model.classes.forEach((
      label,
      j,
    ) => (probabilities[String(label)] = p.probabilities[i * k + j]!));
    return { prediction: model.classes[c]!, probabilities, explanation: explain.explain(row, c) };
  });
}

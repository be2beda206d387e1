/**
 * Answers for prediction requests, encoded by hand: a single-row answer is
 * built from JSON fragments computed once per model, so the hot path only
 * formats numbers. Probabilities are always finite (JSON has no NaN): a model
 * refuses rows whose scores are not, see `Model.rowAccepts`.
 * @module
 */
import type { Model, Predictions } from "../model/model.ts";

/** Encodes predictions of one model as `/predict` response bodies. */
export interface AnswerEncoder {
  /** A reusable probabilities buffer for {@link Model.predictOne}. */
  scratch: Float64Array;
  /** The single-row answer for class `k` and its `probabilities`. */
  one(k: number, probabilities: Float64Array): string;
  /** `{"prediction": label, "probabilities": {label: p, …}}` for row `i`. */
  row(p: Predictions, i: number): string;
  /** `{"predictions": [row, …]}` for every row. */
  batch(p: Predictions): string;
}

const cache = new WeakMap<Model, AnswerEncoder>();

/** The encoder for `model`, built on first use. */
export function answerEncoder(model: Model): AnswerEncoder {
  let encoder = cache.get(model);
  if (!encoder) {
    encoder = buildEncoder(model);
    cache.set(model, encoder);
  }
  return encoder;
}

function buildEncoder(model: Model): AnswerEncoder {
  const k = model.classes.length;
  const heads = model.classes.map((c) => `{"prediction":${JSON.stringify(c)},"probabilities":{`);
  // object keys are strings, so numeric labels become "0", "1", …
  const keys = model.classes.map((c, j) => `${j ? "," : ""}${JSON.stringify(String(c))}:`);
  const row = (p: Predictions, i: number): string => {
    let out = heads[p.classes[i]!]!;
    const base = i * k;
    for (let j = 0; j < k; j++) out += keys[j]! + p.probabilities[base + j]!;
    return out + "}}";
  };
  return {
    scratch: new Float64Array(k),
    one(c, probabilities) {
      let out = heads[c]!;
      for (let j = 0; j < k; j++) out += keys[j]! + probabilities[j]!;
      return out + "}}";
    },
    row,
    batch(p) {
      const parts = new Array<string>(p.classes.length);
      for (let i = 0; i < parts.length; i++) parts[i] = row(p, i);
      return `{"predictions":[${parts.join(",")}]}`;
    },
  };
}

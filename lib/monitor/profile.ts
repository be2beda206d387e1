/**
 * The drift reference profile: what the training data looked like, stored in
 * `model.json` (the optional `drift` field) so that serving and the offline
 * report can compare new rows against it. A numeric feature keeps its decile
 * bin edges and the training share of each bin; a categorical one the share
 * of each category plus an unseen bucket; both a missing bucket. The
 * distribution of predicted classes is kept too.
 *
 * Bins are numbered the same way everywhere ({@link binPlan}): numeric bins
 * `0..edges.length` (a value equal to an edge falls in the bin below it),
 * then missing; categorical bins one per category, then unseen, then missing.
 * @module
 */
import { z } from "zod";
import type { Column } from "../data/dataset.ts";
import { dayNumber, type Feature } from "../model/features.ts";

const Share = z.number().min(0).max(1);

/** A feature binned by decile cut points: numbers, or dates as their day number. */
function binned<T extends "numeric" | "date">(type: T) {
  return z.object({
    name: z.string().min(1),
    type: z.literal(type),
    /** Distinct decile cut points, ascending (fewer than 9 when values repeat). */
    edges: z.array(z.number()).max(9),
    /** Training share of each bin: `edges.length + 1` values. */
    shares: z.array(Share),
    /** Training share of missing values (and, for dates, unreadable ones). */
    missing: Share,
  }).refine((p) => p.shares.length === p.edges.length + 1, {
    message: "expected one share more than edges",
    path: ["shares"],
  }).refine((p) => p.edges.every((e, i) => i === 0 || p.edges[i - 1]! < e), {
    message: "expected ascending distinct edges",
    path: ["edges"],
  });
}

/** A numeric feature's training distribution over its decile bins. */
export const NumericProfile = binned("numeric");
/** A numeric feature's training distribution over its decile bins. */
export type NumericProfile = z.infer<typeof NumericProfile>;

/** A date feature's training distribution over decile bins of its day number. */
export const DateProfile = binned("date");
/** A date feature's training distribution over decile bins of its day number. */
export type DateProfile = z.infer<typeof DateProfile>;

/** A categorical feature's training category shares. */
export const CategoricalProfile = z.object({
  name: z.string().min(1),
  type: z.literal("categorical"),
  /** Share of each category, in the feature's category order. */
  shares: z.array(Share),
  /** Share of categories not seen in training: 0 there, by definition. */
  unseen: Share,
  /** Training share of missing values. */
  missing: Share,
});
/** A categorical feature's training category shares. */
export type CategoricalProfile = z.infer<typeof CategoricalProfile>;

/** The `drift` field of `model.json`. */
export const DriftProfile = z.object({
  /** One profile per feature, in the model's feature order. */
  features: z.array(
    z.discriminatedUnion("type", [NumericProfile, CategoricalProfile, DateProfile]),
  ),
  /** Share of each predicted class on the rows the model was scored on. */
  predictions: z.array(Share),
});
/** The `drift` field of `model.json`. */
export type DriftProfile = z.infer<typeof DriftProfile>;

/**
 * Most rows a profile reads: more are sampled evenly (every k-th training
 * row), which keeps training linear and cheap at millions of rows; a share
 * measured on 100,000 rows is within about 0.001 of the whole set's.
 */
const PROFILE_SAMPLE = 100_000;

/**
 * Profiles the training `rows` of `columns` (an even sample of at most 100,000 of them) by `features`.
 * Call it before encoding consumes the columns.
 */
export function profileFeatures(
  features: readonly Feature[],
  columns: readonly Column[],
  rows: ArrayLike<number>,
): DriftProfile["features"] {
  const step = Math.max(1, Math.floor(rows.length / PROFILE_SAMPLE));
  const sample = new Int32Array(Math.ceil(rows.length / step));
  for (let i = 0, j = 0; i < rows.length; i += step, j++) sample[j] = rows[i]!;
  rows = sample;
  const n = Math.max(rows.length, 1);
  return features.map((feature, f) => {
    const column = columns[f]!;
    if (feature.type === "numeric" || feature.type === "date") {
      // the sampled values as numbers, NaN where missing (or not a date)
      const values = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const raw = column.values[rows[i]!];
        values[i] = feature.type === "date" ? dayNumber(raw) : typeof raw === "number" ? raw : NaN;
      }
      const edges = decileEdges(values);
      const counts = new Float64Array(edges.length + 1);
      let missing = 0;
      for (const v of values) {
        if (v !== v) missing++;
        else counts[numericBin(edges, v)]!++;
      }
      return {
        name: feature.name,
        type: feature.type,
        edges,
        shares: Array.from(counts, (c) => c / n),
        missing: missing / n,
      };
    }
    const categories = feature.type === "categorical" ? feature.categories : [];
    const index = new Map(categories.map((c, k) => [c, k]));
    const counts = new Float64Array(categories.length);
    let missing = 0, unseen = 0;
    for (let i = 0; i < rows.length; i++) {
      const raw = column.values[rows[i]!];
      if (raw === null || raw === undefined || raw !== raw) missing++;
      else {
        const k = index.get(String(raw));
        if (k === undefined) unseen++;
        else counts[k]!++;
      }
    }
    return {
      name: feature.name,
      type: "categorical",
      shares: Array.from(counts, (c) => c / n),
      unseen: unseen / n,
      missing: missing / n,
    };
  });
}

/** The share of each class among `predicted` class indices. */
export function profileClasses(predicted: Int32Array, classCount: number): number[] {
  const counts = new Float64Array(classCount);
  for (const k of predicted) counts[k]!++;
  return Array.from(counts, (c) => c / Math.max(predicted.length, 1));
}

/** Most values sorted for a feature's deciles: enough for cut points within a percentile. */
const DECILE_SAMPLE = 20_000;

/** The nine decile cut points of the non-missing `values`, deduplicated. */
function decileEdges(values: Float64Array): number[] {
  const step = Math.max(1, Math.floor(values.length / DECILE_SAMPLE));
  const buffer = new Float64Array(Math.ceil(values.length / step));
  let kept = 0;
  for (let i = 0; i < values.length; i += step) {
    const v = values[i]!;
    if (v === v) buffer[kept++] = v;
  }
  const sample = buffer.subarray(0, kept);
  if (sample.length === 0) return [];
  const sorted = sample.sort();
  const edges: number[] = [];
  for (let d = 1; d <= 9; d++) {
    const e = sorted[Math.min(sorted.length - 1, Math.floor((d * sorted.length) / 10))]!;
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  // the top edge at the maximum leaves its bin above empty forever: drop it
  if (edges[edges.length - 1] === sorted[sorted.length - 1]) edges.pop();
  return edges;
}

/** The bin of a numeric value: how many edges lie below it. */
export function numericBin(edges: ArrayLike<number>, value: number): number {
  let bin = 0;
  while (bin < edges.length && value > edges[bin]!) bin++;
  return bin;
}

/** How one feature's values map to bins, and the reference share of each bin. */
export type BinStep =
  | { type: "numeric"; name: string; edges: Float64Array; missing: number }
  | { type: "date"; name: string; edges: Float64Array; missing: number }
  | {
    type: "categorical";
    name: string;
    index: Map<string, number>;
    unseen: number;
    missing: number;
  };

/** A profile compiled for binning rows: a step per feature and the reference shares. */
export interface BinPlan {
  /** One step per feature. */
  steps: BinStep[];
  /** Where each feature's bins start in {@link BinPlan.reference}, plus the end. */
  offsets: Int32Array;
  /** Every feature's reference shares, bin after bin, feature after feature. */
  reference: Float64Array;
  /** The reference share of each predicted class. */
  classes: Float64Array;
}

/**
 * Compiles `profile` for the model's `features` (their category lists). A
 * profile that does not match the features (a hand-edited file) gives null.
 */
export function binPlan(profile: DriftProfile, features: readonly Feature[]): BinPlan | null {
  if (profile.features.length !== features.length) return null;
  const steps: BinStep[] = [];
  const shares: number[] = [];
  const offsets = new Int32Array(features.length + 1);
  for (let f = 0; f < features.length; f++) {
    const p = profile.features[f]!, feature = features[f]!;
    if (p.name !== feature.name || p.type !== feature.type) return null;
    offsets[f] = shares.length;
    if (p.type === "numeric" || p.type === "date") {
      steps.push({
        type: p.type,
        name: p.name,
        edges: Float64Array.from(p.edges),
        missing: p.edges.length + 1,
      });
      shares.push(...p.shares, p.missing);
    } else if (feature.type === "categorical") {
      if (feature.categories.length !== p.shares.length) return null;
      const k = feature.categories.length;
      steps.push({
        type: "categorical",
        name: p.name,
        index: new Map(feature.categories.map((c, j) => [c, j])),
        unseen: k,
        missing: k + 1,
      });
      shares.push(...p.shares, p.unseen, p.missing);
    }
  }
  offsets[features.length] = shares.length;
  return {
    steps,
    offsets,
    reference: Float64Array.from(shares),
    classes: Float64Array.from(profile.predictions),
  };
}

/** The bin of `value` for one step (no allocation); null, undefined and NaN are missing. */
export function binOf(step: BinStep, value: unknown): number {
  if (step.type === "numeric") {
    // NaN: a missing cell in a typed column (lib/score/reader.ts)
    return typeof value === "number" && value === value
      ? numericBin(step.edges, value)
      : step.missing;
  }
  if (step.type === "date") {
    const day = dayNumber(value);
    return day === day ? numericBin(step.edges, day) : step.missing;
  }
  if (typeof value !== "string") return step.missing;
  return step.index.get(value) ?? step.unseen;
}

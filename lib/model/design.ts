/**
 * The design matrix training fits on, stored once and by column: one typed
 * array of standardised values (or 0/1 for a category) per encoded slot, the
 * intercept implicit. Float32 storage halves the memory of Float64 and the
 * bytes each solver pass reads; every sum over it is accumulated in Float64.
 * @module
 */
import type { Column } from "../data/dataset.ts";
import { InputError, quoteValue } from "../core/errors.ts";
import { DATE_PARTS, encodeDate, type Feature, featureWidth } from "./features.ts";
import type { Predictions } from "./model.ts";

/** One stored slot of a design matrix, a value per row. */
export type DesignColumn = Float32Array | Float64Array;

/** A design matrix by column: `rows` values in each column, the intercept implicit. */
export interface Design {
  /** The encoded slots after the intercept, in `encodedWidth` order. */
  columns: DesignColumn[];
  /** Number of rows. */
  rows: number;
  /** Coefficients per logit: `columns.length + 1`, the intercept first. */
  width: number;
  /** A weight per row in the loss (class weights); every row weighs 1 when absent. */
  weights?: Float64Array;
}

/**
 * The most memory an encoded design may take. Past it, training refuses in
 * one line rather than running the machine out of memory: a column of
 * thousands of categories over millions of rows is almost always a mistake
 * (numbers with stray texts, free text), not a feature.
 */
export const MAX_DESIGN_BYTES = 4 * 2 ** 30;

/**
 * Refuses features whose encoded design would take more than `limit` bytes
 * for `train` Float32 rows and `heldOut` Float64 rows, naming the widest
 * categorical columns and the fix.
 */
export function checkDesignSize(
  features: readonly Feature[],
  rows: { train: number; heldOut: number; source: string },
  limit = MAX_DESIGN_BYTES,
): void {
  const slots = features.reduce((n, f) => n + featureWidth(f), 0);
  const bytes = slots * (rows.train * 4 + rows.heldOut * 8);
  if (bytes <= limit) return;
  const widest = features.flatMap((f) => f.type === "categorical" ? [f] : [])
    .sort((a, b) => b.categories.length - a.categories.length).slice(0, 3)
    .map((f) =>
      `${quoteValue(f.name)} (${f.categories.length.toLocaleString("en-US")} categories)`
    );
  const gb = (n: number) => `${(n / 2 ** 30).toFixed(1)} GB`;
  throw new InputError(
    `Cannot train on ${quoteValue(rows.source)}: the encoded features would take ${gb(bytes)} (${
      (rows.train + rows.heldOut).toLocaleString("en-US")
    } rows × ${slots.toLocaleString("en-US")} slots), more than ${gb(limit)}${
      widest.length ? `; the widest: ${widest.join(", ")}` : ""
    }; leave such a column out with --exclude, or fix its cells if they should be numbers`,
  );
}

/** Options for {@link encodeDesign}. */
export interface EncodeOptions {
  /** Rows to train on, ascending. */
  train: Uint32Array;
  /** Rows held out for scoring, ascending (may be empty). */
  heldOut: Uint32Array;
  /** Storage of the training rows (`float32` by default); held-out rows are always Float64. */
  storage?: "float32" | "float64";
  /**
   * Encode each numeric column into its own buffer (Float32 storage only):
   * the column's `values` are empty afterwards. Saves a copy of the data.
   */
  consume?: boolean;
}

/** The training and held-out rows of a dataset, encoded. */
export interface EncodedSplit {
  /** The training rows in the requested storage. */
  train: Design;
  /** The held-out rows, Float64, so that their scores do not depend on the storage. */
  heldOut: Design;
}

/**
 * Encodes the training and held-out rows of `columns` by `features` (as
 * `encodeColumns` would, without the intercept), one column at a time.
 */
export function encodeDesign(
  features: readonly Feature[],
  columns: Column[],
  options: EncodeOptions,
): EncodedSplit {
  const rows = options.train, heldRows = options.heldOut;
  const nTrain = rows.length, nHeld = heldRows.length;
  const float32 = (options.storage ?? "float32") === "float32";
  const train: DesignColumn[] = [], heldOut: Float64Array[] = [];
  // held-out values wait here while the training rows take the buffer's start
  let scratch: Float64Array | undefined;
  features.forEach((feature, f) => {
    const column = columns[f]!;
    if (feature.type === "numeric") {
      if (column.type !== "numeric") {
        // a non-numeric column encodes as the mean: zeros
        train.push(float32 ? new Float32Array(nTrain) : new Float64Array(nTrain));
        heldOut.push(new Float64Array(nHeld));
        return;
      }
      const values = column.values;
      // Reusing the column's own buffer: Float32 training rows at its start, then the
      // Float64 held-out rows from index ⌈nTrain / 2⌉, which ends within the rows'
      // 8 bytes each. No allocation, no copy of the data, no page touched anew.
      const reuse = options.consume === true && float32 && values.byteOffset === 0 &&
        values.length >= nTrain + nHeld && !(values.buffer instanceof SharedArrayBuffer);
      if (reuse) {
        const heldAt = Math.ceil(nTrain / 2);
        scratch ??= new Float64Array(nHeld);
        standardise64(values, heldRows, feature, scratch);
        const out = new Float32Array(values.buffer, 0, nTrain);
        standardise32(values, rows, feature, out);
        const held = new Float64Array(values.buffer, heldAt * 8, nHeld);
        held.set(scratch);
        train.push(out);
        heldOut.push(held);
        // the column's values are gone: leave it empty rather than wrong
        column.values = new Float64Array(0);
        return;
      }
      const held = new Float64Array(nHeld);
      standardise64(values, heldRows, feature, held);
      if (float32) {
        const out = new Float32Array(nTrain);
        standardise32(values, rows, feature, out);
        train.push(out);
      } else {
        const out = new Float64Array(nTrain);
        standardise64(values, rows, feature, out);
        train.push(out);
      }
      heldOut.push(held);
      return;
    }
    if (feature.type === "date") {
      const parts = new Float64Array(DATE_PARTS.length);
      const first = train.length;
      for (let k = 0; k < DATE_PARTS.length; k++) {
        train.push(float32 ? new Float32Array(nTrain) : new Float64Array(nTrain));
        heldOut.push(new Float64Array(nHeld));
      }
      const fill = (out: DesignColumn[], rowsOf: Uint32Array) => {
        for (let i = 0; i < rowsOf.length; i++) {
          const raw = column.type === "categorical" ? column.values[rowsOf[i]!] : null;
          encodeDate(feature, raw, parts, 0);
          for (let k = 0; k < parts.length; k++) out[first + k]![i] = parts[k]!;
        }
      };
      fill(train, rows);
      fill(heldOut, heldRows);
      return;
    }
    const index = new Map(feature.categories.map((c, k) => [c, k]));
    const slots = feature.categories.length;
    const first = train.length;
    for (let k = 0; k < slots; k++) {
      train.push(float32 ? new Float32Array(nTrain) : new Float64Array(nTrain));
      heldOut.push(new Float64Array(nHeld));
    }
    const categoryOf = (r: number) => {
      const raw = column.type === "categorical" ? column.values[r] : String(column.values[r]);
      return raw === null || raw === undefined ? undefined : index.get(raw);
    };
    for (let i = 0; i < nTrain; i++) {
      const k = categoryOf(rows[i]!);
      if (k !== undefined) train[first + k]![i] = 1;
    }
    for (let i = 0; i < nHeld; i++) {
      const k = categoryOf(heldRows[i]!);
      if (k !== undefined) heldOut[first + k]![i] = 1;
    }
  });
  const width = train.length + 1;
  return {
    train: { columns: train, rows: nTrain, width },
    heldOut: { columns: heldOut, rows: nHeld, width },
  };
}

// Two copies of one gather, each with a single element type, so V8 compiles each
// for its own arrays. Rows ascend: row `rows[k] ≥ k` is read before anything is
// written at k, so a Float32 written at k never overwrites a Float64 of the same
// buffer not yet read. NaN (a missing cell) imputes the mean, which standardises to 0.

function standardise32(
  values: Float64Array,
  rows: Uint32Array,
  stats: { mean: number; scale: number },
  out: Float32Array,
): void {
  const { mean, scale } = stats;
  for (let k = 0; k < rows.length; k++) {
    const raw = values[rows[k]!]!;
    out[k] = raw === raw ? (raw - mean) / scale : 0;
  }
}

function standardise64(
  values: Float64Array,
  rows: Uint32Array,
  stats: { mean: number; scale: number },
  out: Float64Array,
): void {
  const { mean, scale } = stats;
  for (let k = 0; k < rows.length; k++) {
    const raw = values[rows[k]!]!;
    out[k] = raw === raw ? (raw - mean) / scale : 0;
  }
}

/** Copies rows `[start, start + count)` of `design` into `out`, row-major with the intercept. */
export function rowsOf(design: Design, start: number, count: number, out: Float64Array): void {
  const { columns, width } = design;
  for (let i = 0; i < count; i++) out[i * width] = 1;
  for (let j = 0; j < columns.length; j++) {
    const column = columns[j]!;
    for (let i = 0, o = j + 1; i < count; i++, o += width) out[o] = column[start + i]!;
  }
}

/** What {@link predictDesign} needs of a model. */
export interface EncodedPredictor {
  /** Predicts row-major encoded rows. */
  predictEncoded(x: Float64Array, rows: number): Predictions;
  /** The class list. */
  readonly classes: readonly unknown[];
}

/** Predicts every row of `design`, a block of rows at a time. */
export function predictDesign(model: EncodedPredictor, design: Design): Predictions {
  const k = model.classes.length;
  const classes = new Int32Array(design.rows);
  const probabilities = new Float64Array(design.rows * k);
  const block = 4096;
  const x = new Float64Array(block * design.width);
  for (let start = 0; start < design.rows; start += block) {
    const count = Math.min(block, design.rows - start);
    rowsOf(design, start, count, x);
    const p = model.predictEncoded(x, count);
    classes.set(p.classes, start);
    probabilities.set(p.probabilities, start * k);
  }
  return { classes, probabilities };
}

/** The rows of `design` picked by `rows` (indices into it), in that order. */
export function designRows(design: Design, rows: ArrayLike<number>): Design {
  return {
    columns: design.columns.map((column) => {
      const out = column instanceof Float32Array
        ? new Float32Array(rows.length)
        : new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = column[rows[i]!]!;
      return out;
    }),
    rows: rows.length,
    width: design.width,
    ...(design.weights ? { weights: Float64Array.from(rows, (r) => design.weights![r]!) } : {}),
  };
}

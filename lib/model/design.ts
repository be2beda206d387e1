/**
 * The design matrix training fits on, stored once and by column: one typed
 * array of standardised values (or 0/1 for a category) per encoded slot, the
 * intercept implicit. Float32 storage halves the memory of Float64 and the
 * bytes each solver pass reads; every sum over it is accumulated in Float64.
 * @module
 */
import type { Column } from "../data/dataset.ts";
import type { Feature } from "./features.ts";
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
   * Reuse and then release each numeric column's buffer as it is encoded: the
   * column's `values` are detached (empty) afterwards. Saves a copy of the data.
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
  features.forEach((feature, f) => {
    const column = columns[f]!;
    if (feature.type === "numeric") {
      const held = new Float64Array(nHeld);
      if (column.type !== "numeric") {
        // a non-numeric column encodes as the mean: zeros
        train.push(float32 ? new Float32Array(nTrain) : new Float64Array(nTrain));
        heldOut.push(held);
        return;
      }
      const values = column.values;
      // the buffer is reused only when it is the column's own from its start
      const reuse = options.consume === true && float32 && values.byteOffset === 0 &&
        !(values.buffer instanceof SharedArrayBuffer);
      const out: DesignColumn = reuse
        ? new Float32Array(values.buffer, 0, nTrain)
        : float32
        ? new Float32Array(nTrain)
        : new Float64Array(nTrain);
      // held-out rows first: the in-place training rows below overwrite the buffer's start
      standardise64(values, heldRows, feature, held);
      if (out instanceof Float32Array) standardise32(values, rows, feature, out);
      else standardise64(values, rows, feature, out);
      if (reuse) {
        // shrink the buffer to the Float32 values: frees the rest, detaches `values`
        train.push(new Float32Array((values.buffer as ArrayBuffer).transfer(nTrain * 4)));
      } else train.push(out);
      heldOut.push(held);
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
  };
}

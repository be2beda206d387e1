/**
 * The live drift window: the bins of the last `capacity` rows served, kept
 * in typed-array ring buffers with a running count per bin, so observing a
 * row costs O(features) and allocates nothing. PSI is computed from the
 * counts when asked (at scrape time). With an infinite capacity it only
 * counts: the offline report (`report.ts`) feeds a whole file through it.
 * @module
 */
import type { Column } from "../data/dataset.ts";
import type { Row } from "../model/features.ts";
import { binOf, type BinPlan } from "./profile.ts";
import { psi } from "./psi.ts";

/** One feature's PSI. */
export interface FeaturePsi {
  /** The feature name. */
  feature: string;
  /** Its PSI against the training profile. */
  psi: number;
}

/** A sliding window of binned rows and their predicted classes. */
export class DriftWindow {
  /** Most rows held; `Infinity` counts every row observed. */
  readonly capacity: number;
  readonly #plan: BinPlan;
  readonly #width: number;
  // bin per feature per row held, and the predicted class per row held
  readonly #bins: Int32Array;
  readonly #classes: Int32Array;
  readonly #counts: Float64Array;
  readonly #classCounts: Float64Array;
  /** The bins of the row being added. */
  readonly #scratch: Int32Array;
  #head = 0;
  #rows = 0;

  /** An empty window over `plan`'s bins. */
  constructor(plan: BinPlan, capacity: number) {
    if (!(capacity > 0)) throw new RangeError("DriftWindow capacity must be positive");
    this.capacity = capacity;
    this.#plan = plan;
    this.#width = plan.steps.length;
    const held = Number.isFinite(capacity) ? capacity : 0;
    this.#bins = new Int32Array(held * this.#width);
    this.#classes = new Int32Array(held);
    this.#counts = new Float64Array(plan.reference.length);
    this.#classCounts = new Float64Array(plan.classes.length);
    this.#scratch = new Int32Array(this.#width);
  }

  /** Rows in the window now. */
  get rows(): number {
    return this.#rows;
  }

  /** Adds a validated row and its predicted class `k`, evicting the oldest row when full. */
  observe(row: Row, k: number): void {
    const steps = this.#plan.steps, offsets = this.#plan.offsets, scratch = this.#scratch;
    for (let f = 0; f < this.#width; f++) {
      scratch[f] = offsets[f]! + binOf(steps[f]!, row[steps[f]!.name]);
    }
    this.#add(k);
  }

  /**
   * Adds the first `n` rows of validated `columns` (one per feature, in plan
   * order; NaN or null where missing) predicted as `classes`: the drift
   * report feeds a file's blocks (lib/score/reader.ts) without a row object.
   */
  observeColumns(columns: readonly Column[], n: number, classes: Int32Array): void {
    const steps = this.#plan.steps, offsets = this.#plan.offsets, scratch = this.#scratch;
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < this.#width; f++) {
        scratch[f] = offsets[f]! + binOf(steps[f]!, columns[f]!.values[i]);
      }
      this.#add(classes[i]!);
    }
  }

  /** Counts the bins in the scratch row and class `k`, evicting the oldest row when full. */
  #add(k: number): void {
    const counts = this.#counts, scratch = this.#scratch;
    const width = this.#width;
    if (!Number.isFinite(this.capacity)) {
      for (let f = 0; f < width; f++) counts[scratch[f]!]!++;
      this.#classCounts[k]!++;
      this.#rows++;
      return;
    }
    const base = this.#head * width;
    const full = this.#rows === this.capacity;
    for (let f = 0; f < width; f++) {
      const bin = scratch[f]!;
      if (full) counts[this.#bins[base + f]!]!--;
      counts[bin]!++;
      this.#bins[base + f] = bin;
    }
    if (full) this.#classCounts[this.#classes[this.#head]!]!--;
    this.#classCounts[k]!++;
    this.#classes[this.#head] = k;
    this.#head = this.#head + 1 === this.capacity ? 0 : this.#head + 1;
    if (!full) this.#rows++;
  }

  /** Each feature's PSI over the rows in the window, in feature order. */
  featurePsi(): FeaturePsi[] {
    const { steps, offsets, reference } = this.#plan;
    return steps.map((step, f) => ({
      feature: step.name,
      psi: psi(reference, this.#counts, {
        from: offsets[f]!,
        to: offsets[f + 1]!,
        total: this.#rows,
      }),
    }));
  }

  /** The PSI of the predicted classes over the rows in the window. */
  predictionPsi(): number {
    return psi(this.#plan.classes, this.#classCounts, {
      from: 0,
      to: this.#classCounts.length,
      total: this.#rows,
    });
  }

  /** Empties the window. */
  clear(): void {
    this.#counts.fill(0);
    this.#classCounts.fill(0);
    this.#head = 0;
    this.#rows = 0;
  }
}

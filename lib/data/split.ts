/**
 * The stratified, seeded train/test split, as scikit-learn's
 * `train_test_split(..., stratify=y)` makes it: the test set holds
 * `ceil(testSize * n)` rows, each class in proportion.
 * @module
 */
import { InputError, quoteValue } from "../core/errors.ts";
import { seededRandom, shuffle } from "./rng.ts";

/** Row indices of the two sides of a split, each in ascending order. */
export interface Split {
  /** Rows to train on. */
  train: Uint32Array;
  /** Rows held out for scoring. */
  test: Uint32Array;
}

/** Options for {@link stratifiedSplit}. */
export interface SplitOptions {
  /** Fraction of rows held out, in (0, 1). */
  testSize: number;
  /** Seed for the shuffle. */
  seed: number;
  /** Class names for error messages, by class index. */
  classNames?: readonly string[];
}

/**
 * Splits rows so that each class keeps its share on both sides.
 *
 * `y` holds a class index per row and `classCount` the number of classes.
 * Throws an {@link InputError} when a class has too few rows to appear on
 * both sides, or the test set would be smaller than the number of classes.
 */
export function stratifiedSplit(
  y: Int32Array,
  classCount: number,
  options: SplitOptions,
): Split {
  const n = y.length;
  const nTest = Math.ceil(options.testSize * n);
  const nTrain = n - nTest;
  // typed arrays of the exact sizes: at millions of rows, arrays grown by push
  // cost several times the memory
  const sizes = new Array<number>(classCount).fill(0);
  for (let i = 0; i < n; i++) sizes[y[i]!]! += 1;
  sizes.forEach((size, k) => {
    if (size < 2) {
      const name = options.classNames?.[k] ?? String(k);
      throw new InputError(
        `Cannot split the data: class ${
          quoteValue(name)
        } has ${size} row, at least 2 are needed to stratify`,
      );
    }
  });
  if (nTest < classCount || nTrain < classCount) {
    throw new InputError(
      `Cannot split the data: ${n} rows with test size ${options.testSize} leave ${nTest} test and ${nTrain} training rows for ${classCount} classes`,
    );
  }
  const byClass = sizes.map((size) => new Uint32Array(size));
  const filled = new Array<number>(classCount).fill(0);
  for (let i = 0; i < n; i++) {
    const k = y[i]!;
    byClass[k]![filled[k]!++] = i;
  }
  const testCounts = allocate(sizes, nTest);
  // every class keeps at least one row on each side
  const taken = byClass.map((rows, k) => Math.min(Math.max(testCounts[k]!, 1), rows.length - 1));
  const test = new Uint32Array(taken.reduce((a, b) => a + b, 0));
  const train = new Uint32Array(n - test.length);
  const random = seededRandom(options.seed);
  let t0 = 0, r0 = 0;
  byClass.forEach((rows, k) => {
    shuffle(rows, random);
    const t = taken[k]!;
    test.set(rows.subarray(0, t), t0);
    train.set(rows.subarray(t), r0);
    t0 += t;
    r0 += rows.length - t;
  });
  return { train: train.sort(), test: test.sort() };
}

/** Splits `total` over groups in proportion to `sizes` (largest remainder). */
function allocate(sizes: number[], total: number): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (s * total) / n);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, k) => ({ k, rest: e - Math.floor(e) }))
    .sort((a, b) => b.rest - a.rest || a.k - b.k);
  for (const { k } of order) {
    if (left-- <= 0) break;
    counts[k]! += 1;
  }
  return counts;
}

/**
 * Assigns each row to one of `folds` cross-validation folds, each class
 * spread evenly over them after a seeded shuffle. Returns the fold per row.
 */
export function stratifiedFolds(
  y: Int32Array,
  classCount: number,
  options: { folds: number; seed: number },
): Uint8Array {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  for (let i = 0; i < y.length; i++) byClass[y[i]!]!.push(i);
  const random = seededRandom(options.seed);
  const fold = new Uint8Array(y.length);
  // continue the round-robin across classes so fold sizes stay within one row
  let next = 0;
  for (const rows of byClass) {
    shuffle(rows, random);
    for (const r of rows) {
      fold[r] = next;
      next = (next + 1) % options.folds;
    }
  }
  return fold;
}

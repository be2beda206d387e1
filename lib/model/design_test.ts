import { assertAlmostEquals, assertEquals, assertThrows } from "../_testing/assert.ts";
import { InputError } from "../core/errors.ts";
import type { Column } from "../data/dataset.ts";
import { encodeColumns, encodedWidth, type Feature, fitFeatures } from "./features.ts";
import { checkDesignSize, type Design, encodeDesign, predictDesign, rowsOf } from "./design.ts";

/** Two numeric columns (one with a gap) and a categorical one, 11 rows. */
function columns(): Column[] {
  const n = 11;
  return [
    { name: "a", type: "numeric", values: Float64Array.from({ length: n }, (_, i) => i * 1.7 - 3) },
    {
      name: "b",
      type: "numeric",
      values: Float64Array.from({ length: n }, (_, i) => (i === 4 ? NaN : (i * i) % 7)),
    },
    {
      name: "c",
      type: "categorical",
      values: Array.from({ length: n }, (_, i) => (i === 2 ? null : ["x", "y", "z"][i % 3]!)),
    },
  ];
}

const TRAIN = Uint32Array.from([0, 1, 3, 4, 6, 7, 9, 10]);
const HELD_OUT = Uint32Array.from([2, 5, 8]);

function rowMajor(design: Design): Float64Array {
  const out = new Float64Array(design.rows * design.width);
  rowsOf(design, 0, design.rows, out);
  return out;
}

Deno.test("encodeDesign() with Float64 storage equals encodeColumns() on both sides", () => {
  const data = columns();
  const features = fitFeatures(data, TRAIN);
  const { train, heldOut } = encodeDesign(features, data, {
    train: TRAIN,
    heldOut: HELD_OUT,
    storage: "float64",
  });
  assertEquals(train.width, encodedWidth(features));
  assertEquals(rowMajor(train), encodeColumns(features, data, TRAIN));
  assertEquals(rowMajor(heldOut), encodeColumns(features, data, HELD_OUT));
});

Deno.test("encodeDesign() with Float32 storage rounds the training rows only", () => {
  const data = columns();
  const features = fitFeatures(data, TRAIN);
  const { train, heldOut } = encodeDesign(features, data, { train: TRAIN, heldOut: HELD_OUT });
  assertEquals(train.columns[0] instanceof Float32Array, true);
  assertEquals(rowMajor(train), encodeColumns(features, data, TRAIN).map(Math.fround));
  assertEquals(rowMajor(heldOut), encodeColumns(features, data, HELD_OUT));
});

Deno.test("encodeDesign() consuming the columns gives the same values and empties them", () => {
  const features = fitFeatures(columns(), TRAIN);
  const copy = encodeDesign(features, columns(), { train: TRAIN, heldOut: HELD_OUT });
  const data = columns();
  const inPlace = encodeDesign(features, data, { train: TRAIN, heldOut: HELD_OUT, consume: true });
  assertEquals(rowMajor(inPlace.train), rowMajor(copy.train));
  assertEquals(rowMajor(inPlace.heldOut), rowMajor(copy.heldOut));
  assertEquals(data[0]!.values.length, 0);
  assertEquals(data[1]!.values.length, 0);
  // categorical columns are left as they were
  assertEquals(data[2]!.values.length, 11);
});

Deno.test("predictDesign() predicts every row as predictEncoded() on the row-major copy", () => {
  const data = columns();
  const features = fitFeatures(data, TRAIN);
  const { train } = encodeDesign(features, data, { train: TRAIN, heldOut: HELD_OUT });
  const width = train.width;
  // a stand-in model: class 1 when the row's sum is positive
  const model = {
    classes: [0, 1],
    predictEncoded(x: Float64Array, rows: number) {
      const classes = new Int32Array(rows);
      const probabilities = new Float64Array(rows * 2);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let j = 0; j < width; j++) s += x[i * width + j]!;
        classes[i] = s > 0 ? 1 : 0;
        probabilities[i * 2 + 1] = 1 / (1 + Math.exp(-s));
        probabilities[i * 2] = 1 - probabilities[i * 2 + 1]!;
      }
      return { classes, probabilities };
    },
  };
  const got = predictDesign(model, train);
  const want = model.predictEncoded(rowMajor(train), train.rows);
  assertEquals(got.classes, want.classes);
  got.probabilities.forEach((p, i) => assertAlmostEquals(p, want.probabilities[i]!, 1e-15));
});

Deno.test("checkDesignSize() refuses a design over the limit, naming the widest categorical columns", () => {
  const features: Feature[] = [
    { name: "x", type: "numeric", mean: 0, scale: 1, min: 0, max: 1, missing: 0 },
    {
      name: "code",
      type: "categorical",
      categories: Array.from({ length: 2000 }, (_, i) => String(i)),
      missing: 0,
    },
    { name: "city", type: "categorical", categories: ["a", "b"], missing: 0 },
  ];
  // 2,003 slots × (1M Float32 rows + 250k Float64 rows) ≈ 11.2 GB
  const err = assertThrows(
    () => checkDesignSize(features, { train: 1_000_000, heldOut: 250_000, source: "big.csv" }),
    InputError,
  );
  assertEquals(
    err.message,
    'Cannot train on "big.csv": the encoded features would take 11.2 GB (1,250,000 rows × 2,003 slots), more than 4.0 GB; the widest: "code" (2,000 categories), "city" (2 categories); leave such a column out with --exclude, or fix its cells if they should be numbers',
  );
  // the same features over 100,000 rows fit
  checkDesignSize(features, { train: 80_000, heldOut: 20_000, source: "big.csv" });
});

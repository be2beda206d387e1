import { assert, assertAlmostEquals, assertEquals } from "../_testing/assert.ts";
import type { Column } from "../data/dataset.ts";
import {
  dateParts,
  encodeColumns,
  encodedWidth,
  exampleRow,
  type Feature,
  fitFeatures,
  rowAccepts,
  rowEncoder,
  rowSchema,
} from "./features.ts";

const columns: Column[] = [
  { name: "x", type: "numeric", values: Float64Array.from([1, 3, NaN, 5]) },
  { name: "c", type: "categorical", values: ["b", "a", null, "b"] },
];
const rows = Uint32Array.from([0, 1, 2, 3]);

Deno.test("fitFeatures() learns mean, scale, range, missing counts, sorted categories and their shares", () => {
  assertEquals(fitFeatures(columns, rows), [
    { name: "x", type: "numeric", mean: 3, scale: Math.sqrt(8 / 3), min: 1, max: 5, missing: 1 },
    {
      name: "c",
      type: "categorical",
      categories: ["a", "b"],
      missing: 1,
      frequencies: [0.25, 0.5],
    },
  ]);
});

Deno.test("encodeColumns() and rowEncoder() agree: intercept, standardised value, one-hot", () => {
  const features = fitFeatures(columns, rows);
  const width = encodedWidth(features);
  assertEquals(width, 4);
  const matrix = encodeColumns(features, columns, rows);
  const s = Math.sqrt(8 / 3);
  assertEquals(Array.from(matrix.subarray(0, 4)), [1, -2 / s, 0, 1]);
  // missing numeric imputes the mean (0 once standardised), missing category is all zeros
  assertEquals(Array.from(matrix.subarray(8, 12)), [1, 0, 0, 0]);
  const encoder = rowEncoder(features);
  const out = new Float64Array(width);
  encoder.encode({ x: 1, c: "b" }, out, 0);
  assertEquals(Array.from(out), Array.from(matrix.subarray(0, 4)));
  encoder.encode({ x: null, c: "never seen" }, out, 0);
  assertEquals(Array.from(out), [1, 0, 0, 0]);
});

Deno.test("rowSchema() requires every feature, types them and refuses unknown fields", () => {
  const strict = rowSchema([
    { name: "x", type: "numeric", mean: 0, scale: 1, min: 0, max: 1, missing: 0 },
    { name: "c", type: "categorical", categories: ["a"], missing: 0 },
  ]);
  assertEquals(strict.safeParse({ x: 1, c: "a" }).success, true);
  assertEquals(strict.safeParse({ x: "1", c: "a" }).success, false);
  assertEquals(strict.safeParse({ c: "a" }).success, false);
  assertEquals(strict.safeParse({ x: 1, c: "a", y: 2 }).success, false);
});

Deno.test("rowSchema() makes a feature optional when training imputed it", () => {
  const schema = rowSchema(fitFeatures(columns, rows));
  assertEquals(schema.safeParse({}).success, true);
  assertEquals(schema.safeParse({ x: null, c: null }).success, true);
});

Deno.test("exampleRow() uses the training mean and most frequent category, and its row schema accepts it", () => {
  const features = fitFeatures(columns, rows);
  const row = exampleRow(features);
  assertEquals(row, { x: 3, c: "b" });
  assertEquals(rowSchema(features).safeParse(row).success, true);
});

Deno.test("fitFeatures() keeps mean and scale finite for values near the largest double", () => {
  // regression (issue 7 fuzzing): squares of values beyond ~1e154 overflowed to Infinity
  const huge: Column[] = [
    { name: "x", type: "numeric", values: Float64Array.from([1e308, -1e308, 5e307, NaN]) },
  ];
  const [x] = fitFeatures(huge, Uint32Array.from([0, 1, 2, 3]));
  if (x?.type !== "numeric") throw new Error("expected a numeric feature");
  assertAlmostEquals(x.mean / 1e307, 5 / 3, 1e-9);
  assertAlmostEquals(
    x.scale / 1e308,
    Math.sqrt(((10 - 5 / 3) ** 2 + (10 + 5 / 3) ** 2 + (5 - 5 / 3) ** 2) / 3) / 10,
    1e-9,
  );
  assertEquals([x.min, x.max, x.missing], [-1e308, 1e308, 1]);
});

Deno.test("rowAccepts() accepts exactly what rowSchema() accepts, on generated rows", () => {
  const features: Feature[] = [
    { name: "a", type: "numeric", mean: 0, scale: 1, min: 0, max: 1, missing: 0 },
    { name: "b", type: "numeric", mean: 0, scale: 1, min: 0, max: 1, missing: 3 },
    { name: "c", type: "categorical", categories: ["x", "y"], missing: 0 },
    { name: "d", type: "categorical", categories: ["x"], missing: 1 },
  ];
  const schema = rowSchema(features);
  const accepts = rowAccepts(features);
  const values = [0, -1.5, 1e308, "x", "", null, true, [], {}, "NaN"];
  const keys = ["a", "b", "c", "d", "e", "toString", "__proto__"];
  let state = 7;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const row: Record<string, unknown> = {};
    for (const key of keys) {
      if (next(keys.length + 2) < (key.length === 1 && key < "e" ? 6 : 1)) {
        Object.defineProperty(row, key, {
          value: values[next(values.length)],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    const text = JSON.stringify(row);
    const parsed = JSON.parse(text);
    const fast = accepts(parsed);
    assertEquals(fast, schema.safeParse(parsed).success, text);
    if (fast) accepted++;
  }
  assert(accepted > 100, `only ${accepted} generated rows were valid`);
  for (const odd of [null, [], "row", 3, Object.create({ a: 1, c: "x" })]) {
    assertEquals(accepts(odd), false);
  }
});

Deno.test("dateParts() reads ISO dates and date-times, and refuses others", () => {
  assertEquals(dateParts("2024-01-31"), [2024, 1, 2, 31]);
  assertEquals(dateParts("2024-12-31T23:59:00Z"), [2024, 12, 1, 366]);
  assertEquals(dateParts("2024-02-30"), undefined);
  assertEquals(dateParts("31/01/2024"), undefined);
});

Deno.test("a date feature encodes as standardised parts and requests send the string", () => {
  const day: Column = {
    name: "day",
    type: "categorical",
    values: ["2024-01-01", "2024-03-01", null, "2025-01-01"],
  };
  const [f] = fitFeatures([day], Uint32Array.from([0, 1, 2, 3]), { dates: new Set(["day"]) });
  assertEquals(f?.type, "date");
  assertEquals(f?.missing, 1);
  assertEquals(encodedWidth([f!]), 5);
  const out = new Float64Array(5);
  rowEncoder([f!]).encode({ day: "2024-01-01" }, out, 0);
  assertEquals(out[0], 1);
  assertEquals(out[1]! < 0, true); // 2024 is below the mean year
  const schema = rowSchema([f!]);
  assertEquals(schema.safeParse({ day: "2024-05-05" }).success, true);
  assertEquals(schema.safeParse({ day: null }).success, true);
  const bad = schema.safeParse({ day: "yesterday" });
  assertEquals(
    bad.success ? "" : bad.error.issues[0]?.message,
    "expected an ISO 8601 date such as 2024-01-31",
  );
  assertEquals(rowAccepts([f!])({ day: "yesterday" }), false);
  assertEquals(exampleRow([f!]), { day: "2024-01-01" });
});

Deno.test("exampleRow() uses the most frequent category", () => {
  const c: Column = { name: "c", type: "categorical", values: ["b", "a", "b", null] };
  const features = fitFeatures([c], Uint32Array.from([0, 1, 2, 3]));
  assertEquals(exampleRow(features), { c: "b" });
});

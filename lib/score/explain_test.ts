import { assert, assertAlmostEquals, assertEquals } from "../_testing/assert.ts";
import { IRIS_CSV, tempCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import type { Row } from "../model/features.ts";
import type { Model } from "../model/model.ts";
import { explainer, largestCoefficients, slotMeans } from "./explain.ts";

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** A mixed CSV: a numeric feature, a categorical one with uneven shares, two classes. */
const MIXED = [
  "x,colour,label",
  ...Array.from({ length: 40 }, (_, i) => {
    const colour = ["red", "red", "green", "blue"][i % 4];
    return `${i % 7},${colour},${(i % 7) + (colour === "red" ? 2 : 0) > 4 ? "yes" : "no"}`;
  }),
].join("\n") + "\n";

function checkRows(model: Model, rows: Row[]): void {
  const explain = explainer(model.file);
  const p = new Float64Array(model.classes.length);
  for (const row of rows) {
    const k = model.predictOne(row, p);
    const e = explain.explain(row, k);
    assertEquals(e.class, model.classes[k]);
    assertEquals(Object.keys(e.contributions), model.file.features.map((f) => f.name));
    assertAlmostEquals(e.base + sum(Object.values(e.contributions)), e.logit, 1e-9);
    if (model.classes.length === 2) assertAlmostEquals(sigmoid(e.logit), p[k]!, 1e-12);
  }
}

Deno.test("explain() splits a two-class logit exactly, and its sigmoid is the predicted class's probability", async () => {
  const { model } = await trainOn(TOY_CSV);
  checkRows(model, [{ f1: 1, f2: 0 }, { f1: 0, f2: 1 }, { f1: 0.3, f2: 0.9 }, { f1: 7, f2: -2 }]);
});

Deno.test("explain() sums a categorical feature's one-hot slots, measured from the category shares", async () => {
  const { model, file } = await trainOn(await tempCsv(MIXED), { testSize: 0 });
  const colour = file.features.find((f) => f.name === "colour");
  assert(colour?.type === "categorical");
  assertEquals(colour.categories, ["blue", "green", "red"]);
  assertEquals(colour.frequencies, [0.25, 0.25, 0.5]);
  assertEquals(Array.from(slotMeans(file.features)), [1, 0, 0.25, 0.25, 0.5]);
  checkRows(model, [
    { x: 3, colour: "red" },
    { x: 6, colour: "blue" },
    { x: 0, colour: "purple" }, // unseen: every slot 0
  ]);
});

Deno.test("explain() holds for three classes (softmax) and for a one-vs-rest model", async () => {
  const rows: Row[] = [
    { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 },
    { sepal_length_cm: 6.7, sepal_width_cm: 3.0, petal_length_cm: 5.2, petal_width_cm: 2.3 },
    { sepal_length_cm: 5.9, sepal_width_cm: 3.0, petal_length_cm: 4.2, petal_width_cm: 1.5 },
  ];
  checkRows((await trainOn(IRIS_CSV)).model, rows);
  checkRows(
    (await trainOn(IRIS_CSV, { solver: { solver: "gd", iterations: 50, learningRate: 0.1 } }))
      .model,
    rows,
  );
});

Deno.test("explain() of a row at the training means has every contribution 0 and logit = base", async () => {
  const { model, file } = await trainOn(TOY_CSV);
  const row: Row = {};
  for (const f of file.features) if (f.type === "numeric") row[f.name] = f.mean;
  const e = explainer(file).explain(row, 1);
  for (const c of Object.values(e.contributions)) assertAlmostEquals(c, 0, 1e-12);
  assertAlmostEquals(e.logit, e.base, 1e-12);
  assertEquals(explainer(file), explainer(model.file));
});

Deno.test("largestCoefficients() ranks terms by magnitude, one-hot slots named by category", async () => {
  const { file } = await trainOn(await tempCsv(MIXED), { testSize: 0 });
  const top = largestCoefficients(file, 3);
  assertEquals(top.length, 3);
  for (let i = 1; i < top.length; i++) {
    assert(Math.abs(top[i - 1]!.weight) >= Math.abs(top[i]!.weight));
  }
  assert(top.every((c) => c.class === "yes"));
  const terms = largestCoefficients(file, 10).map((c) => c.term).sort();
  assertEquals(terms, ['colour = "blue"', 'colour = "green"', 'colour = "red"', "x"]);
  const iris = await trainOn(IRIS_CSV);
  assertEquals(largestCoefficients(iris.file, 100).length, 3 * 4);
});

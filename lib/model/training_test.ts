import { LBFGS, tempCsv, threeClassCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertRejects,
  assertThrows,
} from "../_testing/assert.ts";
import { InputError, UsageError } from "../core/errors.ts";
import { readDataset } from "../data/dataset.ts";
import { Model, modelToJson, parseModel, positiveIndex } from "./model.ts";
import { trainModel } from "./training.ts";

Deno.test("trainModel() learns the seed's toy data and records how", async () => {
  const { file, metrics, model } = await trainOn(TOY_CSV);
  assertEquals(metrics, { accuracy: 1, f1: 1 });
  assertEquals(file.training.trainRows + file.training.testRows, 6);
  assertEquals(file.training.seed, 42);
  assertEquals(file.features.map((f) => f.name), ["f1", "f2"]);
  const labels = model.predictRows([{ f1: 1, f2: 0 }, { f1: 0, f2: 1 }]).classes;
  assertEquals(Array.from(labels, (k) => model.classes[k]), [1, 0]);
});

Deno.test("trainModel() gives the same weights, byte for byte, for the same data and seed", async () => {
  const path = await tempCsv(threeClassCsv());
  const a = await trainOn(path, { seed: 3 });
  const b = await trainOn(path, { seed: 3 });
  assertEquals(modelToJson(a.file), modelToJson(b.file));
  await Deno.remove(path);
});

Deno.test("trainModel() handles string labels and scores well on separable data", async () => {
  const path = await tempCsv(threeClassCsv());
  const { file, metrics } = await trainOn(path);
  assertEquals(file.classes, ["high", "low", "mid"]);
  assertGreaterOrEqual(metrics.accuracy, 0.9);
  await Deno.remove(path);
});

Deno.test("trainModel() refuses a single class", async () => {
  const path = await tempCsv("a,label\n1,x\n2,x\n3,x\n");
  await assertRejects(() => trainOn(path), InputError, 'target "label" has a single class (x)');
  await Deno.remove(path);
});

Deno.test("trainModel() trains on values around 1e300 instead of failing validation", async () => {
  // regression (issue 7 fuzzing): the scale overflowed and a raw ZodError escaped (exit 1)
  const lines = ["x,label"];
  for (let i = 0; i < 20; i++) lines.push(`${(i % 2) * 1e302 + (i % 5) * 1e300},${i % 2}`);
  const { metrics, file } = await trainOn(await tempCsv(lines.join("\n")));
  assertEquals(metrics, { accuracy: 1, f1: 1 });
  const model = parseModel(JSON.parse(modelToJson(file)), "mem");
  assertEquals(model.predictRows([{ x: 3e300 }, { x: 1.02e302 }]).classes, Int32Array.from([0, 1]));
});

/** 200 rows, 3 % `fraud` (a little higher on x), the rest `legit`. */
function fraudCsv(): string {
  const lines = ["x,z,label"];
  for (let i = 0; i < 200; i++) {
    const fraud = i % 33 === 0;
    lines.push(
      `${((fraud ? 1.2 : 0) + Math.sin(i * 7.1)).toFixed(4)},${i % 7},${fraud ? "fraud" : "legit"}`,
    );
  }
  return lines.join("\n") + "\n";
}

Deno.test("trainModel() takes the minority class as positive: the threshold cuts on its probability", async () => {
  const path = await tempCsv(fraudCsv());
  try {
    const data = await readDataset(path, {});
    const { file } = trainModel(data, {
      seed: 42,
      testSize: 0.2,
      solver: LBFGS,
      threshold: 0.2,
    });
    assertEquals([file.classes, file.positive, file.heldOut?.positive], [
      ["fraud", "legit"],
      "fraud",
      "fraud",
    ]);
    const model = new Model(file);
    const rows = Array.from({ length: 61 }, (_, i) => ({ x: -3 + i * 0.1, z: 0 }));
    const { classes, probabilities } = model.predictRows(rows);
    const pFraud = rows.map((_, i) => probabilities[2 * i]!);
    // fraud wins at P(fraud) ≥ 0.2, below the most probable class's 0.5 too
    assert(pFraud.some((p) => p >= 0.2 && p < 0.5), String(pFraud));
    assertEquals(Array.from(classes), pFraud.map((p) => (p >= 0.2 ? 0 : 1)));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("trainModel() takes --positive over the default and refuses one that is not a class", async () => {
  const path = await tempCsv(fraudCsv());
  const three = await tempCsv(threeClassCsv());
  try {
    const options = { seed: 42, testSize: 0.2, solver: LBFGS };
    const legit = trainModel(await readDataset(path, {}), { ...options, positive: "legit" });
    assertEquals([legit.file.positive, legit.file.heldOut?.positive], ["legit", "legit"]);
    const data = await readDataset(path, {});
    assertThrows(
      () => trainModel(data, { ...options, positive: "Fraud" }),
      UsageError,
      'Cannot use --positive "Fraud": not a class of target "label" (classes: "fraud", "legit")',
    );
    const data3 = await readDataset(three, {});
    assertThrows(
      () => trainModel(data3, { ...options, positive: "high" }),
      UsageError,
      'Cannot use --positive "high": target "kind" has 3 classes, a positive class needs exactly two',
    );
  } finally {
    await Deno.remove(path);
    await Deno.remove(three);
  }
});

Deno.test("a model file without a positive class takes the second, as before", async () => {
  const { file } = await trainOn(TOY_CSV);
  const { positive: _, ...older } = file;
  assertEquals([positiveIndex(older), positiveIndex(file)], [1, 1]);
  assertEquals(positiveIndex({ ...file, positive: 0 }), 0);
  assertThrows(
    () => parseModel({ ...file, positive: 7 }, "m"),
    InputError,
    'Cannot load model "m": positive: the positive class must be one of exactly two classes',
  );
});

Deno.test("trainModel() keeps a numeric column with a few 'n.a.' cells numeric and records the marker", async () => {
  // regression: the column became categorical with one level per number (accuracy 0.99 → 0.55)
  const lines = ["x,noise,label"];
  for (let i = 0; i < 400; i++) {
    const x = ((i * 37) % 400) / 40 - 5;
    lines.push(`${i >= 390 ? "n.a." : x.toFixed(3)},${(i * 13) % 7},${x > 0 ? "up" : "down"}`);
  }
  const path = await tempCsv(lines.join("\n") + "\n");
  const { file, metrics } = await trainOn(path);
  await Deno.remove(path);
  assertEquals(file.features[0]?.type, "numeric");
  assertGreaterOrEqual(file.features[0]?.missing ?? 0, 1);
  assertGreaterOrEqual(metrics.accuracy, 0.95);
  assertEquals(file.training.na, ["n.a."]);
  assertEquals(file.training.decisions, [
    'column "x": read "n.a." (10 cells) as missing, as --na would; pass --na or fix the file to silence this',
  ]);
});

Deno.test("trainModel() refuses a continuous target, naming the columns that look like classes", async () => {
  const lines = ["x,grade,kind,price"];
  for (let i = 0; i < 100; i++) lines.push(`${i % 13},${i % 4},${i % 2 ? "a" : "b"},${i * 1.5}`);
  const path = await tempCsv(lines.join("\n") + "\n");
  await assertRejects(
    () => trainOn(path),
    InputError,
    `: the default target, the last column "price", looks continuous (100 distinct numbers in 100 rows), and this trains classifiers; pick a class column with --target (the last that look like classes: "x", "grade", "kind")`,
  );
  await assertRejects(
    () => trainOn(path, { target: "price" }),
    InputError,
    `: target "price" looks continuous (100 distinct numbers in 100 rows)`,
  );
  // 13 whole-number classes are classes
  const { file } = await trainOn(path, { target: "x" });
  assertEquals(file.classes.length, 13);
  await Deno.remove(path);
});

import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import { tempCsv, threeClassCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import {
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../_testing/assert.ts";
import { InputError } from "../core/errors.ts";
import { loadModel } from "../registry/artifacts.ts";
import { modelToJson, parseModel } from "./model.ts";

Deno.test("parseModel() round-trips a trained model through its JSON text", async () => {
  const { file } = await trainOn(TOY_CSV);
  const model = parseModel(JSON.parse(modelToJson(file)), "mem");
  assertEquals(model.file, file);
  assertEquals(model.classes, [0, 1]);
});

Deno.test("Model predictions match the library's own LogisticRegression.load().predict()", async () => {
  const path = await tempCsv(threeClassCsv());
  const { model, file } = await trainOn(path);
  const rows = [
    { x: 0, y: 1 },
    { x: 11, y: 0 },
    { x: 24, y: 2 },
    { x: 13, y: 1 },
    { x: 19, y: 0 },
  ];
  const ours = model.predictRows(rows);
  const library = LogisticRegression.load(file.estimator);
  const x = model.encode(rows);
  const matrix = new Matrix(
    rows.map((_, i) => Array.from(x.subarray(i * model.width, (i + 1) * model.width))),
  );
  assertEquals(Array.from(ours.classes), library.predict(matrix));
  assertEquals(Array.from(ours.classes, (k) => model.classes[k]), [
    "low",
    "mid",
    "high",
    "mid",
    "high",
  ]);
  for (let i = 0; i < rows.length; i++) {
    const p = Array.from(ours.probabilities.subarray(i * 3, i * 3 + 3));
    assertAlmostEquals(p.reduce((a, b) => a + b, 0), 1, 1e-12);
    assertEquals(p.indexOf(Math.max(...p)), ours.classes[i]);
  }
  await Deno.remove(path);
});

Deno.test("parseModel() refuses tampered documents with a clear reason", async () => {
  const { file } = await trainOn(TOY_CSV);
  const json = () => JSON.parse(modelToJson(file));
  const wrongVersion = { ...json(), formatVersion: 99 };
  assertThrows(
    () => parseModel(wrongVersion, "m"),
    InputError,
    'Cannot load model "m": formatVersion',
  );
  const short = json();
  short.estimator.classifiers[0].weights[0].pop();
  assertThrows(
    () => parseModel(short, "m"),
    InputError,
    "expected 3 weights for the features, got 2",
  );
  const nan = json();
  nan.estimator.classifiers[1].weights[0][0] = "NaN";
  assertThrows(() => parseModel(nan, "m"), InputError, "estimator.classifiers.1.weights.0.0");
  const fewer = json();
  fewer.classes = [0, 1, 2];
  assertThrows(() => parseModel(fewer, "m"), InputError, "one classifier per class");
});

Deno.test("loadModel() explains a missing or corrupt model.json", async () => {
  const dir = await Deno.makeTempDir();
  await assertRejects(() => loadModel(dir), InputError, "no model.json there");
  await Deno.writeTextFile(`${dir}/model.json`, '{"format": "mvd-mo');
  await assertRejects(() => loadModel(dir), InputError, "model.json is not valid JSON");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseModel() refuses a classifier with no weight rows instead of crashing", async () => {
  // regression (issue 7 fuzzing): the consistency check read weights[0].length and threw a TypeError
  const { file } = await trainOn(TOY_CSV);
  const doc = JSON.parse(modelToJson(file));
  doc.estimator.classifiers[0].weights = [];
  assertThrows(
    () => parseModel(doc, "mem"),
    InputError,
    'Cannot load model "mem": estimator.classifiers.0.weights: Too small',
  );
});

Deno.test("predictOne() matches predictRows() row by row", async () => {
  const { model } = await trainOn(await tempCsv(threeClassCsv()), { target: "kind" });
  const rows = [{ x: 1, y: 0 }, { x: 21, y: 1 }, { x: 11, y: 2 }, { x: -50, y: 9 }];
  const all = model.predictRows(rows);
  const probabilities = new Float64Array(3);
  rows.forEach((row, i) => {
    assertEquals(model.predictOne(row, probabilities), all.classes[i]);
    assertEquals(
      Array.from(probabilities),
      Array.from(all.probabilities.subarray(i * 3, i * 3 + 3)),
    );
  });
});

import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import { tempCsv, threeClassCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../_testing/assert.ts";
import { InputError } from "../core/errors.ts";
import { loadModel } from "../registry/artifacts.ts";
import fc from "fast-check";
import { checkPayload } from "./inputs.ts";
import { type Model, modelToJson, parseModel } from "./model.ts";

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

/** The toy model's document with every weight multiplied by `factor`. */
async function toyScaled(factor: number) {
  const { file } = await trainOn(TOY_CSV);
  const doc = JSON.parse(modelToJson(file));
  for (const c of doc.estimator.classifiers) {
    c.weights[0] = c.weights[0].map((w: number) => w * factor);
  }
  return doc;
}

Deno.test("a model refuses rows whose scaled values are not finite, naming each feature", async () => {
  // issue 14: {"f1":1e308,"f2":1e308} scaled to Infinity and answered 0 at 0.5/0.5
  const { model } = await trainOn(TOY_CSV);
  const row = { f1: 1e308, f2: 1e308 };
  assertEquals(model.rowAccepts(row), false);
  // what the server and infer.ts both call
  assertEquals(checkPayload(row, model.rowSchema, { accepts: model.rowAccepts }), {
    ok: false,
    issues: [
      {
        path: "f1",
        message: "1e+308 is out of range for this model (its scaled value is not finite)",
      },
      {
        path: "f2",
        message: "1e+308 is out of range for this model (its scaled value is not finite)",
      },
    ],
  });
  const batch = checkPayload([{ f1: 1, f2: 0 }, { f1: 1, f2: -1e308 }], model.rowSchema, {
    accepts: model.rowAccepts,
  });
  assertEquals(batch.ok ? [] : batch.issues.map((i) => i.path), ["[1].f2"]);
  // large but finite once scaled: accepted, and answered with finite probabilities
  const big = { f1: 1e300, f2: -1e300 };
  assertEquals(model.rowAccepts(big), true);
  const p = model.predictRows([big]).probabilities;
  assert(p.every(Number.isFinite), String(p));
});

Deno.test("a model refuses rows whose class scores overflow, naming the row", async () => {
  // weights large enough that a finite scaled value overflows the score, yet
  // inside the training range every score is finite (so the model loads)
  const model = parseModel(await toyScaled(1e306), "mem");
  const row = { f1: 1e4, f2: 0 };
  assertEquals(model.rowAccepts(row), false);
  assertEquals(
    checkPayload([{ f1: 1, f2: 0 }, row], model.rowSchema, { accepts: model.rowAccepts }),
    {
      ok: false,
      issues: [{
        path: "[1]",
        message: "values out of range for this model (class scores are not finite)",
      }],
    },
  );
  assertEquals(model.rowAccepts({ f1: 1, f2: 0 }), true);
});

Deno.test("a model accepts exactly the rows whose scaled values and scores are finite, and answers them with finite probabilities", async () => {
  const models = [(await trainOn(TOY_CSV)).model, parseModel(await toyScaled(1e306), "mem")];
  const value = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(1e308, -1e308, 1.7e308, 5e-324, 1e154, -1e200, 1e4),
  );
  // the scores computed here from the document, independently of Model
  const finiteScores = (model: Model, row: Record<string, number>) => {
    const x = [
      1,
      ...model.file.features.map((f) => {
        if (f.type !== "numeric") throw new Error("numeric features only");
        return (row[f.name]! - f.mean) / f.scale;
      }),
    ];
    return model.file.estimator.classifiers.every((c) =>
      x.every(Number.isFinite) &&
      Number.isFinite(c.weights[0]!.reduce((z, w, j) => z + w * x[j]!, 0))
    );
  };
  let refused = 0;
  fc.assert(
    fc.property(fc.constantFrom(...models), value, value, (model, f1, f2) => {
      const row = { f1, f2 };
      const finite = finiteScores(model, row);
      assertEquals(model.rowAccepts(row), finite, JSON.stringify(row));
      assertEquals(checkPayload(row, model.rowSchema).ok, finite, "the schema agrees");
      if (!finite) return void refused++;
      const p = model.predictRows([row]).probabilities;
      assert(
        p.every((v) => Number.isFinite(v) && v >= 0 && v <= 1),
        `${JSON.stringify(row)}: ${p}`,
      );
    }),
    { numRuns: 2000 },
  );
  assert(refused > 0, "no generated row overflowed: the generator is too tame");
});

Deno.test("parseModel() refuses weights and statistics that make class scores overflow in the training range", async () => {
  // issue 14: a plain-directory model with weights 1e308 loaded and answered 0 at 0.5 for everything
  const huge = await toyScaled(1);
  for (const c of huge.estimator.classifiers) c.weights[0] = c.weights[0].map(() => 1e308);
  assertThrows(
    () => parseModel(huge, "m"),
    InputError,
    'Cannot load model "m": estimator.classifiers.0.weights: weights too large: class scores overflow for inputs in the training range',
  );
  // JSON's 1e999 is Infinity: not a number the schema takes
  const text = modelToJson((await trainOn(TOY_CSV)).file).replace(/"mean": 0\.5/, '"mean": 1e999');
  assertThrows(() => parseModel(JSON.parse(text), "m"), InputError, "features.0.mean");
  // a scale so small that the training range itself does not scale to finite values
  const tiny = await toyScaled(1);
  tiny.features[1].scale = 1e-320;
  assertThrows(
    () => parseModel(tiny, "m"),
    InputError,
    'Cannot load model "m": features.1.scale: the training range does not scale to finite values',
  );
});

Deno.test("a threshold turns class 1's probability into the label, and probabilities stay", async () => {
  const { file } = await trainOn(TOY_CSV);
  const plain = parseModel(file, "mem");
  const rows = [{ f1: 1, f2: 0 }, { f1: 0, f2: 1 }, { f1: 0.5, f2: 0.5 }];
  const before = plain.predictRows(rows);
  const p1 = Array.from(rows, (_, i) => before.probabilities[i * 2 + 1]!);
  const cut = [...p1].sort((a, b) => a - b)[1]!;
  const model = parseModel({ ...file, threshold: cut }, "mem");
  const after = model.predictRows(rows);
  assertEquals(Array.from(after.classes), p1.map((p) => (p >= cut ? 1 : 0)));
  assertEquals(Array.from(after.probabilities), Array.from(before.probabilities));
  const one = new Float64Array(2);
  rows.forEach((row, i) => assertEquals(model.predictOne(row, one), after.classes[i]));
  assertThrows(
    () => parseModel({ ...file, threshold: 1 }, "mem"),
    InputError,
    'Cannot load model "mem": threshold: Too big',
  );
});

import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import { tempCsv, threeClassCsv, trainOn } from "../_testing/fixtures.ts";
import { assertAlmostEquals, assertEquals, assertNotEquals } from "../_testing/assert.ts";
import type { Model } from "./model.ts";
import { fit, toEstimator } from "./solver.ts";

/** A noisy two-class CSV: the label follows x + y with some overlap. */
function binaryCsv(rows = 200): string {
  const lines = ["x,y,color,label"];
  for (let i = 0; i < rows; i++) {
    const x = (i * 37) % 101 / 10, y = (i * 53) % 97 / 10;
    const label = x + y + ((i * 7) % 11) / 2 > 12 ? "yes" : "no";
    lines.push(`${x},${y},${["red", "green", "blue"][i % 3]},${label}`);
  }
  return lines.join("\n") + "\n";
}

function libraryPredict(model: Model, rows: Record<string, number | string>[]): number[] {
  const x = model.encode(rows);
  const matrix = new Matrix(
    rows.map((_, i) => Array.from(x.subarray(i * model.width, (i + 1) * model.width))),
  );
  return LogisticRegression.load(model.file.estimator).predict(matrix);
}

Deno.test("lbfgs models predict exactly as the library's LogisticRegression.load() (two classes)", async () => {
  const path = await tempCsv(binaryCsv());
  const { model, file } = await trainOn(path);
  assertEquals(file.training.solver.solver, "lbfgs");
  assertEquals(file.probability, "softmax");
  const rows = Array.from({ length: 60 }, (_, i) => ({
    x: (i * 13) % 100 / 10,
    y: (i * 29) % 100 / 10,
    color: ["red", "green", "blue", "purple"][i % 4]!,
  }));
  const ours = model.predictRows(rows).classes;
  assertEquals(Array.from(ours), libraryPredict(model, rows));
  assertEquals(new Set(ours).size, 2);
  await Deno.remove(path);
});

Deno.test("lbfgs models predict exactly as the library's LogisticRegression.load() (three classes)", async () => {
  const path = await tempCsv(threeClassCsv());
  const { model } = await trainOn(path);
  const rows = Array.from({ length: 40 }, (_, i) => ({ x: i * 0.7, y: i % 3 }));
  const ours = model.predictRows(rows).classes;
  assertEquals(Array.from(ours), libraryPredict(model, rows));
  assertEquals(new Set(ours).size, 3);
  await Deno.remove(path);
});

Deno.test("toEstimator() keeps P(class 1) = sigmoid(β·x) for two classes", () => {
  const beta = Float64Array.from([0.5, -2, 1]);
  const estimator = toEstimator(beta, 3, 2, 7);
  const [w0, w1] = estimator.classifiers.map((c) => c.weights[0]!);
  const x = [1, 0.3, -1.2];
  const z = x.reduce((a, v, j) => a + v * beta[j]!, 0);
  const l0 = -x.reduce((a, v, j) => a + v * w0![j]!, 0);
  const l1 = -x.reduce((a, v, j) => a + v * w1![j]!, 0);
  assertAlmostEquals(Math.exp(l1) / (Math.exp(l0) + Math.exp(l1)), 1 / (1 + Math.exp(-z)), 1e-12);
  assertEquals(estimator.numSteps, 7);
});

Deno.test("fit() with c auto picks C by cross-validation on small data and records it", () => {
  // a separable 1-D problem: weaker regularisation always fits the folds better
  const rows = 60;
  const x = new Float64Array(rows);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    x[i] = (i - rows / 2 + 0.5) / 10;
    y[i] = i < rows / 2 ? 0 : 1;
  }
  const fitted = fit({ columns: [x], rows, width: 2 }, y, {
    classCount: 2,
    seed: 1,
    solver: { solver: "lbfgs", c: "auto", maxIter: 200, tol: 1e-6 },
  });
  assertEquals(fitted.record.C, 100);
  assertEquals(fitted.record.cSelection, "auto: 5-fold CV log-loss over 0.01, 0.1, 1, 10, 100");
  const given = fit({ columns: [x], rows, width: 2 }, y, {
    classCount: 2,
    seed: 1,
    solver: { solver: "lbfgs", c: 0.01, maxIter: 200, tol: 1e-6 },
  });
  assertEquals(given.record.C, 0.01);
  assertNotEquals(given.estimator, fitted.estimator);
});

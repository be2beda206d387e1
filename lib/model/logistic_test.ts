import { assertAlmostEquals, assertEquals } from "../_testing/assert.ts";
import { readDataset } from "../data/dataset.ts";
import { fitFeatures } from "./features.ts";
import { encodeDesign } from "./design.ts";
import { binaryLoss, fitLogistic, softmaxLoss } from "./logistic.ts";
import type { Design } from "./design.ts";
import { classIndices } from "./training.ts";
import { distinctLabels } from "../data/dataset.ts";

const IRIS = new URL("../../data/iris.csv", import.meta.url).pathname;

/** Iris standardised over all rows (as StandardScaler), optionally without setosa. */
async function iris(dropSetosa: boolean, storage: "float32" | "float64" = "float32") {
  const data = await readDataset(IRIS);
  const keep = Uint32Array.from(
    data.labels.flatMap((l, i) => (dropSetosa && l === "setosa" ? [] : [i])),
  );
  const features = fitFeatures(data.columns, keep);
  const { train: design } = encodeDesign(features, data.columns, {
    train: keep,
    heldOut: new Uint32Array(0),
    storage,
  });
  const labels = Array.from(keep, (i) => data.labels[i]!);
  const classes = distinctLabels(labels);
  return {
    design,
    y: classIndices(labels, classes),
    classes: classes.length,
  };
}

function assertCoefficients(actual: Float64Array, expected: number[][]) {
  expected.flat().forEach((v, i) => assertAlmostEquals(actual[i]!, v, 2e-5, `coefficient ${i}`));
}

Deno.test("fitLogistic() matches scikit-learn's multinomial LogisticRegression(C=1) on iris", async () => {
  const { design, y, classes } = await iris(false);
  const fit = fitLogistic(design, y, classes, { c: 1, maxIter: 1000, tol: 1e-9 });
  assertEquals(fit.logits, 3);
  assertEquals(fit.converged, true);
  // sklearn 1.2.1: LogisticRegression(C=1.0, tol=1e-12, solver="newton-cg") on the
  // StandardScaler data, [intercept, coef] (its lbfgs stops ~1e-4 short of this optimum)
  assertCoefficients(fit.coef, [
    [-0.205241, -1.074066, 1.160115, -1.930692, -1.811556],
    [2.07484, 0.58781, -0.361841, -0.363431, -0.82627],
    [-1.869599, 0.486256, -0.798274, 2.294123, 2.637826],
  ]);
});

Deno.test("fitLogistic() matches scikit-learn's binary LogisticRegression(C=0.5)", async () => {
  const { design, y, classes } = await iris(true);
  const fit = fitLogistic(design, y, classes, { c: 0.5, maxIter: 1000, tol: 1e-10 });
  assertEquals(fit.logits, 1);
  // versicolor vs virginica, the logit of virginica
  assertCoefficients(fit.coef, [[0.087043, -0.105215, -0.436644, 1.735092, 1.936164]]);
});

Deno.test("fitLogistic() warm-started at the optimum stays there", async () => {
  const { design, y, classes } = await iris(false);
  const first = fitLogistic(design, y, classes, { c: 1, maxIter: 1000, tol: 1e-8 });
  const again = fitLogistic(design, y, classes, {
    c: 1,
    maxIter: 1000,
    tol: 1e-8,
    start: first.coef,
  });
  assertEquals(again.iterations, 0);
  assertEquals(again.coef, first.coef);
});

/** A random-looking design of `rows × p` (deterministic), Float64 columns, and labels. */
function synthetic(rows: number, p: number, classCount: number) {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const columns = Array.from({ length: p }, () => Float64Array.from({ length: rows }, next));
  const y = Int32Array.from({ length: rows }, (_, i) => {
    const s = columns.reduce((a, c, j) => a + c[i]! * (j + 1), 0) + next();
    return classCount === 2
      ? (s > 0 ? 1 : 0)
      : Math.max(0, Math.min(classCount - 1, Math.floor(s / 2 + classCount / 2)));
  });
  return { design: { columns, rows, width: p + 1 }, y };
}

/** The loss and its gradient computed apart, row by row, as the textbook writes them. */
function reference(
  columns: Float64Array[],
  y: Int32Array,
  logits: number,
  b: Float64Array,
): { loss: number; gradient: Float64Array } {
  const rows = y.length, width = columns.length + 1;
  const probabilities = (i: number) => {
    const z = Array.from(
      { length: logits },
      (_, k) => columns.reduce((a, c, j) => a + c[i]! * b[k * width + j + 1]!, b[k * width]!),
    );
    if (logits === 1) return [1 / (1 + Math.exp(-z[0]!))];
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const total = e.reduce((a, v) => a + v, 0);
    return e.map((v) => v / total);
  };
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const p = probabilities(i);
    loss -= logits === 1 ? Math.log(y[i] === 1 ? p[0]! : 1 - p[0]!) : Math.log(p[y[i]!]!);
  }
  const gradient = new Float64Array(logits * width);
  for (let i = 0; i < rows; i++) {
    const p = probabilities(i);
    for (let k = 0; k < logits; k++) {
      const target = logits === 1 ? y[i]! : (y[i] === k ? 1 : 0);
      const r = p[k]! - target;
      gradient[k * width] = gradient[k * width]! + r / rows;
      columns.forEach((c, j) => {
        gradient[k * width + j + 1] = gradient[k * width + j + 1]! + r * c[i]! / rows;
      });
    }
  }
  return { loss: loss / rows, gradient };
}

for (const [classCount, p] of [[2, 7], [3, 5], [4, 8]] as const) {
  Deno.test(`the fused blocked loss and gradient equal the separate computation (${classCount} classes, ${p} columns)`, () => {
    // more rows than a block, and a column count that is not a multiple of four
    const { design, y } = synthetic(2500, p, classCount);
    const logits = classCount === 2 ? 1 : classCount;
    const b = Float64Array.from({ length: logits * design.width }, (_, j) => Math.sin(j + 1));
    const gradient = new Float64Array(b.length);
    const loss = logits === 1
      ? binaryLoss(design, y, b, gradient)
      : softmaxLoss(design, y, logits, b, gradient);
    const want = reference(design.columns, y, logits, b);
    assertAlmostEquals(loss, want.loss, 1e-12);
    want.gradient.forEach((g, j) => assertAlmostEquals(gradient[j]!, g, 1e-12, `gradient ${j}`));
  });
}

Deno.test("Float32 storage gives weights within 1e-5 of Float64 storage and the same predictions", async () => {
  for (const dropSetosa of [false, true]) {
    const wide = await iris(dropSetosa, "float64");
    const narrow = await iris(dropSetosa, "float32");
    const options = { c: 1, maxIter: 1000, tol: 1e-8 };
    const a = fitLogistic(wide.design, wide.y, wide.classes, options);
    const b = fitLogistic(narrow.design, narrow.y, narrow.classes, options);
    a.coef.forEach((v, j) => assertAlmostEquals(b.coef[j]!, v, 1e-5, `coefficient ${j}`));
    assertEquals(predict(wide.design, b.coef, b.logits), predict(wide.design, a.coef, a.logits));
  }
  const { design, y } = synthetic(3000, 6, 3);
  const narrow = { ...design, columns: design.columns.map((c) => Float32Array.from(c)) };
  const options = { c: 1, maxIter: 1000, tol: 1e-8 };
  const a = fitLogistic(design, y, 3, options);
  const b = fitLogistic(narrow, y, 3, options);
  a.coef.forEach((v, j) => assertAlmostEquals(b.coef[j]!, v, 1e-5, `coefficient ${j}`));
  assertEquals(predict(design, b.coef, 3), predict(design, a.coef, 3));
});

Deno.test("fitLogistic() gives the same bytes twice on Float32 storage", async () => {
  const { design, y, classes } = await iris(false);
  const a = fitLogistic(design, y, classes, { c: 1, maxIter: 1000, tol: 1e-6 });
  const b = fitLogistic(design, y, classes, { c: 1, maxIter: 1000, tol: 1e-6 });
  assertEquals(new Uint8Array(a.coef.buffer), new Uint8Array(b.coef.buffer));
});

/** The arg-max logit per row (class 1 when the single logit is positive). */
function predict(design: Design, coef: Float64Array, logits: number): number[] {
  const { columns, rows, width } = design;
  return Array.from({ length: rows }, (_, i) => {
    const z = Array.from(
      { length: logits },
      (_, k) => columns.reduce((a, c, j) => a + c[i]! * coef[k * width + j + 1]!, coef[k * width]!),
    );
    return logits === 1 ? (z[0]! > 0 ? 1 : 0) : z.indexOf(Math.max(...z));
  });
}

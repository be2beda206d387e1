import { assertAlmostEquals, assertEquals } from "../_testing/assert.ts";
import { readDataset } from "../data/dataset.ts";
import { fitFeatures } from "./features.ts";
import { encodeDesign } from "./design.ts";
import { fitLogistic } from "./logistic.ts";
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

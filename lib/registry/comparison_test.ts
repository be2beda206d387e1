import { IRIS_CSV, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assertAlmostEquals, assertEquals, assertRejects } from "../_testing/assert.ts";
import { UsageError } from "../core/errors.ts";
import type { ModelFile } from "../model/model.ts";
import { compareRuns, loadRunDetail, type RunDetail } from "./comparison.ts";
import type { Evaluation } from "./evaluations.ts";
import { PROMOTION_FILE } from "./layout.ts";
import { writeRun } from "./runs.ts";

const { file: TOY } = await trainOn(TOY_CSV);
const { file: IRIS } = await trainOn(IRIS_CSV);
const { file: IRIS_C } = await trainOn(IRIS_CSV, {
  solver: { solver: "lbfgs", c: 0.1, maxIter: 500, tol: 1e-4 },
  seed: 7,
});

function detail(file: ModelFile, id: string, promotion: Evaluation | null = null): RunDetail {
  return { id, dir: `models/runs/${id}`, latest: false, file, promotion };
}

const PROMOTION: Evaluation = {
  evaluatedAt: "2026-01-02T03:04:05.000Z",
  model: "models/runs/a",
  runId: "a",
  data: { kind: "held-out", path: "data/iris.csv", sha256: IRIS.training.sha256, rows: 30 },
  thresholds: { accuracy: 0.7, f1: 0.7 },
  maxRegression: null,
  baseline: null,
  accuracy: 0.9,
  f1: 0.8,
  metrics: null,
  passed: true,
  failures: [],
  promoted: true,
};

Deno.test("compareRuns() puts settings and scores side by side with B − A", () => {
  const c = compareRuns(detail(IRIS, "a", PROMOTION), detail(IRIS_C, "b"));
  assertEquals(c.settings.C, { a: IRIS.training.solver.C!, b: 0.1 });
  assertEquals(c.settings.seed, { a: 42, b: 7 });
  assertEquals(c.settings.dataSha256.a, c.settings.dataSha256.b);
  assertEquals(c.settings.solver, { a: "lbfgs", b: "lbfgs" });
  const acc = c.metrics.accuracy;
  assertEquals([acc.a, acc.b], [IRIS.metrics.accuracy, IRIS_C.metrics.accuracy]);
  assertAlmostEquals(acc.delta!, IRIS_C.metrics.accuracy - IRIS.metrics.accuracy);
  assertAlmostEquals(c.metrics.logLoss.delta!, IRIS_C.heldOut!.logLoss! - IRIS.heldOut!.logLoss!);
  // three classes have no ROC AUC
  assertEquals(c.metrics.rocAuc, { a: null, b: null, delta: null });
  assertEquals(c.perClass.map((p) => p.label), ["setosa", "versicolor", "virginica"]);
  const versicolor = c.perClass[1]!;
  const [before, after] = [IRIS.heldOut!.perClass[1]!.f1, IRIS_C.heldOut!.perClass[1]!.f1];
  assertEquals([versicolor.a, versicolor.b], [before, after]);
  assertAlmostEquals(versicolor.delta!, after - before);
  assertEquals(c.schemaChanges, []);
  assertEquals(c.a.promotion, {
    record: "models/runs/a/promotion.json",
    evaluatedAt: PROMOTION.evaluatedAt,
    data: PROMOTION.data,
    accuracy: 0.9,
    f1: 0.8,
    thresholds: PROMOTION.thresholds,
  });
  assertEquals(c.b.promotion, null);
});

Deno.test("compareRuns() of different schemas lists the changes and every class of either", () => {
  const c = compareRuns(detail(TOY, "a"), detail(IRIS, "b"));
  assertEquals(c.schemaChanges, [
    'classes [0, 1] → ["setosa", "versicolor", "virginica"]',
    'features added: "sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"',
    'features removed: "f1", "f2"',
  ]);
  assertEquals(
    c.perClass.map((p) => [p.label, p.a !== null, p.b !== null, p.delta]),
    [
      ["0", true, false, null],
      ["1", true, false, null],
      ["setosa", false, true, null],
      ["versicolor", false, true, null],
      ["virginica", false, true, null],
    ],
  );
  assertEquals(c.settings.data, { a: TOY.training.data, b: IRIS.training.data });
});

Deno.test("compareRuns() of a model from before held-out reports has no per-class F1 or log loss", () => {
  const { heldOut: _, ...old } = TOY;
  const c = compareRuns(detail(old, "a"), detail(TOY, "b"));
  assertEquals(c.perClass.map((p) => [p.label, p.a, p.delta]), [["0", null, null], [
    "1",
    null,
    null,
  ]]);
  assertEquals([c.metrics.logLoss.a, c.metrics.logLoss.delta], [null, null]);
  assertEquals(c.metrics.accuracy.delta, 0);
});

Deno.test("loadRunDetail() resolves latest to its run and reads the promotion record", async () => {
  const root = await Deno.makeTempDir({ prefix: "mvd-compare-" });
  try {
    const createdAt = "2026-01-01T00:00:00.000Z";
    const dir = await writeRun({ ...TOY, createdAt }, { root });
    const id = dir.slice(dir.lastIndexOf("/") + 1);
    await Deno.symlink(`runs/${id}`, `${root}/latest`);
    await Deno.writeTextFile(`${dir}/${PROMOTION_FILE}`, JSON.stringify(PROMOTION));
    const latest = await loadRunDetail("latest", { root });
    assertEquals([latest.id, latest.dir, latest.latest], [id, `${root}/runs/${id}`, true]);
    assertEquals(latest.promotion, PROMOTION);
    assertEquals((await loadRunDetail(id, { root })).file, latest.file);
    // a run from before names: its directory, not model.json, names it
    const old = "20251231T000000000Z-0badc0de";
    await writeRun({ ...TOY, name: "mvd-logistic-regression" }, { out: `${root}/runs/${old}` });
    const named = await loadRunDetail(old, { root });
    assertEquals([named.id, named.dir, named.latest], [old, `${root}/runs/${old}`, false]);
    await assertRejects(
      () => loadRunDetail("toy-20260101T000000000Z", { root }),
      UsageError,
      `Unknown run "toy-20260101T000000000Z": no such run in ${root}/runs (closest: ${id})`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

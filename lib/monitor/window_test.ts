import { assert, assertEquals, assertThrows } from "../_testing/assert.ts";
import { LBFGS, tempCsv, trainOn } from "../_testing/fixtures.ts";
import { readDataset } from "../data/dataset.ts";
import { trainModel } from "../model/training.ts";
import { DRIFT_NUMERIC, driftCsv, sampleRows, windowPsi } from "../_testing/drift_data.ts";
import { driftPlan } from "./monitor.ts";
import { DriftWindow } from "./window.ts";
import { Model } from "../model/model.ts";
import type { Column } from "../data/dataset.ts";

const data = driftCsv(5000);
const { model } = await trainOn(await tempCsv(data.csv), { target: "label" });

Deno.test("1,000 rows sampled from the training file give every PSI below 0.1", () => {
  for (const seed of [1, 2, 3]) {
    const psi = windowPsi(model, sampleRows(data.rows, 1000, { seed }));
    for (const [name, value] of Object.entries(psi)) {
      assert(value < 0.1, `seed ${seed}: ${name} PSI ${value}`);
    }
  }
});

Deno.test("one feature shifted by 2 SD gives PSI above 0.25 on it, below 0.1 on the others", () => {
  for (const shifted of DRIFT_NUMERIC) {
    const rows = sampleRows(data.rows, 1000, { shift: { [shifted.name]: 2 * shifted.sd } });
    const psi = windowPsi(model, rows);
    for (const f of [...DRIFT_NUMERIC.map((f) => f.name), "region"]) {
      if (f === shifted.name) assert(psi[f]! > 0.25, `${f} shifted: PSI ${psi[f]}`);
      else assert(psi[f]! < 0.1, `${shifted.name} shifted: ${f} PSI ${psi[f]}`);
    }
  }
});

Deno.test("a full window counts only its last rows, as a fresh window of them does", () => {
  const plan = driftPlan(model)!;
  const rows = sampleRows(data.rows, 250, { shift: {} });
  const ring = new DriftWindow(plan, 100);
  const fresh = new DriftWindow(plan, 100);
  const p = new Float64Array(2);
  rows.forEach((row, i) => {
    const k = model.predictOne(row, p);
    ring.observe(row, k);
    if (i >= 150) fresh.observe(row, k);
  });
  assertEquals(ring.rows, 100);
  assertEquals(ring.featurePsi(), fresh.featurePsi());
  assertEquals(ring.predictionPsi(), fresh.predictionPsi());
  ring.clear();
  assertEquals(ring.rows, 0);
  assertEquals(ring.featurePsi().map((f) => f.psi), [0, 0, 0, 0, 0]);
});

Deno.test("unseen categories and missing values fall in buckets of their own", () => {
  const window = new DriftWindow(driftPlan(model)!, 10);
  const p = new Float64Array(2);
  for (let i = 0; i < 10; i++) {
    const row = { ...data.rows[i]!, region: "mars" };
    window.observe(row, model.predictOne(row, p));
  }
  const psi = Object.fromEntries(window.featurePsi().map((f) => [f.feature, f.psi]));
  // every row in a bucket the training data never filled
  assert(psi.region! > 5, `region PSI ${psi.region}`);
  assertThrows(
    () => new DriftWindow(driftPlan(model)!, 0),
    RangeError,
    "capacity must be positive",
  );
});

Deno.test("a model without a drift profile, or with one that does not fit, has no drift plan", () => {
  const { drift, ...older } = model.file;
  assertEquals(driftPlan(new Model(older)), null);
  const wrongClasses = { ...drift!, predictions: [1] };
  assertEquals(driftPlan(new Model({ ...model.file, drift: wrongClasses })), null);
  const renamed = {
    ...drift!,
    features: drift!.features.map((f) => ({ ...f, name: "x" + f.name })),
  };
  assertEquals(driftPlan(new Model({ ...model.file, drift: renamed })), null);
});

Deno.test("a date feature is profiled by day number: same dates stay below 0.1, a year later is above 0.25", async () => {
  // a date column asked for with --features, plus one number
  const lines = ["day,x,label"];
  const day = (i: number) => new Date(Date.UTC(2024, 0, 1) + (i % 365) * 86_400_000);
  for (let i = 0; i < 2000; i++) {
    lines.push(`${day(i * 7).toISOString().slice(0, 10)},${(i * 37) % 101},${i % 2 ? "a" : "b"}`);
  }
  const path = await tempCsv(lines.join("\n") + "\n");
  const data = await readDataset(path, { target: "label", features: ["day", "x"] });
  const { file } = trainModel(data, { seed: 1, testSize: 0.2, solver: LBFGS });
  const model = new Model(file);
  assertEquals(file.features[0]!.type, "date");
  assertEquals(file.drift?.features[0]?.type, "date");
  const rows = (shiftDays: number) =>
    Array.from({ length: 1000 }, (_, i) => ({
      day: new Date(day(i * 13).getTime() + shiftDays * 86_400_000).toISOString().slice(0, 10),
      x: (i * 37) % 101,
    }));
  assert(windowPsi(model, rows(0)).day! < 0.1, JSON.stringify(windowPsi(model, rows(0))));
  assert(windowPsi(model, rows(365)).day! > 0.25, JSON.stringify(windowPsi(model, rows(365))));
  // an unreadable date counts as missing, not as an error
  assert(windowPsi(model, rows(0).map((r) => ({ ...r, day: "soon" }))).day! > 0.25);
});

Deno.test("observeColumns() counts typed columns as observe() counts the same rows, NaN and null as missing", () => {
  const plan = driftPlan(model)!;
  const rows = sampleRows(data.rows, 300, { shift: {} }).map((row, i) =>
    i % 7 === 0 ? { ...row, [plan.steps[0]!.name]: null, region: i % 2 ? null : "mars" } : row
  );
  const byRow = new DriftWindow(plan, 200), byColumn = new DriftWindow(plan, 200);
  const p = new Float64Array(2);
  const classes = Int32Array.from(rows, (row) => model.predictOne(row, p));
  rows.forEach((row, i) => byRow.observe(row, classes[i]!));
  const columns = model.file.features.map((f): Column =>
    f.type === "numeric"
      ? {
        name: f.name,
        type: "numeric",
        values: Float64Array.from(rows, (r) => (r[f.name] ?? NaN) as number),
      }
      : {
        name: f.name,
        type: "categorical",
        values: rows.map((r) => (r[f.name] ?? null) as string),
      }
  );
  byColumn.observeColumns(columns, rows.length, classes);
  assertEquals(byColumn.rows, 200);
  assertEquals(byColumn.featurePsi(), byRow.featurePsi());
  assertEquals(byColumn.predictionPsi(), byRow.predictionPsi());
  assert(byColumn.featurePsi()[0]!.psi > 0, "the missing values count in a bucket of their own");
});

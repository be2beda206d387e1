import { assert, assertEquals, assertThrows } from "../_testing/assert.ts";
import { tempCsv, trainOn } from "../_testing/fixtures.ts";
import { DRIFT_NUMERIC, driftCsv, sampleRows, windowPsi } from "../_testing/drift_data.ts";
import { driftPlan } from "./monitor.ts";
import { DriftWindow } from "./window.ts";
import { Model } from "../model/model.ts";

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

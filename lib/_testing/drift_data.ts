/**
 * Data for the drift accuracy checks (`lib/monitor/window_test.ts` and
 * `bench/drift_accuracy.ts`): a training file of normal and categorical
 * features, rows sampled from it, and the same rows with one feature shifted.
 * @module
 */
import { seededRandom } from "../data/rng.ts";
import type { Row } from "../model/features.ts";
import type { Model } from "../model/model.ts";
import { DriftWindow } from "../monitor/window.ts";
import { driftPlan } from "../monitor/monitor.ts";

/** The numeric features of {@link driftCsv}: name, mean and standard deviation. */
export const DRIFT_NUMERIC = [
  { name: "age", mean: 40, sd: 12 },
  { name: "income", mean: 52_000, sd: 15_000 },
  { name: "score", mean: 0, sd: 1 },
  { name: "tenure", mean: 6, sd: 3 },
] as const;

/** The categorical feature of {@link driftCsv} and its categories. */
export const DRIFT_CATEGORIES = ["north", "south", "east", "west"] as const;

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A labelled CSV of `rows` rows (header included) and the same rows as objects. */
export function driftCsv(rows: number, seed = 7): { csv: string; rows: Row[] } {
  const random = seededRandom(seed);
  const names = [...DRIFT_NUMERIC.map((f) => f.name), "region", "label"];
  const lines = [names.join(",")];
  const out: Row[] = [];
  for (let i = 0; i < rows; i++) {
    const row: Row = {};
    let z = 0;
    for (const f of DRIFT_NUMERIC) {
      const n = normal(random);
      z += n;
      row[f.name] = Math.round((f.mean + f.sd * n) * 100) / 100;
    }
    row.region = DRIFT_CATEGORIES[Math.floor(random() * DRIFT_CATEGORIES.length)]!;
    const label = z + normal(random) > 0 ? "yes" : "no";
    lines.push([...DRIFT_NUMERIC.map((f) => row[f.name]), row.region, label].join(","));
    out.push(row);
  }
  return { csv: lines.join("\n") + "\n", rows: out };
}

/** `count` rows drawn (with replacement) from `rows`, each with `shift` added to some features. */
export function sampleRows(
  rows: readonly Row[],
  count: number,
  options: { seed?: number; shift?: Record<string, number> } = {},
): Row[] {
  const random = seededRandom(options.seed ?? 11);
  return Array.from({ length: count }, () => {
    const row = { ...rows[Math.floor(random() * rows.length)]! };
    for (const [name, by] of Object.entries(options.shift ?? {})) {
      row[name] = (row[name] as number) + by;
    }
    return row;
  });
}

/** The PSI of each feature (and `prediction`) after a window of `rows.length` sees `rows`. */
export function windowPsi(model: Model, rows: readonly Row[]): Record<string, number> {
  const plan = driftPlan(model);
  if (!plan) throw new Error("the model has no drift profile");
  const window = new DriftWindow(plan, rows.length);
  const p = new Float64Array(model.classes.length);
  for (const row of rows) window.observe(row, model.predictOne(row, p));
  const out: Record<string, number> = {};
  for (const { feature, psi } of window.featurePsi()) out[feature] = psi;
  out.prediction = window.predictionPsi();
  return out;
}

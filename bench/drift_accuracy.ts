/**
 * Drift accuracy (`deno task bench:drift`): trains on a generated file of
 * 5,000 rows (four normal features, one categorical), then measures each
 * feature's PSI over windows of 1,000 rows sampled from that file, as they
 * are and with one feature shifted by 2 standard deviations. Prints Markdown.
 * @module
 */
import { readDataset } from "../lib/data/dataset.ts";
import { trainModel } from "../lib/model/training.ts";
import { Model } from "../lib/model/model.ts";
import { DRIFT_NUMERIC, driftCsv, sampleRows, windowPsi } from "../lib/_testing/drift_data.ts";
import { LBFGS } from "../lib/_testing/fixtures.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const path = `${ROOT}bench/out/drift.csv`;
const data = driftCsv(5000);
await Deno.mkdir(`${ROOT}bench/out`, { recursive: true });
await Deno.writeTextFile(path, data.csv);
const dataset = await readDataset(path, { target: "label" });
const model = new Model(trainModel(dataset, { seed: 42, testSize: 0.2, solver: LBFGS }).file);
const seeds = [1, 2, 3, 4, 5];
const features = [...DRIFT_NUMERIC.map((f) => f.name), "region"];

const lines = [
  `Deno ${Deno.version.deno}; training file: 5,000 generated rows; windows of 1,000 rows, ${seeds.length} seeds (the largest PSI over them)`,
  "",
  `| rows in the window | ${features.join(" | ")} | predicted class | target |`,
  `|---|${features.map(() => "---|").join("")}---|---|`,
];
const worst = (shift: Record<string, number>) => {
  const max: Record<string, number> = {};
  for (const seed of seeds) {
    const psi = windowPsi(model, sampleRows(data.rows, 1000, { seed, shift }));
    for (const [k, v] of Object.entries(psi)) max[k] = Math.max(max[k] ?? 0, v);
  }
  return max;
};
const cells = (psi: Record<string, number>, bold?: string) =>
  features.map((f) => (f === bold ? `**${psi[f]!.toFixed(3)}**` : psi[f]!.toFixed(3))).join(" | ");
const same = worst({});
lines.push(
  `| sampled from the training file | ${cells(same)} | ${
    same.prediction!.toFixed(3)
  } | all < 0.1 |`,
);
for (const f of DRIFT_NUMERIC) {
  const psi = worst({ [f.name]: 2 * f.sd });
  lines.push(
    `| ${f.name} shifted by 2 SD | ${cells(psi, f.name)} | ${
      psi.prediction!.toFixed(3)
    } | ${f.name} > 0.25, others < 0.1 |`,
  );
}
console.log(lines.join("\n"));

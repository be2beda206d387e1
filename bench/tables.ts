/**
 * Accuracy on real-world-shaped tables against scikit-learn, side by side in
 * one run: bench/sklearn_tables.py makes the tables, writes the 5 folds of
 * each and scores scikit-learn; this trains ours (the library, as `deno task
 * train` does, default settings plus the flag under test) on the very same
 * files and prints the markdown table for docs/benchmarks.md.
 *
 * Run it under the shared lock: `deno task bench:tables`.
 * @module
 */
import { readDataset } from "../lib/data/dataset.ts";
import { trainModel, type TrainOptions } from "../lib/model/training.ts";
import { Model } from "../lib/model/model.ts";
import { reportDataset } from "../lib/gate/scoring.ts";

const PYTHON = "/usr/bin/python3";
const DATASETS = "/work/shared/datasets";
const OUT = "bench/out/tables";

interface Table {
  kind: "mixed" | "imbalanced";
  target: string;
  folds: [string, string][];
  sklearn: Record<string, number>;
}

/** Mean over the folds of what `pick` reads from our report, trained with `options`. */
async function ours(
  table: Table,
  options: Pick<TrainOptions, "classWeight" | "threshold">,
  pick: (r: ReturnType<typeof reportDataset>) => number,
): Promise<number> {
  let sum = 0;
  for (const [train, test] of table.folds) {
    const reading = { target: table.target, na: ["."] };
    const data = await readDataset(train, reading);
    const { file } = trainModel(data, {
      seed: 42,
      testSize: 0,
      solver: { solver: "lbfgs", c: "auto", maxIter: 500, tol: 1e-4 },
      ...options,
    });
    sum += pick(reportDataset(new Model(file), await readDataset(test, reading)));
  }
  return sum / table.folds.length;
}

const f4 = (x: number) => x.toFixed(4);
const pts = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(2)}`;

if (import.meta.main) {
  await Deno.mkdir(OUT, { recursive: true });
  const py = await new Deno.Command(PYTHON, {
    args: ["bench/sklearn_tables.py", DATASETS, OUT],
    stderr: "inherit",
  }).output();
  if (!py.success) throw new Error("bench/sklearn_tables.py failed");
  const tables: Record<string, Table> = JSON.parse(new TextDecoder().decode(py.stdout));
  const mixed = [
    "| table | ours accuracy | scikit-learn accuracy | ours − sklearn (points) |",
    "|---|---|---|---|",
  ];
  const imbalanced = [
    "| table | macro F1 at 0.5: ours / sklearn | `--threshold auto`: ours / sklearn tuned | Δ (points) | balanced accuracy, `--class-weight balanced`: ours / sklearn | Δ (points) |",
    "|---|---|---|---|---|---|",
  ];
  for (const [name, t] of Object.entries(tables)) {
    if (t.kind === "mixed") {
      const acc = await ours(t, {}, (r) => r.accuracy);
      mixed.push(
        `| ${name} | ${f4(acc)} | ${f4(t.sklearn.accuracy!)} | ${pts(acc - t.sklearn.accuracy!)} |`,
      );
      continue;
    }
    const plain = await ours(t, {}, (r) => r.f1);
    const tuned = await ours(t, { threshold: "auto" }, (r) => r.f1);
    const balanced = await ours(t, { classWeight: "balanced" }, (r) => r.balancedAccuracy!);
    const s = t.sklearn;
    imbalanced.push(
      `| ${name} | ${f4(plain)} / ${f4(s.f1!)} | ${f4(tuned)} / ${f4(s.tunedF1!)} | ${
        pts(tuned - s.tunedF1!)
      } | ${f4(balanced)} / ${f4(s.balancedBalancedAccuracy!)} | ${
        pts(balanced - s.balancedBalancedAccuracy!)
      } |`,
    );
  }
  console.log(
    [
      "Stratified 5-fold cross-validation (shuffle, random_state=0), means over the folds; both sides train and score on the very same fold files.",
      "",
      ...mixed,
      "",
      ...imbalanced,
    ].join("\n"),
  );
}

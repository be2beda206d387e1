/**
 * Small trained models for tests, made by the real pipeline.
 * @module
 */
import { type Dataset, readDataset } from "../data/dataset.ts";
import { Model } from "../model/model.ts";
import type { SolverOptions } from "../model/solver.ts";
import { trainModel, type TrainResult } from "../model/training.ts";

/** The default solver settings, as `deno task train` uses them. */
export const LBFGS: SolverOptions = { solver: "lbfgs", c: "auto", maxIter: 500, tol: 1e-4 };

/** The seed's toy data. */
export const TOY_CSV = new URL("../../data/toy.csv", import.meta.url).pathname;

/** Iris: four numeric features, three string classes. */
export const IRIS_CSV = new URL("../../data/iris.csv", import.meta.url).pathname;

/** Trains on a CSV file with fixed settings. */
export async function trainOn(
  path: string,
  options: { target?: string; seed?: number; solver?: SolverOptions; testSize?: number } = {},
): Promise<
  TrainResult & { data: Dataset; model: Model }
> {
  const data = await readDataset(path, { target: options.target });
  const result = trainModel(data, {
    seed: options.seed ?? 42,
    testSize: options.testSize ?? 0.2,
    solver: options.solver ?? LBFGS,
    createdAt: new Date("2026-01-01T00:00:00Z"),
  });
  return { ...result, data, model: new Model(result.file) };
}

/** Writes `text` to a temporary CSV file and returns its path. */
export async function tempCsv(text: string): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(path, text);
  return path;
}

/** A three-class CSV with string labels, separable on `x`. */
export function threeClassCsv(rowsPerClass = 20): string {
  const lines = ["x,y,kind"];
  const names = ["low", "mid", "high"];
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < rowsPerClass; i++) {
      lines.push(`${k * 10 + (i % 5)},${(i * 7) % 3},${names[k]}`);
    }
  }
  return lines.join("\n") + "\n";
}

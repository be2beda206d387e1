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
  options: {
    target?: string;
    seed?: number;
    solver?: SolverOptions;
    testSize?: number;
    /** `--features`: the columns to keep, a date column among them encoded as a date. */
    features?: string[];
    /** `--na`: extra missing-value markers. */
    na?: string[];
  } = {},
): Promise<
  TrainResult & { data: Dataset; model: Model }
> {
  const reading = {
    ...(options.features ? { features: options.features } : {}),
    ...(options.na ? { na: options.na } : {}),
  };
  const data = await readDataset(path, { target: options.target, ...reading });
  const result = trainModel(data, {
    seed: options.seed ?? 42,
    testSize: options.testSize ?? 0.2,
    solver: options.solver ?? LBFGS,
    createdAt: new Date("2026-01-01T00:00:00Z"),
    reading,
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

/**
 * A ';' file as spreadsheets export it: a date, decimal commas, pandas' NA
 * and the extra markers "?" and "-999"; the label follows price and x.
 */
export function messyCsv(rows = 80): string {
  const lines = ["when;price;colour;x;label"];
  for (let i = 0; i < rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, "0");
    const price = `${i % 9},${(i * 7) % 10}`;
    const colour = i % 10 === 3 ? "NA" : ["red", "blue", "green"][i % 3];
    const x = i % 11 === 4 ? "?" : i % 13 === 5 ? "-999" : `${(i * 5) % 8},5`;
    lines.push(
      `2024-0${1 + (i % 6)}-${day};${price};${colour};${x};${
        (i % 9) + ((i * 5) % 8) > 7 ? "hi" : "lo"
      }`,
    );
  }
  return lines.join("\n") + "\n";
}

/** A model trained on {@link messyCsv} with the date kept and `--na ? --na -999`. */
export async function messyModel(): Promise<Model> {
  const { model } = await trainOn(await tempCsv(messyCsv()), {
    target: "label",
    seed: 1,
    testSize: 0,
    na: ["?", "-999"],
    features: ["when", "price", "colour", "x"],
  });
  return model;
}

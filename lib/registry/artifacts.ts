/**
 * A model directory's files: `model.json`, `metrics.json`, `model_card.md`,
 * written and read. `runs.ts` writes them into a hidden staging directory
 * and seals it, so only complete runs ever appear under `models/runs/`.
 * @module
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { InputError } from "../core/errors.ts";
import { FileError, readJsonFile, writeProblem } from "../core/files.ts";
import { type Model, type ModelFile, modelToJson, parseModel } from "../model/model.ts";
import type { Scores } from "../model/scores.ts";
import { modelCard } from "./card.ts";
import {
  CARD_FILE,
  insideRegistry,
  METRICS_FILE,
  MODEL_FILE,
  NO_MODEL,
  RegistryPathError,
} from "./layout.ts";

/**
 * Writes a model directory. Each file is replaced atomically, and
 * `model.json` goes last so a reader never loads a model whose metrics are
 * missing.
 */
export async function writeModelDir(dir: string, file: ModelFile): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    await writeFileAtomic(`${dir}/${METRICS_FILE}`, metricsJson(file.metrics));
    await writeFileAtomic(`${dir}/${CARD_FILE}`, modelCard(file));
    await writeFileAtomic(`${dir}/${MODEL_FILE}`, modelToJson(file));
  } catch (err) {
    throw new Error(`Cannot write model "${dir}": ${writeProblem(err)}`);
  }
}

/** The seed's `metrics.json` text. */
export function metricsJson(metrics: Scores): string {
  return JSON.stringify({ accuracy: metrics.accuracy, f1: metrics.f1 }, null, 2) + "\n";
}

/** Where {@link loadModel} may read, and how errors name the model. */
export interface LoadOptions {
  /** Refuse a `model.json` that really lies outside this registry root. */
  within?: string;
  /** The name errors give the model (default `dir`). */
  label?: string;
}

/** Reads and validates `model.json` from the model directory `dir`. */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<Model> {
  const label = options.label ?? dir;
  let json: unknown;
  try {
    const path = `${dir}/${MODEL_FILE}`;
    const real = options.within === undefined ? path : await insideRegistry(path, options.within);
    json = await readJsonFile(real ?? path);
  } catch (err) {
    if (err instanceof RegistryPathError) {
      throw new InputError(`Cannot load model "${label}": ${MODEL_FILE} ${err.message}`);
    }
    if (!(err instanceof FileError)) throw err;
    throw new InputError(`Cannot load model "${label}": ${err.missing ? NO_MODEL : err.message}`);
  }
  return parseModel(json, label);
}

/**
 * A model directory's files: `model.json`, `metrics.json`, `model_card.md`.
 * The registry (`registry.ts`) writes them into a hidden staging directory
 * and seals it, so only complete runs ever appear under `models/runs/`.
 * @module
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { modelCard } from "./card.ts";
import type { Scores } from "../model/scores.ts";
import { MODEL_FILE, type ModelFile, modelToJson } from "../model/model.ts";

/** The metrics file inside a model directory, as the seed names it. */
export const METRICS_FILE = "metrics.json";
/** The model card inside a model directory. */
export const CARD_FILE = "model_card.md";

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

/** A write failure in a few words: `no space left on device`, without the OS code or temp path. */
export function writeProblem(err: unknown): string {
  if (err instanceof Deno.errors.NotCapable) {
    return "write permission denied (grant it with --allow-write)";
  }
  const text = err instanceof Error ? err.message : String(err);
  const reason = text.replace(/\s*\(os error \d+\).*$/s, "");
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

/** The seed's `metrics.json` text. */
export function metricsJson(metrics: Scores): string {
  return JSON.stringify({ accuracy: metrics.accuracy, f1: metrics.f1 }, null, 2) + "\n";
}

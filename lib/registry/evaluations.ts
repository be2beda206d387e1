/**
 * The gate's records of a run, `evaluation.json` and `promotion.json`: what
 * it saw and decided each time it scored the run.
 * @module
 */
import { z } from "zod";
import { FileError, readJsonFile } from "../core/files.ts";
import { LabelledReport, Score, Scores } from "../model/scores.ts";
import { EVALUATION_FILE, EVALUATIONS_DIR } from "./layout.ts";

/** What the gate saw and decided, as `evaluation.json` holds it. */
export const Evaluation = z.object({
  evaluatedAt: z.string(),
  model: z.string(),
  runId: z.string().nullable(),
  data: z.object({
    /** `held-out` for the rows training held out, `file` for `--data`. */
    kind: z.enum(["held-out", "file"]),
    path: z.string(),
    sha256: z.string().nullable(),
    rows: z.number().int().nonnegative(),
  }),
  /** The gate's minimum scores. */
  thresholds: Scores,
  maxRegression: z.number().nullable(),
  baseline: z.object({ runId: z.string().nullable(), accuracy: Score, f1: Score }).nullable(),
  accuracy: Score,
  f1: Score,
  /** The full report; `null` for a model made before reports were kept. */
  metrics: LabelledReport.nullable(),
  passed: z.boolean(),
  failures: z.array(z.string()),
  promoted: z.boolean(),
  /** How the model's schema differs from latest's at evaluation (absent in older records). */
  schemaChanges: z.array(z.string()).optional(),
  /** True when `--allow-schema-change` let a changed schema through. */
  schemaChangeAllowed: z.boolean().optional(),
});
/** What the gate saw and decided. */
export type Evaluation = z.infer<typeof Evaluation>;

/** Reads a run's `evaluation.json` (or another record `name`); `null` when absent or unreadable. */
export async function readEvaluation(
  dir: string,
  name: string = EVALUATION_FILE,
): Promise<Evaluation | null> {
  try {
    const result = Evaluation.safeParse(await readJsonFile(`${dir}/${name}`));
    return result.success ? result.data : null;
  } catch (err) {
    // a missing or corrupt report only means the card shows no gate verdict
    if (err instanceof FileError) return null;
    throw err;
  }
}

/** Where an evaluation's rows came from, in words. */
export function dataLine(e: Evaluation): string {
  const sha = e.data.sha256 ? ` (SHA-256 \`${e.data.sha256}\`)` : "";
  return e.data.kind === "held-out"
    ? `the ${e.data.rows} rows of \`${e.data.path}\`${sha} held out at training`
    : `\`${e.data.path}\`${sha}, ${e.data.rows} rows`;
}

/**
 * Where an evaluation made at `evaluatedAt` is kept, without extension:
 * `evaluations/20261130T012414680Z`, beside its `.json`, `.md` and `.svg`.
 */
export function historyName(evaluatedAt: string): string {
  return `${EVALUATIONS_DIR}/${new Date(evaluatedAt).toISOString().replace(/[-:.]/g, "")}`;
}

/** Every evaluation kept for the run in `dir`, oldest first; unreadable ones are skipped. */
export async function listEvaluations(dir: string): Promise<Evaluation[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(`${dir}/${EVALUATIONS_DIR}`)) {
      if (entry.isFile && /^\d{8}T\d{9}Z\.json$/.test(entry.name)) names.push(entry.name);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const records = await Promise.all(
    names.sort().map((name) => readEvaluation(dir, `${EVALUATIONS_DIR}/${name}`)),
  );
  return records.filter((r): r is Evaluation => r !== null);
}

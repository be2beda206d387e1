/**
 * Two runs side by side, for `deno task runs --compare A B`: their training
 * settings, held-out metrics and per-class F1 with B − A, how B's schema
 * differs from A's, and the evaluation that promoted each, if any.
 * @module
 */
import type { ModelFile } from "../model/model.ts";
import { signatureChanges, signatureOf } from "../model/signature.ts";
import { type Evaluation, readEvaluation } from "./evaluations.ts";
import { basename, PROMOTION_FILE, type RegistryOptions, registryRoot } from "./layout.ts";
import { latestRunId, resolveModel, runIdOf } from "./runs.ts";
import { loadSealedModel } from "./seal.ts";

/** One run as a comparison needs it. */
export interface RunDetail {
  /** The run id (`latest` resolved). */
  id: string;
  /** Its directory: `<root>/runs/<id>` for a run, `latest` resolved. */
  dir: string;
  /** True for the run `latest` points to. */
  latest: boolean;
  /** Its validated `model.json`. */
  file: ModelFile;
  /** The evaluation that promoted it (`promotion.json`); `null` when never promoted. */
  promotion: Evaluation | null;
}

/** A setting of each run. */
export interface Setting {
  /** Run A's value. */
  a: string | number | null;
  /** Run B's value. */
  b: string | number | null;
}

/** A score of each run, and B − A. */
export interface Delta {
  /** Run A's score. */
  a: number | null;
  /** Run B's score. */
  b: number | null;
  /** B − A; `null` unless both have the score. */
  delta: number | null;
}

/** The evaluation that promoted a run, in brief. */
export interface PromotionSummary {
  /** Where the whole record is kept: the run's `promotion.json`. */
  record: string;
  /** When it ran, ISO 8601. */
  evaluatedAt: string;
  /** The rows it scored. */
  data: Evaluation["data"];
  /** Accuracy on them. */
  accuracy: number;
  /** Macro F1 on them. */
  f1: number;
  /** The minimum scores it held the run to. */
  thresholds: Evaluation["thresholds"];
}

/** One side of a comparison. */
export interface Side {
  /** The run id. */
  id: string;
  /** The model name. */
  name: string;
  /** When it was trained, ISO 8601. */
  created: string;
  /** True for the run `latest` points to. */
  latest: boolean;
  /** The evaluation that promoted it; `null` when never promoted. */
  promotion: PromotionSummary | null;
}

/** Two runs side by side; what `--compare --json` prints. */
export interface Comparison {
  /** Run A. */
  a: Side;
  /** Run B. */
  b: Side;
  /** Training settings by name: data, rows, dataSha256, target, solver, C, seed, testSize. */
  settings: Record<SettingName, Setting>;
  /** Held-out scores by name: accuracy, f1 (macro), logLoss, rocAuc. */
  metrics: Record<MetricName, Delta>;
  /** F1 per class label, A's labels first, then those only B has. */
  perClass: Array<Delta & { label: string }>;
  /** How B's schema differs from A's, one line each; empty when the same. */
  schemaChanges: string[];
}

/** The settings compared, in order. */
export const SETTINGS = [
  "data",
  "rows",
  "dataSha256",
  "target",
  "solver",
  "C",
  "seed",
  "testSize",
] as const;
/** A setting compared. */
export type SettingName = typeof SETTINGS[number];

/** The metrics compared, in order. */
export const METRICS = ["accuracy", "f1", "logLoss", "rocAuc"] as const;
/** A metric compared. */
export type MetricName = typeof METRICS[number];

/**
 * Loads the run a `--compare` value names: `latest`, a run id or a run
 * directory, resolved and refused as `resolveModel` and `loadSealedModel`
 * do (an unknown id throws a `UsageError` naming the closest).
 */
export async function loadRunDetail(
  value: string,
  options: RegistryOptions = {},
): Promise<RunDetail> {
  const root = registryRoot(options);
  const dir = await resolveModel(value, options);
  const model = await loadSealedModel(dir, { root, label: value });
  const real = basename(await Deno.realPath(dir));
  // the directory names the run, as `deno task runs` lists it; model.json's id is a fallback
  const run = await runIdOf(dir, options);
  const id = run ?? model.file.runId ?? real;
  const [latest, promotion] = await Promise.all([
    latestRunId(options),
    readEvaluation(dir, PROMOTION_FILE),
  ]);
  // name the run by its id rather than by `latest`, which moves
  const home = run !== null ? `${root}/runs/${run}` : dir;
  return { id, dir: home, latest: id === latest, file: model.file, promotion };
}

/** Compares run `a` with run `b`. */
export function compareRuns(a: RunDetail, b: RunDetail): Comparison {
  const settings = Object.fromEntries(
    SETTINGS.map((name) => [name, { a: setting(a.file, name), b: setting(b.file, name) }]),
  ) as Record<SettingName, Setting>;
  const metrics = Object.fromEntries(
    METRICS.map((name) => [name, delta(metric(a.file, name), metric(b.file, name))]),
  ) as Record<MetricName, Delta>;
  const f1A = perClassF1(a.file);
  const f1B = perClassF1(b.file);
  const labels = [...new Set([...f1A.keys(), ...f1B.keys()])];
  return {
    a: side(a),
    b: side(b),
    settings,
    metrics,
    perClass: labels.map((label) => ({
      label,
      ...delta(f1A.get(label) ?? null, f1B.get(label) ?? null),
    })),
    schemaChanges: signatureChanges(signatureOf(a.file), signatureOf(b.file)),
  };
}

function side(run: RunDetail): Side {
  const p = run.promotion;
  return {
    id: run.id,
    name: run.file.name,
    created: run.file.createdAt,
    latest: run.latest,
    promotion: p && {
      record: `${run.dir}/${PROMOTION_FILE}`,
      evaluatedAt: p.evaluatedAt,
      data: p.data,
      accuracy: p.accuracy,
      f1: p.f1,
      thresholds: p.thresholds,
    },
  };
}

function setting(file: ModelFile, name: SettingName): string | number | null {
  const t = file.training;
  switch (name) {
    case "data":
      return t.data;
    case "rows":
      return t.rows;
    case "dataSha256":
      return t.sha256;
    case "target":
      return file.target;
    case "solver":
      return t.solver.solver ?? null;
    case "C":
      return t.solver.C ?? null;
    case "seed":
      return t.seed;
    case "testSize":
      return t.testSize;
  }
}

function metric(file: ModelFile, name: MetricName): number | null {
  switch (name) {
    case "accuracy":
      return file.metrics.accuracy;
    case "f1":
      return file.metrics.f1;
    // older models keep only accuracy and F1
    case "logLoss":
      return file.heldOut?.logLoss ?? null;
    case "rocAuc":
      return file.heldOut?.rocAuc ?? null;
  }
}

/** F1 by class label, from the held-out report; empty for an older model without one. */
function perClassF1(file: ModelFile): Map<string, number> {
  return new Map((file.heldOut?.perClass ?? []).map((c) => [c.label, c.f1]));
}

function delta(a: number | null, b: number | null): Delta {
  return { a, b, delta: a === null || b === null ? null : b - a };
}

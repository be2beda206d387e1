/**
 * One pass of the quality gate over a model: score it, hold it to the
 * thresholds and the no-regression rule, write its reports, and promote it
 * when asked and it passed. `evaluate.ts` is this plus flags.
 * @module
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { CARD_FILE } from "../registry/layout.ts";
import { modelCard } from "../registry/card.ts";
import { readDataset } from "../data/dataset.ts";
import { InputError } from "../core/errors.ts";
import { writeProblem } from "../core/files.ts";
import { reportDataset } from "./scoring.ts";
import { checkGate, checkRegression, type Thresholds } from "./rules.ts";
import { loadModel } from "../registry/artifacts.ts";
import type { Model } from "../model/model.ts";
import {
  CONFUSION_SVG_FILE,
  EVALUATION_FILE,
  EVALUATION_MD_FILE,
  PROMOTION_FILE,
} from "../registry/layout.ts";
import { type Evaluation, readEvaluation } from "../registry/evaluations.ts";
import { evaluationMarkdown } from "./report.ts";
import { latestRunId, listRuns, resolveModel } from "../registry/runs.ts";
import { MODELS_DIR, type RegistryOptions } from "../registry/layout.ts";
import { promote, pruneRuns } from "../registry/promote.ts";
import { verifyRun } from "../registry/seal.ts";
import { confusionSvg } from "./svg.ts";

/** What to gate and how. */
export interface GateOptions extends RegistryOptions {
  /** `--model`: a run directory, `latest` or a run id; the newest run when absent. */
  model?: string;
  /** A labelled CSV to score on; the held-out rows' stored report when absent. */
  data?: string;
  /** Minimum scores. */
  thresholds: Thresholds;
  /** Largest drop allowed against `latest` on the same data; needs `data`. */
  maxRegression?: number;
  /** Promote the model if it passes (the default without `model`). */
  promote: boolean;
  /** Runs to keep after a promotion. */
  keep: number;
}

/** The gate's outcome: the evaluation record and what happened on disk. */
export interface GateOutcome extends Evaluation {
  /** Report files written. */
  reports: string[];
  /** Things that went wrong without changing the verdict, one line each. */
  warnings: string[];
  /** The run `latest` pointed at before a promotion. */
  previous: string | null;
  /** Runs deleted after a promotion. */
  pruned: string[];
}

/** Runs the gate. Throws {@link InputError} for a model or data it cannot use. */
export async function runGate(options: GateOptions): Promise<GateOutcome> {
  const root = options.root ?? MODELS_DIR;
  const dir = options.model === undefined
    ? await newestRun(root)
    : await resolveModel(options.model, { root });
  const model = await loadModel(dir);
  const candidate = await score(model, options.data);
  const failures = [...checkGate(candidate.report, options.thresholds).failures];

  const latest = await latestRunId({ root });
  const sameAsLatest = latest !== null && model.file.runId === latest;
  let baseline: Evaluation["baseline"] = null;
  if (options.maxRegression !== undefined && options.data && latest !== null && !sameAsLatest) {
    try {
      const current = await loadModel(`${root}/latest`);
      const scored = await score(current, options.data);
      baseline = { runId: latest, accuracy: scored.report.accuracy, f1: scored.report.f1 };
      failures.push(...checkRegression(candidate.report, baseline, options.maxRegression));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      failures.push(`cannot compare with latest (${latest}): ${err.message}`);
    }
  }
  const passed = failures.length === 0;
  const willPromote = passed && options.promote;
  // refuse an unsealed run before writing anything that says it was promoted
  if (willPromote) await verifyRun(dir);

  const evaluation: Evaluation = {
    evaluatedAt: new Date().toISOString(),
    model: dir,
    runId: model.file.runId ?? null,
    data: candidate.data,
    thresholds: options.thresholds,
    maxRegression: options.maxRegression ?? null,
    baseline,
    accuracy: candidate.report.accuracy,
    f1: candidate.report.f1,
    metrics: candidate.full ? candidate.report : null,
    passed,
    failures,
    promoted: willPromote,
  };
  const warnings: string[] = [];
  const reports = await writeReports(dir, model, evaluation).catch((err) => {
    // scoring a model the task may not write beside still gives a verdict
    if (!(err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied)) {
      throw err;
    }
    warnings.push(`Cannot write reports to "${dir}": ${writeProblem(err)}`);
    return [];
  });
  let previous: string | null = null;
  let pruned: string[] = [];
  if (willPromote) {
    previous = (await promote(dir, { root })).previous;
    try {
      pruned = await pruneRuns(options.keep, { root });
    } catch (err) {
      // the promotion stands; old runs are only left for next time
      warnings.push(`Cannot prune old runs: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { ...evaluation, reports, warnings, previous, pruned };
}

async function newestRun(root: string): Promise<string> {
  const ids = await listRuns({ root });
  const id = ids[ids.length - 1];
  if (id === undefined) {
    const legacy = await Deno.lstat(`${root}/latest`).then((i) => i.isDirectory, () => false);
    throw new InputError(
      `Cannot evaluate: no runs in "${root}/runs" (train one first: deno task train${
        legacy ? `; "${root}/latest" predates the registry, score it with --model latest` : ""
      })`,
    );
  }
  return `${root}/runs/${id}`;
}

interface Scored {
  report: NonNullable<Evaluation["metrics"]>;
  full: boolean;
  data: Evaluation["data"];
}

async function score(model: Model, data: string | undefined): Promise<Scored> {
  const t = model.file.training;
  if (data === undefined) {
    const held = model.file.heldOut;
    const base = { kind: "held-out" as const, path: t.data, sha256: t.sha256, rows: t.testRows };
    if (held) return { report: held, full: true, data: base };
    // an older model keeps only accuracy and F1; the record says so
    const m = model.file.metrics;
    return {
      report: {
        ...m,
        rows: t.testRows,
        labels: [],
        perClass: [],
        confusion: [],
        logLoss: null,
        rocAuc: null,
      },
      full: false,
      data: base,
    };
  }
  const dataset = await readDataset(data, { target: model.file.target });
  return {
    report: reportDataset(model, dataset),
    full: true,
    data: { kind: "file", path: data, sha256: dataset.sha256, rows: dataset.rows },
  };
}

async function writeReports(
  dir: string,
  model: Model,
  evaluation: Evaluation,
): Promise<string[]> {
  const record = JSON.stringify(evaluation, null, 2) + "\n";
  // a later evaluation replaces evaluation.json; the one that promoted the run stays
  const promotion = evaluation.promoted ? evaluation : await readEvaluation(dir, PROMOTION_FILE);
  const files: Array<[string, string]> = [
    [EVALUATION_FILE, record],
    ...(evaluation.promoted ? [[PROMOTION_FILE, record] as [string, string]] : []),
    [EVALUATION_MD_FILE, evaluationMarkdown(evaluation, model.file.training.sha256)],
    [CARD_FILE, modelCard(model.file, { latest: evaluation, promotion })],
  ];
  if (evaluation.metrics) {
    files.push([
      CONFUSION_SVG_FILE,
      confusionSvg(evaluation.metrics.confusion, evaluation.metrics.labels),
    ]);
  }
  const written: string[] = [];
  for (const [name, text] of files) {
    await writeFileAtomic(`${dir}/${name}`, text);
    written.push(`${dir}/${name}`);
  }
  return written;
}

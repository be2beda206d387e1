/**
 * One pass of the quality gate over a model: score it, hold it to the
 * thresholds, the no-regression rule and latest's schema, write its
 * reports, and promote it when asked and it passed. `evaluate.ts` is this
 * plus flags.
 * @module
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { InputError } from "../core/errors.ts";
import { writeProblem } from "../core/files.ts";
import { readDataset } from "../data/dataset.ts";
import type { Model } from "../model/model.ts";
import { signatureChanges, signatureOf } from "../model/signature.ts";
import { loadModel } from "../registry/artifacts.ts";
import { modelCard } from "../registry/card.ts";
import { type Evaluation, historyName, readEvaluation } from "../registry/evaluations.ts";
import {
  basename,
  CARD_FILE,
  CONFUSION_SVG_FILE,
  EVALUATION_FILE,
  EVALUATION_MD_FILE,
  MODELS_DIR,
  PROMOTION_FILE,
  type RegistryOptions,
} from "../registry/layout.ts";
import { isGone, LostRaceError, promoteRun } from "../registry/promote.ts";
import { latestRunId, listRuns, resolveModel, runIdOf } from "../registry/runs.ts";
import { evaluationMarkdown } from "./report.ts";
import { belowMajority, checkGate, checkRegression, type Thresholds } from "./rules.ts";
import { reportDataset } from "./scoring.ts";
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
  /** Promote even when the model's schema differs from latest's. */
  allowSchemaChange?: boolean;
  /** Runs of the same name to keep after a promotion. */
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
  const model = await loadModel(dir, { within: root }).catch(async (err) => {
    // a promotion racing this one may have pruned the run since it was named
    if (options.promote && err instanceof InputError && await isGone(dir)) {
      throw new LostRaceError(dir);
    }
    throw err;
  });
  const candidate = await score(model, options.data);
  const failures = [...checkGate(candidate.report, options.thresholds).failures];
  const warnings: string[] = [];
  const behind = belowMajority(candidate.report);
  if (behind) warnings.push(behind);

  const latest = await latestRunId({ root });
  // the run's directory names it (a run written with --out models/runs/NAME included)
  const runId = await runIdOf(dir, { root }) ?? model.file.runId ?? null;
  const current = await currentModel(root, runId, warnings);
  let baseline: Evaluation["baseline"] = null;
  if (options.maxRegression !== undefined && options.data && current !== null) {
    try {
      const scored = await score(current, options.data);
      baseline = { runId: latest, accuracy: scored.report.accuracy, f1: scored.report.f1 };
      failures.push(...checkRegression(candidate.report, baseline, options.maxRegression));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      failures.push(`cannot compare with latest (${latest}): ${err.message}`);
    }
  }
  // clients of latest must be able to use what replaces it
  const schemaChanges = current
    ? signatureChanges(signatureOf(current.file), signatureOf(model.file))
    : [];
  const allowed = options.allowSchemaChange === true;
  if (schemaChanges.length > 0 && options.promote && !allowed) {
    failures.push(
      `schema differs from latest${latest ? ` (${latest})` : ""}: ${
        schemaChanges.join("; ")
      }; its clients would break (to promote it anyway: --allow-schema-change)`,
    );
  }
  const passed = failures.length === 0;
  const willPromote = passed && options.promote;
  const evaluation: Evaluation = {
    evaluatedAt: new Date().toISOString(),
    model: dir,
    runId,
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
    schemaChanges,
    schemaChangeAllowed: schemaChanges.length > 0 && allowed,
  };
  if (!willPromote) {
    const reports = await writeReports(dir, model, evaluation).catch((err) => {
      // scoring a model the task may not write beside still gives a verdict
      if (!(err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied)) {
        throw err;
      }
      warnings.push(`Cannot write reports to "${dir}": ${writeProblem(err)}`);
      return [];
    });
    return { ...evaluation, reports, warnings, previous: null, pruned: [] };
  }
  // the records of a promotion are written under the registry lock, once the
  // run is known to be there, and before latest switches to it
  let reports: string[] = [];
  const promoted = await promoteRun(dir, {
    root,
    keep: options.keep,
    record: async () => void (reports = await writeReports(dir, model, evaluation)),
  });
  if (promoted.pruneProblem) warnings.push(`Cannot prune old runs: ${promoted.pruneProblem}`);
  return { ...evaluation, reports, warnings, previous: promoted.previous, pruned: promoted.pruned };
}

/** The model latest serves, to compare a candidate with; `null` when none or the same run. */
async function currentModel(
  root: string,
  candidate: string | null,
  warnings: string[],
): Promise<Model | null> {
  const latest = await latestRunId({ root });
  if (latest !== null && candidate === latest) return null;
  try {
    return await loadModel(`${root}/latest`, { within: root });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    // nothing served yet is the first promotion; a broken latest is replaced
    if (await Deno.lstat(`${root}/latest`).then(() => true, () => false)) {
      warnings.push(`Cannot compare with latest: ${err.message}`);
    }
    return null;
  }
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
  const dataset = await readDataset(data, { target: model.file.target, na: t.na });
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
  // each evaluation is kept in evaluations/; evaluation.json and .md are the newest,
  // and promotion.json the one that promoted the run
  const history = historyName(evaluation.evaluatedAt);
  const promotion = evaluation.promoted ? evaluation : await readEvaluation(dir, PROMOTION_FILE);
  const sha = model.file.training.sha256;
  const files: Array<[string, string]> = [];
  if (evaluation.metrics) {
    const svg = confusionSvg(evaluation.metrics.confusion, evaluation.metrics.labels);
    files.push([`${history}.svg`, svg], [CONFUSION_SVG_FILE, svg]);
  }
  files.push(
    [`${history}.json`, record],
    [`${history}.md`, evaluationMarkdown(evaluation, sha, { picture: `${basename(history)}.svg` })],
    [EVALUATION_FILE, record],
    ...(evaluation.promoted ? [[PROMOTION_FILE, record] as [string, string]] : []),
    [EVALUATION_MD_FILE, evaluationMarkdown(evaluation, sha)],
    [CARD_FILE, modelCard(model.file, { latest: evaluation, promotion })],
  );
  await Deno.mkdir(`${dir}/${history.slice(0, history.lastIndexOf("/"))}`, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of files) {
    await writeFileAtomic(`${dir}/${name}`, text);
    written.push(`${dir}/${name}`);
  }
  return written;
}

/**
 * The registry's runs as summaries, for `deno task runs`: one per run,
 * newest first, with its held-out scores, its gate verdict and whether
 * `latest` points to it. A run that cannot be read is summarised by what
 * is wrong with it, never skipped and never fatal.
 * @module
 */
import { describeError } from "../core/errors.ts";
import { loadModel } from "./artifacts.ts";
import { readEvaluation } from "./evaluations.ts";
import {
  basename,
  MANIFEST_FILE,
  type RegistryOptions,
  registryRoot,
  runIdName,
} from "./layout.ts";
import { isGone } from "./promote.ts";
import { latestRunId, listRuns } from "./runs.ts";
import { verifySeal } from "./seal.ts";

/** One run, as `deno task runs` lists it (and `--json` prints it). */
export interface RunSummary {
  /** The run id. */
  id: string;
  /** The model name: from the id, or `model.json` for a run from before names. */
  name: string | null;
  /** When it was trained, ISO 8601. */
  created: string | null;
  /** The training file's base name. */
  data: string | null;
  /** Rows in the training file. */
  rows: number | null;
  /** The column predicted. */
  target: string | null;
  /** Accuracy on the rows held out at training (training rows with `--test-size 0`). */
  accuracy: number | null;
  /** Macro F1 on the same rows. */
  f1: number | null;
  /** The newest evaluation's verdict; `null` when never evaluated. */
  passed: boolean | null;
  /** True for the run `latest` points to. */
  latest: boolean;
  /** Why the run cannot be read; `null` when it can. */
  problem: string | null;
}

/** Which runs to summarise. */
export interface HistoryOptions extends RegistryOptions {
  /** Only runs of this model name. */
  name?: string;
}

/** Summaries of the complete runs under `<root>/runs`, newest first. */
export async function runHistory(options: HistoryOptions = {}): Promise<RunSummary[]> {
  const root = registryRoot(options);
  const [ids, latest] = await Promise.all([listRuns(options), latestRunId(options)]);
  // a name in the id settles the filter without reading the run
  const wanted = ids.filter((id) => {
    const name = runIdName(id);
    return options.name === undefined || name === null || name === options.name;
  });
  const runs = await Promise.all(wanted.reverse().map((id) => summarise(root, id, id === latest)));
  return runs.filter((run): run is RunSummary =>
    run !== null && (options.name === undefined || run.name === options.name)
  );
}

/** The summary of run `id`; `null` when it vanished meanwhile (pruned by a promotion). */
async function summarise(root: string, id: string, latest: boolean): Promise<RunSummary | null> {
  const dir = `${root}/runs/${id}`;
  const unknown = {
    id,
    name: runIdName(id),
    created: null,
    data: null,
    rows: null,
    target: null,
    accuracy: null,
    f1: null,
    passed: null,
    latest,
  };
  try {
    if (await verifySeal(dir, { within: root }) === null) {
      if (await isGone(dir)) return null;
      return { ...unknown, problem: `not sealed: no ${MANIFEST_FILE} (was training interrupted?)` };
    }
    const { file } = await loadModel(dir, { within: root, label: id });
    const evaluation = await readEvaluation(dir);
    return {
      id,
      name: runIdName(id) ?? file.name,
      created: file.createdAt,
      data: basename(file.training.data),
      rows: file.training.rows,
      target: file.target,
      accuracy: file.metrics.accuracy,
      f1: file.metrics.f1,
      passed: evaluation?.passed ?? null,
      latest,
      problem: null,
    };
  } catch (err) {
    // one damaged run (corrupt, tampered, unreadable) must not hide the others
    if (await isGone(dir)) return null;
    return { ...unknown, problem: problemOf(err) };
  }
}

/** The reason in an error, without the `Cannot load model "<id>": ` the id column already says. */
function problemOf(err: unknown): string {
  return describeError(err).replace(/^Cannot load model "[^"]*": /, "");
}

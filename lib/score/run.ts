/**
 * `deno task predict`: the options, loading the model, choosing where the
 * output goes, progress on a terminal, then {@link scoreCsv}.
 * @module
 */
import { z } from "zod";
import type { Command } from "../core/flags.ts";
import { quoteValue, UsageError } from "../core/errors.ts";
import { terminalProgress } from "../core/progress.ts";
import { shellQuote } from "../core/shell.ts";
import { loadSealedModel } from "../registry/seal.ts";
import { resolveModel } from "../registry/runs.ts";
import { parseDelimiter } from "../data/dialect.ts";
import { unseenCountLine } from "../model/inputs.ts";
import { scoreCsv, type ScoreResult } from "./batch.ts";
import { fileSink, type Sink, stdoutSink } from "./output.ts";

/** The command line of `predict.ts`. */
export const PREDICT_COMMAND: Command = {
  usage:
    "deno task predict --data FILE [--out FILE] [--model RUN] [--id COL]… [--explain] [--delimiter C]",
  summary:
    "Scores every row of a CSV file, streamed: writes the --id columns, the prediction and a p_<label> " +
    "column per class as CSV, to stdout or --out. A bad row stops the run (exit 2) naming its line and " +
    "column, and --out is then left as it was. Columns the model does not use (the target, ids " +
    "and dates training left out) are ignored, named in one line on stderr. Cells read as training read its file: missing-value " +
    "markers (NA, null, … and train's --na), decimal commas in ';' or tab files, dates as ISO 8601 " +
    "text. Categories not seen in training are scored as none of the known ones, counted per " +
    "feature on stderr.",
  flags: {
    data: { type: "string", value: "FILE", description: "The CSV file of rows to score" },
    out: {
      type: "string",
      value: "FILE",
      description:
        "Write the CSV here, whole or not at all (default: stdout); needs write access to its folder",
    },
    model: {
      type: "string",
      value: "RUN",
      description: "A run directory, `latest` or a run id",
      default: "latest",
    },
    id: {
      type: "string",
      value: "COL",
      multiple: true,
      description:
        "A column to copy to the output first, unchanged (repeat, or separate names with commas, as train --features)",
    },
    explain: {
      type: "boolean",
      description: "Add the predicted class's logit, base and a c_<feature> contribution each",
    },
    delimiter: {
      type: "string",
      value: "C",
      description:
        "Field delimiter of --data, such as ; or tab (default: detected among , ; tab |)",
    },
  },
};

/** The validated options of `predict.ts`. */
export const PredictOptions = z.object({
  data: z.string({ error: "required (the CSV file to score)" }).min(1),
  out: z.string().min(1).optional(),
  model: z.string().min(1),
  id: z.array(z.string().min(1)).default([]),
  explain: z.boolean().default(false),
  delimiter: z.string().min(1).optional(),
});
/** The validated options of `predict.ts`. */
export type PredictOptions = z.infer<typeof PredictOptions>;

/** Scores `options.data` with the chosen model; reports progress on a terminal. */
export async function runPredict(options: PredictOptions): Promise<ScoreResult> {
  const delimiter = options.delimiter === undefined ? undefined : parseDelimiter(options.delimiter);
  const model = await loadSealedModel(await resolveModel(options.model));
  const sink = options.out === undefined ? stdoutSink() : await openOut(options);
  const progress = terminalProgress();
  let result: ScoreResult;
  try {
    result = await scoreCsv(options.data, sink, {
      model,
      ids: options.id,
      explain: options.explain,
      delimiter,
      progress: progress && ((rows) => progress(`scored ${rows.toLocaleString("en-US")} rows`)),
    });
  } finally {
    progress?.done();
  }
  if (result.ignored.length) console.error(`note: ${ignoredLine(result.ignored)}`);
  // never silent: answered as serving answers them, and said so, as infer says it
  for (const count of result.unseen) {
    const feature = model.file.features.find((f) => f.name === count.feature);
    if (feature?.type === "categorical") {
      console.error(`warning: ${unseenCountLine(feature, count)}`);
    }
  }
  return result;
}

/** Columns shown by name at most in {@link ignoredLine}. */
const IGNORED_SHOWN = 10;

/** One line naming the columns of a file the model does not read. */
export function ignoredLine(ignored: readonly string[]): string {
  const shown = ignored.slice(0, IGNORED_SHOWN).map(quoteValue).join(", ");
  const more = ignored.length > IGNORED_SHOWN ? ` and ${ignored.length - IGNORED_SHOWN} more` : "";
  const s = ignored.length === 1 ? "" : "s";
  return `ignored ${ignored.length} column${s} the model does not use: ${shown}${more}`;
}

/**
 * The `--out` file's sink. Writing it whole needs a temporary file beside it,
 * so write access to its folder: asked for (Deno prompts on a terminal) when
 * the task lacks it, and a one-line error with the flags that work otherwise.
 */
async function openOut(options: PredictOptions): Promise<Sink> {
  const out = options.out!;
  const slash = out.lastIndexOf("/");
  const folder = slash > 0 ? out.slice(0, slash) : slash === 0 ? "/" : ".";
  const descriptor = { name: "write", path: folder } as const;
  const state = (await Deno.permissions.query(descriptor)).state === "granted"
    ? "granted"
    : (await Deno.permissions.request(descriptor)).state;
  if (state !== "granted") {
    throw new UsageError(
      `Cannot write ${JSON.stringify(out)}: no write access to its folder ${
        JSON.stringify(folder)
      }; grant it with \`deno run --allow-read ${
        shellQuote(`--allow-write=${folder}`)
      } predict.ts …\`, or leave out --out and redirect stdout`,
    );
  }
  return await fileSink(out);
}

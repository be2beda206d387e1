/**
 * `deno task drift --data NEW.csv [--model RUN]`: the PSI of each feature of a
 * file against the model's training profile, computed by the same code the
 * server's drift metrics use. Exits 1 when `--fail-above` is given and some
 * PSI exceeds it, so CI can hold a batch back before promotion.
 * @module
 */
import { z } from "zod";
import { fail } from "./lib/core/errors.ts";
import { type Command, numberFlag, parseFlags } from "./lib/core/flags.ts";
import { MIN_ROWS, reportForRun, reportText, worstPsi } from "./lib/monitor/report.ts";
import { parseDelimiter } from "./lib/data/dialect.ts";

const command: Command = {
  usage:
    "deno task drift --data NEW.csv [--model RUN] [--fail-above PSI] [--min-rows N] [--json] [--delimiter C]",
  summary:
    "Prints the population stability index (PSI) of each feature of a CSV file, and of the predicted classes, against the model's training data: below 0.1 stable, above 0.25 a major shift.",
  flags: {
    data: {
      type: "string",
      value: "FILE",
      description: "The CSV file of new rows (a target column is ignored)",
    },
    model: {
      type: "string",
      value: "RUN",
      default: "latest",
      description: "A run id, latest, or a run directory",
    },
    "fail-above": {
      type: "string",
      value: "PSI",
      description: "Exit 1 when any PSI is above this (0.25 is a major shift)",
    },
    "min-rows": {
      type: "string",
      value: "N",
      default: String(MIN_ROWS),
      description:
        "Refuse (exit 2) a file of fewer rows: on few rows sampling noise alone looks like drift (about 9/N PSI per feature)",
    },
    json: { type: "boolean", description: "Print the report as JSON" },
    delimiter: {
      type: "string",
      value: "C",
      description:
        "Field delimiter of --data, such as ; or tab (default: detected among , ; tab |); cells read as training read its file",
    },
  },
};

const Options = z.object({
  data: z.string({ error: "required: the CSV file to check" }).min(1),
  model: z.string().min(1),
  "fail-above": numberFlag.pipe(z.number().nonnegative()).optional(),
  "min-rows": numberFlag.pipe(z.number().int().min(1)),
  json: z.boolean().optional(),
  delimiter: z.string().min(1).optional(),
});

/** Reports drift with command-line `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const parsed = parseFlags(args, command, Options);
  if (parsed.help) return (console.log(parsed.text), 0);
  const { data, model, json, "fail-above": limit, delimiter, "min-rows": minRows } = parsed.options;
  const report = await reportForRun({
    data,
    model,
    minRows,
    delimiter: delimiter === undefined ? undefined : parseDelimiter(delimiter),
  });
  console.log(json ? JSON.stringify(report, null, 2) : reportText(report));
  return limit !== undefined && worstPsi(report) > limit ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args).catch(fail));

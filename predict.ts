/**
 * `deno task predict --data FILE`: score a CSV file with a model of the
 * registry, streamed, into CSV on stdout or `--out` (see `--help`).
 * Exits 0 when every row is scored, 2 on bad usage or a bad row, 1 otherwise.
 * @module
 */
import { fail } from "./lib/core/errors.ts";
import { parseFlags } from "./lib/core/flags.ts";
import { PREDICT_COMMAND, PredictOptions, runPredict } from "./lib/score/run.ts";

/** Runs batch scoring with command-line `args`. */
export async function main(args: string[]): Promise<void> {
  const parsed = parseFlags(args, PREDICT_COMMAND, PredictOptions);
  if (parsed.help) return console.log(parsed.text);
  await runPredict(parsed.options);
}

if (import.meta.main) await main(Deno.args).catch(fail);

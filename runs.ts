/**
 * `deno task runs`: what the registry holds. Lists the runs under
 * `models/runs/`, newest first, with their scores, gate verdicts and which
 * one `latest` is; or compares two runs side by side. Reads only `models/`.
 * @module
 */
import { z } from "zod";
import { fail } from "./lib/core/errors.ts";
import { type Command, parseFlags } from "./lib/core/flags.ts";
import { ModelName } from "./lib/model/name.ts";
import { compareRuns, loadRunDetail } from "./lib/registry/comparison.ts";
import { runHistory } from "./lib/registry/history.ts";
import { comparisonText, runsTable } from "./lib/registry/listing.ts";

const command: Command = {
  usage: "deno task runs [--name NAME] [--json] | deno task runs --compare A B [--json]",
  summary:
    "Lists the runs of the registry, newest first: id, name, when trained, data, target, held-out accuracy and macro F1, the newest gate verdict, and * on latest. With --compare A B (run ids or latest), shows two runs side by side: settings, metrics and per-class F1 with B − A, schema differences, and the evaluation that promoted each.",
  flags: {
    name: { type: "string", value: "NAME", description: "Only runs of this model name" },
    compare: {
      type: "boolean",
      description: "Compare two runs, A and B: run ids, latest or run directories",
    },
    json: {
      type: "boolean",
      description: "Print JSON: an array of runs, or one object with --compare",
    },
  },
  positionals: true,
};

const Options = z.object({
  name: ModelName.optional(),
  compare: z.boolean().optional(),
  json: z.boolean().optional(),
  _: z.array(z.string()),
}).superRefine((o, ctx) => {
  if (o.compare && o._.length !== 2) {
    ctx.addIssue({
      code: "custom",
      path: ["compare"],
      message: `expected two runs, A and B (run ids or latest), got ${o._.length}`,
    });
  } else if (o.compare && o.name !== undefined) {
    ctx.addIssue({ code: "custom", path: ["name"], message: "lists runs, not with --compare" });
  } else if (!o.compare && o._.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["_"],
      message: `unexpected "${o._[0]}" (to compare two runs: --compare A B)`,
    });
  }
});

/** Lists or compares runs with command-line `args`. */
export async function main(args: string[]): Promise<void> {
  const parsed = parseFlags(args, command, Options);
  if (parsed.help) return console.log(parsed.text);
  const o = parsed.options;
  const [a, b] = o._;
  if (o.compare && a !== undefined && b !== undefined) {
    const comparison = compareRuns(await loadRunDetail(a), await loadRunDetail(b));
    return console.log(o.json ? JSON.stringify(comparison, null, 2) : comparisonText(comparison));
  }
  const runs = await runHistory({ name: o.name });
  console.log(o.json ? JSON.stringify(runs, null, 2) : runsTable(runs, { name: o.name }));
}

if (import.meta.main) await main(Deno.args).catch(fail);

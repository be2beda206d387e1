/**
 * `deno task evaluate`: the quality gate and promotion. Gates the newest run
 * (or `--model`), writes its evaluation report and card, and promotes it to
 * `models/latest` when it passes. Exits 0 when it passes, 1 when not, 2 on
 * bad usage or input.
 * @module
 */
import { z } from "zod";
import { type Command, numberFlag, parseFlags } from "./lib/core/flags.ts";
import { fail, UsageError } from "./lib/core/errors.ts";
import { type GateOutcome, runGate } from "./lib/gate/run.ts";
import { SEED_THRESHOLDS } from "./lib/gate/rules.ts";
import { DEFAULT_KEEP } from "./lib/registry/layout.ts";

/** The environment variables the gate reads. */
export const GATE_ENV = ["MIN_ACCURACY", "MIN_F1"] as const;

const command: Command = {
  usage: "deno task evaluate [flags]",
  summary:
    "Holds a model to quality thresholds on its held-out rows or on --data, writes evaluation.json, evaluation.md, confusion_matrix.svg and model_card.md into its directory, and promotes it to models/latest when it passes. Without --model it gates the newest run and promotes it; with --model it only scores unless --promote is given. Exits 0 when it passes, 1 when it does not, 2 on bad usage or input.",
  flags: {
    model: {
      type: "string",
      value: "RUN",
      description: "A run directory, `latest` or a run id (default: the newest run, promoted)",
    },
    data: {
      type: "string",
      value: "FILE",
      description: "Labelled CSV to score on (default: the rows held out at training)",
    },
    "min-accuracy": {
      type: "string",
      value: "F",
      description: `Minimum accuracy [MIN_ACCURACY] (default: ${SEED_THRESHOLDS.accuracy})`,
    },
    "min-f1": {
      type: "string",
      value: "F",
      description: `Minimum macro F1 [MIN_F1] (default: ${SEED_THRESHOLDS.f1})`,
    },
    "max-regression": {
      type: "string",
      value: "F",
      description: "Fail if accuracy or F1 is below latest's on --data by more than F",
    },
    promote: { type: "boolean", description: "Promote a --model that passes" },
    keep: {
      type: "string",
      value: "N",
      default: String(DEFAULT_KEEP),
      description: "Runs to keep after a promotion (latest's is never deleted)",
    },
    json: { type: "boolean", description: "Print one JSON object instead of text" },
  },
};

const Fraction = numberFlag.pipe(z.number().min(0).max(1));

const Options = z.object({
  model: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
  "min-accuracy": Fraction.optional(),
  "min-f1": Fraction.optional(),
  "max-regression": Fraction.optional(),
  promote: z.boolean().optional(),
  keep: numberFlag.pipe(z.number().int().min(1)),
  json: z.boolean().optional(),
});

/** Runs the gate with command-line `args` and environment `env`; returns the exit code. */
export async function main(
  args: string[],
  env: (name: (typeof GATE_ENV)[number]) => string | undefined,
): Promise<number> {
  const parsed = parseFlags(args, command, Options);
  if (parsed.help) {
    console.log(parsed.text);
    return 0;
  }
  const o = parsed.options;
  if (o["max-regression"] !== undefined && o.data === undefined) {
    throw new UsageError(
      "Invalid --max-regression: it needs --data, so both models are scored on the same rows (see --help)",
    );
  }
  const thresholds = {
    accuracy: o["min-accuracy"] ?? fromEnv("MIN_ACCURACY", env) ?? SEED_THRESHOLDS.accuracy,
    f1: o["min-f1"] ?? fromEnv("MIN_F1", env) ?? SEED_THRESHOLDS.f1,
  };
  const outcome = await runGate({
    model: o.model,
    data: o.data,
    thresholds,
    maxRegression: o["max-regression"],
    promote: o.model === undefined || o.promote === true,
    keep: o.keep,
  });
  if (o.json) console.log(JSON.stringify(outcome));
  else printText(outcome);
  for (const warning of outcome.warnings) console.error(`warning: ${warning}`);
  return outcome.passed ? 0 : 1;
}

function fromEnv(
  name: (typeof GATE_ENV)[number],
  env: (name: (typeof GATE_ENV)[number]) => string | undefined,
): number | undefined {
  const raw = env(name);
  if (raw === undefined || raw.trim() === "") return undefined;
  const result = Fraction.safeParse(raw);
  if (!result.success) {
    throw new UsageError(
      `Invalid ${name}: ${result.error.issues[0]?.message ?? "invalid value"} (got "${raw}")`,
    );
  }
  return result.data;
}

function printText(o: GateOutcome): void {
  const m = o.metrics;
  const extra = m
    ? `, log loss ${m.logLoss?.toFixed(4) ?? "n/a"}, ROC AUC ${m.rocAuc?.toFixed(4) ?? "n/a"}`
    : "";
  console.log(`model: ${o.model}${o.runId ? ` (run ${o.runId})` : ""}`);
  console.log(
    `data: ${
      o.data.kind === "held-out" ? "held-out rows of " : ""
    }${o.data.path} (${o.data.rows} rows)`,
  );
  console.log(
    `metrics: accuracy ${o.accuracy.toFixed(4)}, macro F1 ${o.f1.toFixed(4)}${extra}`,
    `thresholds: ${JSON.stringify(o.thresholds)}`,
  );
  console.log(o.passed ? "gate: passed" : `gate: failed: ${o.failures.join("; ")}`);
  if (o.promoted) {
    console.log(
      `promoted: models/latest -> runs/${o.runId}${o.previous ? ` (was ${o.previous})` : ""}`,
    );
  }
  if (o.pruned.length) console.log(`pruned: ${o.pruned.join(", ")}`);
  const md = o.reports.find((r) => r.endsWith(".md") && !r.endsWith("model_card.md"));
  if (md) console.log(`report: ${md}`);
}

/** Reads an environment variable; without --allow-env for it, it counts as unset. */
function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) return undefined;
    throw err;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args, readEnv).catch(fail));

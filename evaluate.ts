/**
 * `deno task evaluate`: the quality gate. Holds a model's scores to
 * thresholds and exits 0 when they hold, 1 when not, 2 on bad input.
 * @module
 */
import { z } from "zod";
import { type Command, numberFlag, parseFlags } from "./lib/cli.ts";
import { readDataset } from "./lib/dataset.ts";
import { fail } from "./lib/errors.ts";
import { scoreDataset } from "./lib/evaluation.ts";
import { checkGate, SEED_THRESHOLDS } from "./lib/gate.ts";
import type { Scores } from "./lib/metrics.ts";
import { loadModel } from "./lib/model.ts";

const command: Command = {
  usage: "deno task evaluate [flags]",
  summary:
    "Holds a model to quality thresholds: its stored held-out metrics, or its scores on --data. Exits 0 when it passes, 1 when it does not, 2 on bad usage or input.",
  flags: {
    model: {
      type: "string",
      value: "DIR",
      default: "models/latest",
      description: "Model directory",
    },
    data: {
      type: "string",
      value: "FILE",
      description: "Labelled CSV to score the model on (default: use its stored metrics)",
    },
    "min-accuracy": {
      type: "string",
      value: "F",
      default: String(SEED_THRESHOLDS.accuracy),
      description: "Minimum accuracy",
    },
    "min-f1": {
      type: "string",
      value: "F",
      default: String(SEED_THRESHOLDS.f1),
      description: "Minimum macro F1",
    },
    json: { type: "boolean", description: "Print one JSON object instead of text" },
  },
};

const Options = z.object({
  model: z.string().min(1),
  data: z.string().min(1).optional(),
  "min-accuracy": numberFlag.pipe(z.number().min(0).max(1)),
  "min-f1": numberFlag.pipe(z.number().min(0).max(1)),
  json: z.boolean().optional(),
});

/** Runs the gate with command-line `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const parsed = parseFlags(args, command, Options);
  if (parsed.help) {
    console.log(parsed.text);
    return 0;
  }
  const o = parsed.options;
  const thresholds = { accuracy: o["min-accuracy"], f1: o["min-f1"] };
  const scores = o.data ? await scoreFile(o.model, o.data) : await storedMetrics(o.model);
  const verdict = checkGate(scores, thresholds);
  if (o.json) {
    console.log(JSON.stringify({
      accuracy: scores.accuracy,
      f1: scores.f1,
      passed: verdict.passed,
      thresholds,
      model: o.model,
      data: o.data ?? null,
      failures: verdict.failures,
    }));
  } else {
    console.log("metrics:", JSON.stringify(scores), "thresholds:", JSON.stringify(thresholds));
    console.log(verdict.passed ? "gate: passed" : `gate: failed: ${verdict.failures.join("; ")}`);
  }
  return verdict.passed ? 0 : 1;
}

async function scoreFile(modelDir: string, path: string): Promise<Scores> {
  const model = await loadModel(modelDir);
  return scoreDataset(model, await readDataset(path, { target: model.file.target }));
}

/**
 * The held-out scores stored in model.json. Not metrics.json: model.json is
 * written last and atomically, so after a crash mid-write metrics.json can
 * describe a run whose model never landed, and the gate would judge the
 * model that is there by another model's scores.
 */
async function storedMetrics(dir: string): Promise<Scores> {
  return (await loadModel(dir)).file.metrics;
}

if (import.meta.main) Deno.exit(await main(Deno.args).catch(fail));

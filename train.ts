/**
 * `deno task train`: train a classifier on a CSV and write it as a new run
 * of the registry, `models/runs/<run-id>/` (model.json, metrics.json,
 * model_card.md, manifest.json). It never touches `models/latest`: promotion
 * is `deno task evaluate`'s job.
 * @module
 */
import { z } from "zod";
import { type Command, numberFlag, parseFlags } from "./lib/core/flags.ts";
import { readDataset } from "./lib/data/dataset.ts";
import { parseDelimiter } from "./lib/data/dialect.ts";
import { fail } from "./lib/core/errors.ts";
import { writeRun } from "./lib/registry/runs.ts";
import { terminalProgress } from "./lib/core/progress.ts";
import { Timings } from "./lib/core/timings.ts";
import { ModelName } from "./lib/model/name.ts";
import { trainModel } from "./lib/model/training.ts";
import { positiveLabel } from "./lib/model/model.ts";
import { ClassWeight, Threshold } from "./lib/model/imbalance.ts";

const command: Command = {
  usage: "deno task train [flags]",
  summary:
    "Trains a logistic-regression classifier on a CSV (target in the last column unless --target says otherwise), scores it on a stratified held-out split and writes a new run, models/runs/<run-id>/ (model.json, metrics.json, model_card.md, manifest.json). Promote it with: deno task evaluate.",
  flags: {
    data: {
      type: "string",
      value: "FILE",
      default: "data/toy.csv",
      description: "Training CSV with a header row",
    },
    target: {
      type: "string",
      value: "NAME",
      description: "Target column (default: the last column)",
    },
    features: {
      type: "string",
      value: "A,B,…",
      multiple: true,
      description: "Train on exactly these columns (a header name may hold a comma)",
    },
    exclude: {
      type: "string",
      value: "A,B,…",
      multiple: true,
      description: "Leave these columns out",
    },
    delimiter: {
      type: "string",
      value: "C",
      description: "Field delimiter, such as ; or tab (default: detected among , ; tab |)",
    },
    na: {
      type: "string",
      value: "VALUE",
      multiple: true,
      description:
        "Read cells holding VALUE as missing, besides pandas' defaults (NA, N/A, NaN, null, None, …)",
    },
    name: {
      type: "string",
      value: "NAME",
      description:
        "Model name: starts the run id, names the model when served (default: the data file's name, penguins.csv → penguins)",
    },
    out: {
      type: "string",
      value: "DIR",
      description:
        "Write the run to exactly DIR, new or empty (default: models/runs/<run-id>); models/runs/NAME is a run named NAME",
    },
    seed: { type: "string", value: "N", default: "42", description: "Seed for the split" },
    "test-size": {
      type: "string",
      value: "F",
      default: "0.2",
      description:
        "Fraction of rows held out for scoring, in [0, 1); 0 trains on every row and reports training-set scores",
    },
    solver: {
      type: "string",
      value: "NAME",
      default: "lbfgs",
      description:
        "lbfgs (L2-regularised logistic regression, as scikit-learn's) or gd (the library's gradient descent)",
    },
    C: {
      type: "string",
      value: "F|auto",
      default: "auto",
      description:
        "lbfgs: inverse L2 strength as scikit-learn's C; auto picks it by 5-fold CV on small data, else 1",
    },
    "max-iter": {
      type: "string",
      value: "N",
      default: "500",
      description: "lbfgs: iterations at most",
    },
    tol: {
      type: "string",
      value: "F",
      default: "0.0001",
      description: "lbfgs: stop when no gradient component exceeds this",
    },
    iterations: {
      type: "string",
      value: "N",
      default: "1000",
      description: "gd: gradient-descent steps per class",
    },
    "learning-rate": {
      type: "string",
      value: "F",
      default: "0.0005",
      description: "gd: gradient-descent step size",
    },
    "class-weight": {
      type: "string",
      value: "none|balanced",
      default: "none",
      description: "balanced weighs each class n / (k · n_c) in the loss, as scikit-learn's",
    },
    threshold: {
      type: "string",
      value: "F|auto",
      description:
        "Two classes only: predict the positive class when its probability is at least F; auto picks the cut-off with the best macro F1 on out-of-fold predictions (default: the most probable class)",
    },
    positive: {
      type: "string",
      value: "LABEL",
      description:
        "Two classes only: the positive class, whose probability --threshold cuts and whose PR AUC is reported (default: the minority class of the training rows; on a tie the second in sorted order)",
    },
    timings: {
      type: "boolean",
      description: "Print how long each stage took, and the memory in use after it, on stderr",
    },
    quiet: {
      type: "boolean",
      description: "No progress on stderr (it is shown only when stderr is a terminal)",
    },
  },
};

const Options = z.object({
  data: z.string().min(1),
  target: z.string().min(1).optional(),
  features: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  delimiter: z.string().min(1).optional(),
  na: z.array(z.string()).optional(),
  name: ModelName.optional(),
  out: z.string().min(1).optional(),
  seed: numberFlag.pipe(z.number().int("expected a whole number")),
  "test-size": numberFlag.pipe(z.number().min(0).lt(1)),
  solver: z.enum(["lbfgs", "gd"]),
  C: z.literal("auto").or(numberFlag.pipe(z.number().positive())),
  "max-iter": numberFlag.pipe(z.number().int().positive()),
  tol: numberFlag.pipe(z.number().positive()),
  iterations: numberFlag.pipe(z.number().int().positive()),
  "learning-rate": numberFlag.pipe(z.number().positive()),
  "class-weight": ClassWeight,
  threshold: z.literal("auto").or(numberFlag.pipe(Threshold)).optional(),
  positive: z.string().min(1).optional(),
  timings: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

/** Runs the trainer with command-line `args`. */
export async function main(args: string[]): Promise<void> {
  const parsed = parseFlags(args, command, Options);
  if (parsed.help) return console.log(parsed.text);
  const o = parsed.options;
  const progress = o.quiet ? undefined : terminalProgress();
  const timings = o.timings ? new Timings() : undefined;
  const data = await readDataset(o.data, {
    target: o.target,
    features: o.features,
    exclude: o.exclude,
    delimiter: o.delimiter === undefined ? undefined : parseDelimiter(o.delimiter),
    na: o.na,
    progress,
  });
  timings?.mark("reading (parse, columns, hash)");
  const { file, metrics, decisions } = trainModel(data, {
    name: o.name,
    seed: o.seed,
    testSize: o["test-size"],
    solver: o.solver === "gd"
      ? { solver: "gd", iterations: o.iterations, learningRate: o["learning-rate"] }
      : { solver: "lbfgs", c: o.C, maxIter: o["max-iter"], tol: o.tol },
    progress,
    timings,
    // nothing reads the columns after training: encode them in place
    consume: true,
    classWeight: o["class-weight"],
    threshold: o.threshold,
    positive: o.positive,
    reading: { na: o.na, features: o.features, exclude: o.exclude },
  });
  progress?.done();
  for (const line of decisions) console.error(line);
  const positive = positiveLabel(file);
  if (file.threshold !== undefined && positive !== null) {
    console.error(
      `threshold ${file.threshold} on P(${positive}) (${file.thresholdSelection ?? "given"})`,
    );
  }
  const dir = await writeRun(file, { out: o.out, command: { script: "train.ts", args } });
  if (timings) {
    timings.mark("writing the run");
    console.error(timings.table());
  }
  console.error(`wrote run ${dir}`);
  console.log(JSON.stringify(metrics));
}

if (import.meta.main) await main(Deno.args).catch(fail);

/**
 * `deno run infer.ts < input.json`: predict from the command line.
 *
 * Reads one JSON object (prints its prediction) or an array of objects
 * (prints an array of predictions) on stdin. Needs no permission flags for
 * the default model, which it imports as a local JSON module; `--model DIR`
 * reads another directory (checking a sealed run's manifest first) and needs
 * `--allow-read`.
 * @module
 */
import { z } from "zod";
import { type Command, parseFlags } from "./lib/core/flags.ts";
import { fail, InputError } from "./lib/core/errors.ts";
import { checkPayload, issuesLine, unseenFinder } from "./lib/model/inputs.ts";
import { type JsonImports, loadImportedModel, loadSealedModel } from "./lib/registry/seal.ts";
import { MANIFEST_FILE, METRICS_FILE, MODEL_FILE } from "./lib/registry/layout.ts";
import { resolveModel } from "./lib/registry/runs.ts";
import { answerEncoder } from "./lib/http/predict.ts";
import { explainedAnswers } from "./lib/score/explain.ts";

const command: Command = {
  usage: "deno run infer.ts [--model RUN] [--proba | --explain] < input.json",
  summary:
    "Predicts the class of one JSON object, or of each object in a JSON array, read from stdin.",
  flags: {
    proba: {
      type: "boolean",
      description: 'Print {"prediction", "probabilities"} per row, as POST /predict answers',
    },
    explain: {
      type: "boolean",
      description: "As --proba, with each row's explanation (the features' contributions)",
    },
    model: {
      type: "string",
      value: "RUN",
      description:
        "A run directory, `latest` or a run id (default: models/latest; another needs --allow-read)",
    },
  },
};

const Options = z.object({
  model: z.string().min(1).optional(),
  proba: z.boolean().default(false),
  explain: z.boolean().default(false),
});

/** Runs inference with command-line `args` on the text `input`. */
export async function main(args: string[], input: () => Promise<string>): Promise<void> {
  const parsed = parseFlags(args, command, Options);
  if (parsed.help) return console.log(parsed.text);
  const model = parsed.options.model
    ? await loadSealedModel(await resolveModel(parsed.options.model))
    : await loadImportedModel(LATEST, "models/latest");
  const text = await input();
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new InputError(
      `Cannot read input: stdin is not valid JSON${text.trim() === "" ? " (it is empty)" : ""}`,
    );
  }
  const checked = checkPayload(payload, model.rowSchema, { accepts: model.rowAccepts });
  if (!checked.ok) throw new InputError(`Invalid input: ${issuesLine(checked.issues)}`);
  for (const u of unseenFinder(model.file.features)(checked.rows, checked.batch)) {
    console.error(`warning: ${u.row === undefined ? "" : `row ${u.row}: `}${u.message}`);
  }
  const predictions = model.predictRows(checked.rows);
  const { proba, explain } = parsed.options;
  const answers = explain
    ? explainedAnswers(model, checked.rows, predictions).map((a) => JSON.stringify(a))
    : proba
    ? checked.rows.map((_, i) => answerEncoder(model).row(predictions, i))
    : Array.from(predictions.classes, (k) => JSON.stringify(model.classes[k]));
  console.log(checked.batch ? `[${answers.join(",")}]` : answers[0]);
}

/**
 * The promoted model's files, as JSON modules: literal local imports need no
 * `--allow-read`, and the seal is checked on them all the same.
 */
const LATEST: JsonImports = {
  [MODEL_FILE]: () => import("./models/latest/model.json", { with: { type: "json" } }),
  [MANIFEST_FILE]: () => import("./models/latest/manifest.json", { with: { type: "json" } }),
  [METRICS_FILE]: () => import("./models/latest/metrics.json", { with: { type: "json" } }),
};

if (import.meta.main) {
  await main(Deno.args, () => new Response(Deno.stdin.readable).text()).catch(fail);
}

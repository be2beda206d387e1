/**
 * The gate's record of one evaluation, `evaluation.json`, and its readable
 * form, `evaluation.md`, with the confusion-matrix picture beside it.
 * @module
 */
import { z } from "zod";
import { Thresholds } from "./rules.ts";
import { LabelledReport } from "../model/model.ts";

/** The evaluation record file inside a run directory. */
export const EVALUATION_FILE = "evaluation.json";
/** The evaluation report inside a run directory. */
export const EVALUATION_MD_FILE = "evaluation.md";
/** The record of the evaluation that promoted a run, kept when later ones overwrite `evaluation.json`. */
export const PROMOTION_FILE = "promotion.json";
/** The confusion-matrix picture inside a run directory. */
export const CONFUSION_SVG_FILE = "confusion_matrix.svg";

const Score = z.number().min(0).max(1);

/** What the gate saw and decided, as `evaluation.json` holds it. */
export const Evaluation = z.object({
  evaluatedAt: z.string(),
  model: z.string(),
  runId: z.string().nullable(),
  data: z.object({
    /** `held-out` for the rows training held out, `file` for `--data`. */
    kind: z.enum(["held-out", "file"]),
    path: z.string(),
    sha256: z.string().nullable(),
    rows: z.number().int().nonnegative(),
  }),
  thresholds: Thresholds,
  maxRegression: z.number().nullable(),
  baseline: z.object({ runId: z.string().nullable(), accuracy: Score, f1: Score }).nullable(),
  accuracy: Score,
  f1: Score,
  /** The full report; `null` for a model made before reports were kept. */
  metrics: LabelledReport.nullable(),
  passed: z.boolean(),
  failures: z.array(z.string()),
  promoted: z.boolean(),
});
/** What the gate saw and decided. */
export type Evaluation = z.infer<typeof Evaluation>;

/** Reads a run's `evaluation.json` (or another record `name`); `null` when absent or unreadable. */
export async function readEvaluation(
  dir: string,
  name: string = EVALUATION_FILE,
): Promise<Evaluation | null> {
  try {
    const result = Evaluation.safeParse(JSON.parse(await Deno.readTextFile(`${dir}/${name}`)));
    return result.success ? result.data : null;
  } catch {
    // a missing or corrupt report only means the card shows no gate verdict
    return null;
  }
}

/** Renders `evaluation.md`; `trainingSha256` flags data the model was trained on. */
export function evaluationMarkdown(e: Evaluation, trainingSha256?: string): string {
  const m = e.metrics;
  const lines = [
    `# Evaluation${e.runId ? `: run ${e.runId}` : ""}`,
    "",
    `- Verdict: **${e.passed ? "passed" : "failed"}**${
      e.failures.length ? ` — ${e.failures.join("; ")}` : ""
    }`,
    `- Model: \`${e.model}\``,
    `- Data: ${dataLine(e)}`,
    `- Thresholds: accuracy ≥ ${e.thresholds.accuracy}, macro F1 ≥ ${e.thresholds.f1}${
      e.maxRegression === null ? "" : `; no drop over ${e.maxRegression} against latest`
    }`,
    ...(e.baseline
      ? [
        `- Latest at evaluation (${e.baseline.runId ?? "legacy"}): accuracy ${
          fmt(e.baseline.accuracy)
        }, macro F1 ${fmt(e.baseline.f1)}`,
      ]
      : []),
    `- Promoted to \`models/latest\` by this evaluation: ${e.promoted ? "yes" : "no"}`,
    `- Evaluated at: ${e.evaluatedAt}`,
    ...(e.data.kind === "file" && e.data.sha256 === trainingSha256
      ? ["", "> This is the training file: scores on rows the model learned from are optimistic."]
      : []),
    "",
    "## Metrics",
    "",
    "| metric | value |",
    "|---|---|",
    `| accuracy | ${fmt(e.accuracy)} |`,
    `| macro F1 | ${fmt(e.f1)} |`,
  ];
  if (m) {
    lines.push(
      `| log loss | ${m.logLoss === null ? "n/a" : fmt(m.logLoss)} |`,
      m.rocAuc === null
        ? "| ROC AUC | n/a (two-class models only) |"
        : `| ROC AUC (${m.labels[1]} vs ${m.labels[0]}) | ${fmt(m.rocAuc)} |`,
      "",
      "## Per class",
      "",
      "| class | precision | recall | F1 | support |",
      "|---|---|---|---|---|",
      ...m.perClass.map((c) =>
        `| ${cell(c.label)} | ${fmt(c.precision)} | ${fmt(c.recall)} | ${
          fmt(c.f1)
        } | ${c.support} |`
      ),
      "",
      "## Confusion matrix",
      "",
      `![Confusion matrix: rows are the true class, columns the predicted one](${CONFUSION_SVG_FILE})`,
      "",
      `| true \\ predicted | ${m.labels.map(cell).join(" | ")} |`,
      `|---|${m.labels.map(() => "---").join("|")}|`,
      ...m.confusion.map((row, t) => `| ${cell(m.labels[t] ?? "")} | ${row.join(" | ")} |`),
    );
  } else {
    lines.push("", "_This model predates full reports: only accuracy and macro F1 are known._");
  }
  return lines.join("\n") + "\n";
}

/** Where an evaluation's rows came from, in words. */
export function dataLine(e: Evaluation): string {
  const sha = e.data.sha256 ? ` (SHA-256 \`${e.data.sha256}\`)` : "";
  return e.data.kind === "held-out"
    ? `the ${e.data.rows} rows of \`${e.data.path}\`${sha} held out at training`
    : `\`${e.data.path}\`${sha}, ${e.data.rows} rows`;
}

/** A number for a report: to 4 significant digits, without trailing zeros. */
export function fmt(n: number): string {
  return String(Number(n.toPrecision(4)));
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

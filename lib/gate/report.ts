/**
 * The readable form of the gate's record, `evaluation.md`, with the
 * confusion-matrix picture beside it.
 * @module
 */
import { cell, fmt } from "../core/markdown.ts";
import { dataLine, type Evaluation } from "../registry/evaluations.ts";
import { CONFUSION_SVG_FILE } from "../registry/layout.ts";

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

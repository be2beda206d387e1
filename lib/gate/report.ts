/**
 * The readable form of the gate's record, `evaluation.md`, with the
 * confusion-matrix picture beside it.
 * @module
 */
import { fmt, mdCode, mdText } from "../core/markdown.ts";
import { evaluationData } from "../registry/card.ts";
import type { Evaluation } from "../registry/evaluations.ts";
import { CONFUSION_SVG_FILE, EVALUATION_MD_FILE } from "../registry/layout.ts";
import { majorityBalancedAccuracy } from "./rules.ts";
import type { GateOutcome } from "./run.ts";

/**
 * Renders `evaluation.md`; `trainingSha256` flags data the model was trained
 * on, and `picture` names the confusion-matrix SVG beside it.
 */
export function evaluationMarkdown(
  e: Evaluation,
  trainingSha256?: string,
  options: { picture?: string } = {},
): string {
  const m = e.metrics;
  const lines = [
    `# Evaluation${e.runId ? `: run ${mdText(e.runId)}` : ""}`,
    "",
    `- Verdict: **${e.passed ? "passed" : "failed"}**${
      e.failures.length ? ` — ${e.failures.map(mdText).join("; ")}` : ""
    }`,
    `- Model: ${mdCode(e.model)}`,
    `- Data: ${evaluationData(e)}`,
    `- Thresholds: accuracy ≥ ${e.thresholds.accuracy}, macro F1 ≥ ${e.thresholds.f1}${
      e.maxRegression === null ? "" : `; no drop over ${e.maxRegression} against latest`
    }`,
    ...(e.baseline
      ? [
        `- Latest at evaluation (${mdText(e.baseline.runId ?? "legacy")}): accuracy ${
          fmt(e.baseline.accuracy)
        }, macro F1 ${fmt(e.baseline.f1)}`,
      ]
      : []),
    ...schemaLines(e).map((line) => `- ${line}`),
    `- Promoted to \`models/latest\` by this evaluation: ${e.promoted ? "yes" : "no"}`,
    `- Evaluated at: ${mdText(e.evaluatedAt)}`,
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
      ...(m.balancedAccuracy === undefined
        ? []
        : [`| balanced accuracy | ${fmt(m.balancedAccuracy)} |`]),
      ...(m.prAuc === undefined || m.prAuc === null
        ? []
        : [`| PR AUC (${mdText(m.positive ?? m.labels[1] ?? "")}) | ${fmt(m.prAuc)} |`]),
      ...(m.majority
        ? [
          `| majority baseline: always predicting ${mdText(m.majority.label)} | accuracy ${
            fmt(m.majority.accuracy)
          }, macro F1 ${fmt(m.majority.f1)}, balanced accuracy ${
            fmt(majorityBalancedAccuracy(m))
          } |`,
        ]
        : []),
      `| log loss | ${m.logLoss === null ? "n/a" : fmt(m.logLoss)} |`,
      m.rocAuc === null
        ? "| ROC AUC | n/a (two-class models only) |"
        : `| ROC AUC (${mdText(m.labels[1] ?? "")} vs ${mdText(m.labels[0] ?? "")}) | ${
          fmt(m.rocAuc)
        } |`,
      "",
      "## Per class",
      "",
      "| class | precision | recall | F1 | support |",
      "|---|---|---|---|---|",
      ...m.perClass.map((c) =>
        `| ${mdText(c.label)} | ${fmt(c.precision)} | ${fmt(c.recall)} | ${
          fmt(c.f1)
        } | ${c.support} |`
      ),
      "",
      "## Confusion matrix",
      "",
      `![Confusion matrix: rows are the true class, columns the predicted one](${
        options.picture ?? CONFUSION_SVG_FILE
      })`,
      "",
      `| true \\ predicted | ${m.labels.map(mdText).join(" | ")} |`,
      `|---|${m.labels.map(() => "---").join("|")}|`,
      ...m.confusion.map((row, t) => `| ${mdText(m.labels[t] ?? "")} | ${row.join(" | ")} |`),
    );
  } else {
    lines.push("", "_This model predates full reports: only accuracy and macro F1 are known._");
  }
  return lines.join("\n") + "\n";
}

/** How the schema compared with latest's, when it was compared and differed. */
function schemaLines(e: Evaluation): string[] {
  const changes = e.schemaChanges ?? [];
  if (changes.length === 0) return [];
  return [
    `Schema changed against latest${
      e.schemaChangeAllowed ? " (allowed by --allow-schema-change)" : ""
    }: ${changes.join("; ")}`,
  ];
}

/** The gate's outcome as `deno task evaluate` prints it, one line each. */
export function outcomeText(o: GateOutcome): string {
  const lines: string[] = [];
  const m = o.metrics;
  const extra = m
    ? `${
      m.balancedAccuracy === undefined ? "" : `, balanced accuracy ${m.balancedAccuracy.toFixed(4)}`
    }, log loss ${m.logLoss?.toFixed(4) ?? "n/a"}, ROC AUC ${m.rocAuc?.toFixed(4) ?? "n/a"}${
      m.prAuc === undefined || m.prAuc === null
        ? ""
        : `, PR AUC (${m.positive ?? m.labels[1] ?? ""}) ${m.prAuc.toFixed(4)}`
    }`
    : "";
  lines.push(`model: ${o.model}${o.runId ? ` (run ${o.runId})` : ""}`);
  lines.push(
    `data: ${
      o.data.kind === "held-out" ? "held-out rows of " : ""
    }${o.data.path} (${o.data.rows} rows)`,
  );
  lines.push(`metrics: accuracy ${o.accuracy.toFixed(4)}, macro F1 ${o.f1.toFixed(4)}${extra}`);
  if (m?.majority) {
    lines.push(
      `baseline: always predicting ${JSON.stringify(m.majority.label)} scores accuracy ${
        m.majority.accuracy.toFixed(4)
      }, macro F1 ${m.majority.f1.toFixed(4)}, balanced accuracy ${
        majorityBalancedAccuracy(m).toFixed(4)
      }`,
    );
  }
  lines.push(
    `thresholds: accuracy >= ${o.thresholds.accuracy}, macro F1 >= ${o.thresholds.f1}${
      o.maxRegression === null ? "" : `, no drop over ${o.maxRegression} against latest`
    }`,
  );
  if (o.schemaChangeAllowed) {
    lines.push(...schemaLines(o).map((l) => l.replace(/^Schema/, "schema")));
  }
  lines.push(o.passed ? "gate: passed" : `gate: failed: ${o.failures.join("; ")}`);
  if (o.promoted) {
    lines.push(
      `promoted: models/latest -> runs/${o.runId}${o.previous ? ` (was ${o.previous})` : ""}`,
    );
  }
  if (o.pruned.length) lines.push(`pruned: ${o.pruned.join(", ")}`);
  const md = o.reports.find((r) => r.endsWith(`/${EVALUATION_MD_FILE}`));
  if (md) lines.push(`report: ${md}`);
  return lines.join("\n");
}

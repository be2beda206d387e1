import fc from "fast-check";
import { userText } from "../_testing/arbitraries.ts";
import { assertEquals } from "../_testing/assert.ts";
import { markdownShape, oneLine, readInline, tableCells } from "../_testing/markdown_reader.ts";
import type { Evaluation } from "../registry/evaluations.ts";
import { evaluationMarkdown, outcomeText } from "./report.ts";
import type { GateOutcome } from "./run.ts";

const outcome: GateOutcome = {
  evaluatedAt: "2026-01-02T00:00:00.000Z",
  model: "models/runs/20260102T000000000Z-0a1b2c3d",
  runId: "20260102T000000000Z-0a1b2c3d",
  data: { kind: "held-out", path: "data/toy.csv", sha256: null, rows: 4 },
  thresholds: { accuracy: 0.7, f1: 0.75 },
  maxRegression: null,
  baseline: null,
  accuracy: 1,
  f1: 1,
  metrics: null,
  passed: true,
  failures: [],
  promoted: true,
  reports: [
    "models/runs/20260102T000000000Z-0a1b2c3d/evaluation.json",
    "models/runs/20260102T000000000Z-0a1b2c3d/evaluation.md",
    "models/runs/20260102T000000000Z-0a1b2c3d/model_card.md",
  ],
  warnings: [],
  previous: "20260101T000000000Z-99999999",
  pruned: [],
};

Deno.test("outcomeText() prints metrics and thresholds on lines of their own", () => {
  assertEquals(outcomeText(outcome).split("\n"), [
    "model: models/runs/20260102T000000000Z-0a1b2c3d (run 20260102T000000000Z-0a1b2c3d)",
    "data: held-out rows of data/toy.csv (4 rows)",
    "metrics: accuracy 1.0000, macro F1 1.0000",
    "thresholds: accuracy >= 0.7, macro F1 >= 0.75",
    "gate: passed",
    "promoted: models/latest -> runs/20260102T000000000Z-0a1b2c3d (was 20260101T000000000Z-99999999)",
    "report: models/runs/20260102T000000000Z-0a1b2c3d/evaluation.md",
  ]);
});

Deno.test("outcomeText() names each failure and the no-regression rule", () => {
  const failed = {
    ...outcome,
    passed: false,
    promoted: false,
    maxRegression: 0.02,
    failures: ["accuracy 0.5000 is below 0.7", "f1 0.5000 is below 0.75"],
  };
  const lines = outcomeText(failed).split("\n");
  assertEquals(
    lines[3],
    "thresholds: accuracy >= 0.7, macro F1 >= 0.75, no drop over 0.02 against latest",
  );
  assertEquals(lines[4], "gate: failed: accuracy 0.5000 is below 0.7; f1 0.5000 is below 0.75");
  assertEquals(lines.some((l) => l.startsWith("promoted:")), false);
});

/** One string per slot, in order: `count` of them, all different. */
function distinct(count: number) {
  return fc.uniqueArray(userText, { minLength: count, maxLength: count });
}

/** An evaluation with a full report, its text slots filled from `t`. */
function evaluationWith(t: {
  labels: string[];
  model: string;
  path: string;
  runId: string;
  baselineRunId: string;
  failure: string;
  evaluatedAt: string;
}): Evaluation {
  const n = t.labels.length;
  return {
    evaluatedAt: t.evaluatedAt,
    model: t.model,
    runId: t.runId,
    data: { kind: "file", path: t.path, sha256: "ab".repeat(32), rows: 10 },
    thresholds: { accuracy: 0.7, f1: 0.7 },
    maxRegression: 0.01,
    baseline: { runId: t.baselineRunId, accuracy: 0.9, f1: 0.9 },
    accuracy: 0.5,
    f1: 0.5,
    metrics: {
      rows: 10,
      accuracy: 0.5,
      f1: 0.5,
      labels: t.labels,
      perClass: t.labels.map((label) => ({
        label,
        precision: 0.5,
        recall: 0.5,
        f1: 0.5,
        support: 5,
      })),
      confusion: t.labels.map((_, i) => t.labels.map((_, j) => (i === j ? 3 : 1))),
      logLoss: 0.7,
      rocAuc: n === 2 ? 0.5 : null,
    },
    passed: false,
    failures: [t.failure, "f1 0.5000 is below 0.7"],
    promoted: false,
  };
}

Deno.test("evaluationMarkdown() shows labels, paths and ids as plain text, never markup", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 4 }).chain((n) => distinct(n)),
      distinct(6),
      (labels, [model, path, runId, baselineRunId, failure, evaluatedAt]) => {
        const nasty = {
          labels,
          model,
          path,
          runId,
          baselineRunId,
          failure,
          evaluatedAt,
        } as Parameters<typeof evaluationWith>[0];
        const plain = {
          labels: labels.map((_, i) => `label${i}`),
          model: "m",
          path: "p",
          runId: "r",
          baselineRunId: "b",
          failure: "f",
          evaluatedAt: "t",
        };
        const md = evaluationMarkdown(evaluationWith(nasty));
        // the same template with plain words in every slot: the same lines, kinds, markup and cells
        assertEquals(markdownShape(md), markdownShape(evaluationMarkdown(evaluationWith(plain))));
        // and each label reads back as itself, on one line
        const rows = md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| true"));
        const perClass = rows.slice(-2 * labels.length, -labels.length);
        assertEquals(
          perClass.map((r) => readInline(tableCells(r)[0]!)),
          labels.map((l) => oneLine(l).trim()),
        );
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("outcomeText() and evaluationMarkdown() name the positive class of PR AUC and the baseline's balanced accuracy", () => {
  const base = evaluationWith({
    labels: ["fraud", "legit"],
    model: "models/runs/x",
    path: "holdout.csv",
    runId: "x",
    baselineRunId: "y",
    failure: "accuracy 0.5000 is below 0.7",
    evaluatedAt: "2026-01-02T00:00:00.000Z",
  });
  const evaluation = {
    ...base,
    metrics: {
      ...base.metrics!,
      prAuc: 0.27,
      positive: "fraud",
      majority: { label: "legit", accuracy: 0.97, f1: 0.4924 },
    },
  };
  const text = outcomeText({
    ...evaluation,
    reports: [],
    warnings: [],
    previous: null,
    pruned: [],
  });
  assertEquals(
    text.split("\n").find((l) => l.startsWith("metrics:")),
    "metrics: accuracy 0.5000, macro F1 0.5000, log loss 0.7000, ROC AUC 0.5000, PR AUC (fraud) 0.2700",
  );
  // the baseline, with the balanced accuracy the gate's warning judges
  assertEquals(
    text.split("\n").find((l) => l.startsWith("baseline:")),
    'baseline: always predicting "legit" scores accuracy 0.9700, macro F1 0.4924, balanced accuracy 0.5000',
  );
  const md = evaluationMarkdown(evaluation);
  assertEquals(md.split("\n").filter((l) => l.startsWith("| PR AUC")), [
    "| PR AUC (fraud) | 0.27 |",
  ]);
});

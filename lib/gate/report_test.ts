import { assertEquals } from "../_testing/assert.ts";
import { outcomeText } from "./report.ts";
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

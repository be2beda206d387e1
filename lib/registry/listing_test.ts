import { assertEquals } from "../_testing/assert.ts";
import type { Comparison } from "./comparison.ts";
import type { RunSummary } from "./history.ts";
import { comparisonText, runsTable } from "./listing.ts";

function summary(id: string, fields: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: "toy",
    created: "2026-01-01T00:01:00.000Z",
    data: "toy.csv",
    rows: 6,
    target: "label",
    accuracy: 1,
    f1: 1,
    passed: null,
    latest: false,
    problem: null,
    ...fields,
  };
}

Deno.test("runsTable() aligns the columns, marks latest and words each verdict", () => {
  const text = runsTable([
    summary("iris-20260101T000200000Z-22222222", {
      name: "iris",
      created: "2026-01-01T00:02:00.000Z",
      data: "iris.csv",
      rows: 150,
      accuracy: 0.9666666,
      f1: 0.96658,
      passed: false,
    }),
    summary("toy-20260101T000100000Z-11111111", { passed: true, latest: true }),
    summary("20251231T000000000Z-00000000", { name: "mvd-logistic-regression", accuracy: 0.5 }),
  ]);
  assertEquals(
    text,
    [
      "   id                                 name                     created (UTC)        data      rows  target  accuracy      f1  gate",
      "   iris-20260101T000200000Z-22222222  iris                     2026-01-01 00:02:00  iris.csv   150  label     0.9667  0.9666  failed",
      "*  toy-20260101T000100000Z-11111111   toy                      2026-01-01 00:01:00  toy.csv      6  label     1.0000  1.0000  passed",
      "   20251231T000000000Z-00000000       mvd-logistic-regression  2026-01-01 00:01:00  toy.csv      6  label     0.5000  1.0000  not evaluated",
      "",
      "* latest: what serve and infer use (models/latest)",
    ].join("\n"),
  );
});

Deno.test("runsTable() gives a run that cannot be read one line with its reason", () => {
  const text = runsTable([
    summary("toy-20260101T000100000Z-11111111"),
    {
      ...summary("toy-20260101T000000000Z-00000000"),
      created: null,
      accuracy: null,
      problem: "model.json does not match its checksum in manifest.json",
    },
  ]);
  assertEquals(text.split("\n"), [
    "   id                                name  created (UTC)        data     rows  target  accuracy      f1  gate",
    "   toy-20260101T000100000Z-11111111  toy   2026-01-01 00:01:00  toy.csv     6  label     1.0000  1.0000  not evaluated",
    "   toy-20260101T000000000Z-00000000  toy   ! model.json does not match its checksum in manifest.json",
  ]);
});

Deno.test("runsTable() of no runs is the header and a hint", () => {
  const head = "   id  name  created (UTC)  data  rows  target  accuracy  f1  gate";
  assertEquals(runsTable([]), `${head}\nno runs yet: deno task train`);
  assertEquals(
    runsTable([], { name: "penguins" }),
    `${head}\nno runs named "penguins" (list every run: deno task runs)`,
  );
});

const SHA_A = "8914ead705bf7eeb59db224da7dfb92ad5cdc3f21f76f40958cd1f6015e0014e";
const SHA_B = "d3b09efd6de0066a211e69284451f0d429db5c8d21a977602a4694794a41c089";

const COMPARISON: Comparison = {
  a: {
    id: "toy-20260101T000100000Z-11111111",
    name: "toy",
    created: "2026-01-01T00:01:00.000Z",
    latest: true,
    promotion: {
      record: "models/runs/toy-20260101T000100000Z-11111111/promotion.json",
      evaluatedAt: "2026-01-01T00:05:00.000Z",
      data: { kind: "held-out", path: "data/toy.csv", sha256: SHA_A, rows: 2 },
      accuracy: 1,
      f1: 1,
      thresholds: { accuracy: 0.7, f1: 0.7 },
    },
  },
  b: {
    id: "toy-20260101T000200000Z-22222222",
    name: "toy",
    created: "2026-01-01T00:02:00.000Z",
    latest: false,
    promotion: null,
  },
  settings: {
    data: { a: "data/toy.csv", b: "data/toy2.csv" },
    rows: { a: 6, b: 6 },
    dataSha256: { a: SHA_A, b: SHA_B },
    target: { a: "label", b: "label" },
    solver: { a: "lbfgs", b: "gd" },
    C: { a: 1, b: null },
    seed: { a: 42, b: 42 },
    testSize: { a: 0.2, b: 0.2 },
  },
  metrics: {
    accuracy: { a: 1, b: 0.5, delta: -0.5 },
    f1: { a: 1, b: 0.3333333, delta: -0.6666667 },
    logLoss: { a: 0.1, b: 0.6931, delta: 0.5931 },
    rocAuc: { a: 1, b: 1, delta: 0 },
  },
  perClass: [
    { label: "0", a: 1, b: 0.6666667, delta: -0.3333333 },
    { label: "1", a: 1, b: 0, delta: -1 },
  ],
  schemaChanges: [],
};

Deno.test("comparisonText() shows both runs, what differs, signed deltas and promotions", () => {
  assertEquals(
    comparisonText(COMPARISON),
    [
      "A  toy-20260101T000100000Z-11111111  trained 2026-01-01 00:01:00 UTC  (latest)",
      "B  toy-20260101T000200000Z-22222222  trained 2026-01-01 00:02:00 UTC",
      "",
      "setting       A              B",
      "data          data/toy.csv   data/toy2.csv  differs",
      "rows          6              6",
      "data SHA-256  8914ead705bf…  d3b09efd6de0…  differs",
      "target        label          label",
      "solver        lbfgs          gd             differs",
      "C             1              -              differs",
      "seed          42             42",
      "test size     0.2            0.2",
      "",
      "metric         A       B    B − A",
      "accuracy  1.0000  0.5000  -0.5000",
      "macro F1  1.0000  0.3333  -0.6667",
      "log loss  0.1000  0.6931  +0.5931",
      "ROC AUC   1.0000  1.0000  +0.0000",
      "",
      "F1 by class       A       B    B − A",
      "0            1.0000  0.6667  -0.3333",
      "1            1.0000  0.0000  -1.0000",
      "",
      "schema: same (target, classes and features)",
      "",
      "promoted by:",
      "  A: 2026-01-01 00:05:00 UTC, accuracy 1.0000, macro F1 1.0000 (thresholds 0.7 / 0.7)",
      "     on the 2 rows of data/toy.csv held out at training (SHA-256 8914ead705bf…)",
      "     record: models/runs/toy-20260101T000100000Z-11111111/promotion.json",
      "  B: never promoted",
    ].join("\n"),
  );
});

Deno.test("comparisonText() lists schema changes, and says when per-class F1 was not recorded", () => {
  const text = comparisonText({
    ...COMPARISON,
    perClass: [],
    schemaChanges: ['features added: "f3"', 'features removed: "f2"'],
  });
  const blocks = text.split("\n\n");
  assertEquals(blocks[3], "F1 by class: not recorded (models trained before per-class reports)");
  assertEquals(blocks[4], 'schema, from A to B:\n  features added: "f3"\n  features removed: "f2"');
});

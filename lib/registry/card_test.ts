import { TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { userText } from "../_testing/arbitraries.ts";
import fc from "fast-check";
import { parseArgs } from "node:util";
import { assert, assertEquals, assertStringIncludes } from "../_testing/assert.ts";
import { markdownShape, oneLine, readInline, tableCells } from "../_testing/markdown_reader.ts";
import { shArgs } from "../_testing/sh.ts";
import { modelCard } from "./card.ts";
import { type ModelFile, parseModel } from "../model/model.ts";
import type { Evaluation } from "./evaluations.ts";

const { file } = await trainOn(TOY_CSV);

Deno.test("modelCard() reads a model file written before the registry", () => {
  const {
    runId: _runId,
    heldOut: _heldOut,
    card: _card,
    ...older
  } = { ...file, training: { ...file.training, classBalance: undefined } };
  const model = parseModel(JSON.parse(JSON.stringify(older)), "old");
  const card = modelCard(model.file);
  assertStringIncludes(card, "- Run id: none (written outside the registry)");
  assertStringIncludes(card, "- Class balance: not recorded (model made before the registry)");
  assertStringIncludes(card, "- Accuracy 1, macro F1 1\n");
  assertStringIncludes(card, "Not evaluated yet: run `deno task evaluate`");
  assertStringIncludes(card, "### Out-of-scope use");
});

Deno.test("modelCard() shows the gate's thresholds and verdict once evaluated", () => {
  const evaluation: Evaluation = {
    evaluatedAt: "2026-01-02T00:00:00.000Z",
    model: "models/runs/x",
    runId: null,
    data: { kind: "file", path: "holdout.csv", sha256: "ab".repeat(32), rows: 40 },
    thresholds: { accuracy: 0.8, f1: 0.75 },
    maxRegression: 0.02,
    baseline: null,
    accuracy: 0.725,
    f1: 0.7,
    metrics: null,
    passed: false,
    failures: ["accuracy 0.7250 is below 0.8"],
    promoted: false,
  };
  const card = modelCard(file, { latest: evaluation });
  assertStringIncludes(
    card,
    "- Verdict: **failed** (accuracy 0.7250 is below 0.8); promoted by this evaluation: no",
  );
  assertStringIncludes(card, `- Data: \`holdout.csv\` (SHA-256 \`${"ab".repeat(32)}\`), 40 rows`);
  assertStringIncludes(
    card,
    "- Thresholds: accuracy ≥ 0.8, macro F1 ≥ 0.75, no drop over 0.02 against latest",
  );
  assertStringIncludes(card, "- Accuracy 0.725, macro F1 0.7\n");
  assert(!card.includes("Not evaluated yet"));
  assert(!card.includes("Promoted to"));

  const promotion: Evaluation = {
    ...evaluation,
    evaluatedAt: "2026-01-01T00:00:00.000Z",
    data: { kind: "held-out", path: "train.csv", sha256: null, rows: 12 },
    thresholds: { accuracy: 0.7, f1: 0.7 },
    accuracy: 0.9,
    f1: 0.875,
    passed: true,
    failures: [],
    promoted: true,
  };
  assertStringIncludes(
    modelCard(file, { latest: evaluation, promotion }),
    "Promoted to `models/latest` by the evaluation of 2026-01-01T00:00:00.000Z, on the 12 rows of `train.csv` held out at training: accuracy 0.9, macro F1 0.875 against thresholds 0.7 / 0.7",
  );
});

Deno.test("modelCard()'s retrain command, pasted into sh, gives train exactly the run's settings", async () => {
  const data = "/tmp/x;touch PWNED;.csv";
  const target = 'it\'s $(touch PWNED2) `touch PWNED3` "q"\nx';
  const nasty = { ...file, target, training: { ...file.training, data, seed: -7 } };
  const command = /\n(`{3,})sh\n([\s\S]*?)\n\1\n/.exec(modelCard(nasty))?.[2] ?? "";
  assert(command.startsWith("deno task train "), command);
  const dir = await Deno.makeTempDir();
  try {
    const args = await shArgs(command.slice("deno task train ".length), dir);
    assertEquals([...Deno.readDirSync(dir)], [], "the pasted command ran something else");
    // read as train reads its flags (node:util parseArgs, strict)
    const flags = ["data", "target", "seed", "test-size", "solver", "C", "max-iter", "tol"];
    const { values } = parseArgs({
      args,
      options: Object.fromEntries(flags.map((f) => [f, { type: "string" as const }])),
      strict: true,
    });
    assertEquals(values.data, data);
    assertEquals(values.target, target);
    assertEquals(values.seed, "-7");
    assertEquals(values["test-size"], String(file.training.testSize));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The slots of a card that hold text from data or from a model file. */
interface Slots {
  name: string;
  runId: string;
  target: string;
  data: string;
  createdAt: string;
  columns: [string, string];
  categories: [string, string];
  labels: [string, string];
  runtime: string;
  fact: string;
  evaluated: [string, string];
  failure: string;
  evalPath: string;
}

function cardWith(s: Slots): string {
  const [l0, l1] = s.labels;
  const nasty: ModelFile = {
    ...file,
    name: s.name,
    runId: s.runId,
    target: s.target,
    createdAt: s.createdAt,
    classes: s.labels,
    features: [
      { ...file.features[0]!, name: s.columns[0] } as ModelFile["features"][number],
      { name: s.columns[1], type: "categorical", categories: s.categories, missing: 1 },
    ],
    runtime: { ...file.runtime, deno: s.runtime, [s.runtime]: s.runtime },
    training: { ...file.training, data: s.data, classBalance: { [l0]: 3, [l1]: 3 } },
    heldOut: {
      ...file.heldOut!,
      labels: s.labels,
      perClass: file.heldOut!.perClass.map((c, k) => ({ ...c, label: s.labels[k]! })),
    },
    card: { intendedUse: s.fact, outOfScope: [s.fact], caveats: [s.fact] },
  };
  const latest: Evaluation = {
    evaluatedAt: s.evaluated[0],
    model: s.evalPath,
    runId: s.runId,
    data: { kind: "file", path: s.evalPath, sha256: "ab".repeat(32), rows: 4 },
    thresholds: { accuracy: 0.8, f1: 0.75 },
    maxRegression: null,
    baseline: null,
    accuracy: 0.5,
    f1: 0.5,
    metrics: null,
    passed: false,
    failures: [s.failure],
    promoted: false,
  };
  const promotion = { ...latest, evaluatedAt: s.evaluated[1], passed: true, promoted: true };
  return modelCard(nasty, { latest, promotion });
}

Deno.test("modelCard() shows names, labels, paths and model-file text as plain text, never markup", () => {
  const slots: fc.Arbitrary<Slots> = fc.uniqueArray(userText, { minLength: 16, maxLength: 16 })
    .map((t) => ({
      name: t[0]!,
      runId: t[1]!,
      target: t[2]!,
      data: t[3]!,
      createdAt: t[4]!,
      columns: [t[5]!, t[6]!],
      categories: [t[7]!, t[8]!],
      labels: [t[9]!, t[10]!],
      runtime: t[11]!,
      fact: t[12]!,
      evaluated: [t[13]!, t[14]!],
      failure: t[15]!,
      evalPath: t[3]!,
    }));
  const plain: Slots = {
    name: "n",
    runId: "r",
    target: "t",
    data: "d",
    createdAt: "c",
    columns: ["c0", "c1"],
    categories: ["k0", "k1"],
    labels: ["l0", "l1"],
    runtime: "v",
    fact: "f",
    evaluated: ["e0", "e1"],
    failure: "x",
    evalPath: "d",
  };
  const shape = markdownShape(cardWith(plain));
  fc.assert(
    fc.property(slots, (s) => {
      const card = cardWith(s);
      // the same template with plain words in every slot: the same lines, kinds, markup and cells
      assertEquals(markdownShape(card), shape);
      // the features table names each column as it is, on one line
      const rows = card.split("\n").filter((l) => / \| (numeric|categorical) \| /.test(l));
      assertEquals(
        rows.map((r) => readInline(tableCells(r)[0]!)),
        s.columns.map((c) => oneLine(c).trim()),
      );
    }),
    { numRuns: 300 },
  );
});

Deno.test("modelCard() lists the largest coefficients, of the second class's log-odds for two classes", () => {
  const card = modelCard(file);
  const at = card.indexOf("| class | term | weight |");
  assert(at > 0, "no coefficient table");
  const rows = card.slice(at).split("\n").slice(2).filter((l) => l.startsWith("| "));
  assertEquals(rows.length, 2);
  const weights = rows.map((r) => Math.abs(Number(tableCells(r)[2])));
  assert(weights[0]! >= weights[1]!, `not by magnitude: ${rows}`);
  assertStringIncludes(card, "Largest coefficients (of the log-odds of `1`");
  // toy.csv: the label follows f1
  assertEquals(tableCells(rows[0]!).slice(0, 2), ["1", "f1"]);
});

Deno.test("modelCard() names the positive class and the threshold's probability", () => {
  const fraud = { ...file, classes: ["fraud", "legit"], positive: "fraud", threshold: 0.2 };
  const card = modelCard(fraud);
  assertStringIncludes(
    card,
    "- Positive class: fraud: the class PR AUC is reported for and whose probability a threshold cuts\n",
  );
  assertStringIncludes(
    card,
    "- Threshold: 0.2 on P(fraud): fraud is predicted when its probability is at least 0.2 (given)",
  );
  // a model from before positive classes: the second
  const { positive: _, ...older } = fraud;
  assertStringIncludes(modelCard(older), "- Threshold: 0.2 on P(legit)");
});

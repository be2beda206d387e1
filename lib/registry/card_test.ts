import { TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { parseArgs } from "node:util";
import { assert, assertEquals, assertStringIncludes } from "../_testing/assert.ts";
import { shArgs } from "../_testing/sh.ts";
import { modelCard } from "./card.ts";
import { parseModel } from "../model/model.ts";
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
  const command = /\n```+sh\n([\s\S]*?)\n```+\n/.exec(modelCard(nasty))?.[1] ?? "";
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

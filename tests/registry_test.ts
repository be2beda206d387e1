// The registry as a user drives it: train → evaluate (gate + promote), through the tasks.
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStringIncludes,
} from "../lib/_testing/assert.ts";
import { sha256File } from "../lib/data/hash.ts";
import { TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { writeRun } from "../lib/registry/runs.ts";
import { verifyRun } from "../lib/registry/seal.ts";
import { fmt } from "../lib/core/markdown.ts";
import { evaluateIn, makeProject, type Project, writeRunAt } from "./_project.ts";

/** The toy data with every label flipped: a model trained on it is always wrong on toy.csv. */
const FLIPPED = "f1,f2,label\n1,0,0\n0,1,1\n1,0,0\n0,1,1\n1,0,0\n0,1,1\n";

// Runs a test only needs to exist are trained and written in this process,
// and so are the gate runs that only get to a state (evaluateIn): each
// behaviour below keeps its real `deno task` check.
const { file: TOY } = await trainOn(TOY_CSV);

/** Writes flipped.csv into `project` and a run trained on it, `minute` past midnight; its id. */
async function flippedRun(project: Project, minute: number): Promise<string> {
  await Deno.writeTextFile(`${project.dir}/flipped.csv`, FLIPPED);
  const { file } = await trainOn(`${project.dir}/flipped.csv`);
  return await writeRunAt(project, file, minute);
}

/** Gates and promotes in this process; fails the test unless it passes. */
async function promote(project: Project, ...args: string[]): Promise<void> {
  const out = await evaluateIn(project, args);
  assertEquals(out.code, 0, out.stderr);
}

async function train(project: Project, ...args: string[]): Promise<string> {
  const out = await project.deno(["task", "-q", "train", ...args]);
  assertEquals(out.code, 0, out.stderr);
  const id = /wrote run models\/runs\/(\S+)/.exec(out.stderr)?.[1];
  assert(id, out.stderr);
  return id;
}

async function latest(project: Project): Promise<string> {
  return await Deno.readLink(`${project.dir}/models/latest`);
}

async function evaluate(project: Project, ...args: string[]) {
  const out = await project.deno(["task", "-q", "evaluate", "--json", ...args]);
  return { ...out, json: out.stdout ? JSON.parse(out.stdout) : null };
}

Deno.test("two promotions in a row switch latest and keep the earlier run intact", async () => {
  await using project = await makeProject();
  const first = await writeRunAt(project, TOY, 0);
  await promote(project);
  assertEquals(await latest(project), `runs/${first}`);
  const firstModel = await Deno.readFile(`${project.dir}/models/runs/${first}/model.json`);

  const second = await train(project, "--seed", "7");
  assertNotEquals(second, first);
  // training alone never touches latest
  assertEquals(await latest(project), `runs/${first}`);
  const gate = await evaluate(project);
  assertEquals(gate.code, 0, gate.stderr);
  assertEquals(gate.json.promoted, true);
  assertEquals(gate.json.previous, first);
  assertEquals(await latest(project), `runs/${second}`);

  assertEquals(await Deno.readFile(`${project.dir}/models/runs/${first}/model.json`), firstModel);
  await verifyRun(`${project.dir}/models/runs/${first}`);
  const infer = await project.deno(["run", "infer.ts"], '{"f1":1,"f2":0}');
  assertEquals(infer.stdout, "1\n");
});

Deno.test("a failing candidate leaves latest exactly as it was and exits 1", async () => {
  await using project = await makeProject();
  const good = await writeRunAt(project, TOY, 0);
  await promote(project);
  const before = await Deno.readFile(`${project.dir}/models/latest/model.json`);
  const bad = await flippedRun(project, 1);

  const gate = await evaluate(project, "--data", "data/toy.csv");
  assertEquals(gate.code, 1);
  assertEquals(gate.json.passed, false);
  assertEquals(gate.json.promoted, false);
  assertEquals(gate.json.runId, bad);
  assert(gate.json.accuracy < 0.5 && gate.json.f1 < 0.5, gate.stdout);
  assertEquals(gate.json.failures, [
    `accuracy ${gate.json.accuracy.toFixed(4)} is below 0.7`,
    `f1 ${gate.json.f1.toFixed(4)} is below 0.7`,
  ]);
  assertEquals(await latest(project), `runs/${good}`);
  assertEquals(await Deno.readFile(`${project.dir}/models/latest/model.json`), before);
  // the failed run keeps its report, with the verdict
  const record = JSON.parse(
    await Deno.readTextFile(`${project.dir}/models/runs/${bad}/evaluation.json`),
  );
  assertEquals([record.passed, record.accuracy], [false, gate.json.accuracy]);

  // scoring the served run on bad data changes nothing, and keeps the record that promoted it
  const flipped = `${project.dir}/flipped.csv`;
  const rescored = await evaluateIn(project, ["--model", "latest", "--data", flipped]);
  assertEquals([rescored.code, rescored.json?.promoted], [1, false]);
  assertEquals(await latest(project), `runs/${good}`);
  const promotion = JSON.parse(
    await Deno.readTextFile(`${project.dir}/models/runs/${good}/promotion.json`),
  );
  assertEquals([promotion.passed, promotion.promoted, promotion.data.kind], [
    true,
    true,
    "held-out",
  ]);
  assertStringIncludes(
    await Deno.readTextFile(`${project.dir}/models/runs/${good}/model_card.md`),
    `Promoted to \`models/latest\` by the evaluation of ${promotion.evaluatedAt}`,
  );

  // thresholds from the environment hold too (the task's --allow-env: the real one below)
  const strict = await evaluateIn(project, ["--model", good], { MIN_ACCURACY: "1", MIN_F1: "1" });
  assertEquals(strict.code, 0, strict.stderr);
  const impossible = await project.deno(
    ["task", "-q", "evaluate", "--model", bad, "--data", "data/toy.csv"],
    undefined,
    {
      MIN_ACCURACY: "0.99",
    },
  );
  assertEquals(impossible.code, 1);
  assertMatch(impossible.stdout, /gate: failed: accuracy 0\.\d{4} is below 0\.99/);
});

Deno.test("--max-regression fails a candidate worse than latest on the same data", async () => {
  await using project = await makeProject();
  const good = await writeRunAt(project, TOY, 0);
  await promote(project);
  const bad = await flippedRun(project, 1);
  const zero = ["--min-accuracy", "0", "--min-f1", "0", "--data"];
  const args = [...zero, "data/toy.csv"];

  const lenient = await evaluateIn(project, [
    "--model",
    bad,
    ...zero,
    `${project.dir}/data/toy.csv`,
  ]);
  assertEquals(lenient.code, 0, "without the rule, zero thresholds pass anything");
  assertEquals(lenient.json?.promoted, false, "--model alone never promotes");

  const gate = await evaluate(
    project,
    "--model",
    bad,
    "--promote",
    ...args,
    "--max-regression",
    "0.1",
  );
  assertEquals(gate.code, 1);
  assertEquals(gate.json.baseline, { runId: good, accuracy: 1, f1: 1 });
  assertEquals(
    gate.json.failures[0],
    `accuracy ${lenient.json?.accuracy.toFixed(4)} regressed from 1.0000 (latest) by more than 0.1`,
  );
  assertEquals(await latest(project), `runs/${good}`);
});

Deno.test("--model takes a run id, latest or a directory, and --promote promotes it", async () => {
  await using project = await makeProject();
  const first = await writeRunAt(project, TOY, 0);
  const second = await writeRunAt(project, TOY, 1);
  assertEquals((await evaluateIn(project)).json?.runId, second);
  const byId = await evaluate(project, "--model", first);
  assertEquals([byId.code, byId.json.runId, byId.json.promoted], [0, first, false]);
  assertEquals(await latest(project), `runs/${second}`);
  const byRun = await project.deno(
    ["run", "--allow-read", "infer.ts", "--model", first],
    '{"f1":0,"f2":1}',
  );
  assertEquals([byRun.code, byRun.stdout], [0, "0\n"], byRun.stderr);
  const byLatest = await evaluateIn(project, ["--model", "latest"]);
  assertEquals(byLatest.json?.runId, second);
  const byDir = await evaluate(project, "--model", `models/runs/${first}/`, "--promote");
  assertEquals(byDir.json.promoted, true);
  assertEquals(await latest(project), `runs/${first}`);

  // a mistyped run id is named with the closest ones
  const typo = await evaluate(project, "--model", first.slice(0, -1) + "x");
  assertEquals(typo.code, 2);
  assertEquals(
    typo.stderr,
    `error: Unknown run "${
      first.slice(0, -1)
    }x": no such run in models/runs (closest: ${first}, ${second}); list them with: deno task runs\n`,
  );

  // scoring needs no write permission, only reports do
  const readOnly = await project.deno(["run", "--allow-read", "evaluate.ts", "--model", first]);
  assertEquals(readOnly.code, 0, readOnly.stderr);
  assertStringIncludes(readOnly.stdout, "gate: passed");
  assertEquals(
    readOnly.stderr,
    `warning: Cannot write reports to "models/runs/${first}": write permission denied (grant it with --allow-write)\n`,
  );

  // a sealed run outside models/ (train --out writing one there is lifecycle_test's):
  // the gate reads only the registry
  await writeRun(TOY, { out: `${project.dir}/elsewhere` });
  await verifyRun(`${project.dir}/elsewhere`);
  const outside = await evaluate(project, "--model", "elsewhere", "--promote");
  assertEquals(outside.code, 2, outside.stderr);
  assertEquals(
    outside.stderr,
    `error: Cannot use model "elsewhere": it lies outside models/ (symlinks and .. resolved): models are read only from the registry\n`,
  );
  // the same through .., in this process (so the paths are absolute)
  const [root, path] = [`${project.dir}/models`, `${project.dir}/models/runs/../../elsewhere`];
  const dotted = await evaluateIn(project, ["--model", path, "--promote"]);
  assertEquals(dotted.code, 2, dotted.stderr);
  assertEquals(
    dotted.stderr,
    `error: Cannot use model "${path}": it lies outside ${root}/ (symlinks and .. resolved): models are read only from the registry\n`,
  );
  assertEquals(await latest(project), `runs/${first}`);
});

Deno.test("evaluate refuses bad usage and input with one line and exit 2", async () => {
  await using project = await makeProject();
  const none = await project.deno(["task", "-q", "evaluate"]);
  assertEquals(none.code, 2);
  assertEquals(
    none.stderr,
    'error: Cannot evaluate: no runs in "models/runs" (train one first: deno task train)\n',
  );
  await writeRunAt(project, TOY, 0);
  // the environment through the task's --allow-env, for real
  const env = await project.deno(["task", "-q", "evaluate"], undefined, { MIN_F1: "lots" });
  assertEquals(env.code, 2, env.stderr);
  assertEquals(
    env.stderr,
    'error: Invalid MIN_F1: expected a number, got "lots" (got "lots")\n',
  );
  // the other cases in this process, on the project's registry (missing.csv, taken from
  // the checkout, is missing there too)
  const root = `${project.dir}/models`;
  const cases: Array<[string[], string]> = [
    [
      ["--max-regression", "0.1"],
      "error: Invalid --max-regression: it needs --data, so both models are scored on the same rows (see --help)\n",
    ],
    [
      ["--min-accuracy", "2"],
      "error: Invalid --min-accuracy: Too big: expected number to be <=1 (see --help)\n",
    ],
    [["--model", "nope"], `error: Unknown run "nope": no such run in ${root}/runs;`],
    [["--data", "missing.csv"], 'error: Cannot read CSV "missing.csv": file not found'],
    [["--keep", "0"], "error: Invalid --keep: "],
  ];
  for (const [args, message] of cases) {
    const out = await evaluateIn(project, args);
    assertEquals(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assertStringIncludes(out.stderr, message);
    assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
  }
  // nothing was promoted by any of them
  await Deno.lstat(`${project.dir}/models/latest`).then(
    () => assert(false, "latest exists"),
    (err) => assert(err instanceof Deno.errors.NotFound),
  );
});

Deno.test("the report and the card hold the run's real figures", async () => {
  await using project = await makeProject();
  const id = await train(
    project,
    "--data",
    "data/iris.csv",
    "--solver",
    "gd",
    "--iterations",
    "200",
    "--learning-rate",
    "0.01",
  );
  const gate = await evaluate(project, "--data", "data/iris.csv");
  assertEquals(gate.code, 0, gate.stderr);
  const run = `${project.dir}/models/runs/${id}`;
  const record = JSON.parse(await Deno.readTextFile(`${run}/evaluation.json`));
  // --json prints the record plus what happened on disk
  const { reports: _reports, warnings, previous: _previous, pruned: _pruned, ...printed } =
    gate.json;
  assertEquals(warnings, []);
  assertEquals(printed, record);
  assertEquals(record.data.rows, 150);
  assertEquals(record.metrics.perClass.map((c: { support: number }) => c.support), [50, 50, 50]);
  const confusion: number[][] = record.metrics.confusion;
  assertEquals(confusion.flat().reduce((a, b) => a + b, 0), 150);
  const correct = confusion.reduce((a, row, k) => a + row[k]!, 0);
  assertEquals(record.accuracy, correct / 150);

  const md = await Deno.readTextFile(`${run}/evaluation.md`);
  assertStringIncludes(md, "- Verdict: **passed**");
  assertStringIncludes(md, `| accuracy | ${fmt(correct / 150)} |`);
  assertStringIncludes(md, "> This is the training file");
  assertStringIncludes(
    md,
    "![Confusion matrix: rows are the true class, columns the predicted one](confusion_matrix.svg)",
  );
  assertStringIncludes(md, `| setosa | ${confusion[0]!.join(" | ")} |`);

  const card = await Deno.readTextFile(`${run}/model_card.md`);
  const sha = await sha256File(`${project.dir}/data/iris.csv`);
  assertStringIncludes(card, `- SHA-256: \`${sha}\``);
  assertStringIncludes(card, "- Rows: 150 (120 to train, 30 held out");
  assertStringIncludes(
    card,
    "- Class balance: setosa: 50 (33.33%), versicolor: 50 (33.33%), virginica: 50 (33.33%)",
  );
  assertStringIncludes(card, `- Run id: ${id}`);
  assertStringIncludes(card, "- Verdict: **passed**");
  assertStringIncludes(card, `\`data/iris.csv\` (SHA-256 \`${sha}\`), 150 rows`);
  assertStringIncludes(
    card,
    "deno task train --data data/iris.csv --target label --seed 42 --test-size 0.2 --solver gd --iterations 200 --learning-rate 0.01",
  );
  for (
    const section of [
      "## Model details",
      "## Intended use",
      "### Out-of-scope use",
      "## Training data",
      "## Evaluation",
      "## Caveats and recommendations",
    ]
  ) {
    assertStringIncludes(card, section);
  }
  // the model document holds the same facts
  const model = JSON.parse(await Deno.readTextFile(`${run}/model.json`));
  assertEquals(model.runId, id);
  assertEquals(model.training.classBalance, { setosa: 50, versicolor: 50, virginica: 50 });
  assertEquals(model.training.sha256, sha);
  assertEquals(model.heldOut.rows, 30);
  assertMatch(
    card,
    new RegExp(
      `\\| sepal_length_cm \\| numeric \\| [0-9.]+ – [0-9.]+ \\| ${
        fmt(model.features[0].mean)
      } \\|`,
    ),
  );

  // the card's command retrains the same weights
  const again = await train(
    project,
    ...card.split("deno task train ")[1]!.split("\n")[0]!.split(" "),
  );
  const retrained = JSON.parse(
    await Deno.readTextFile(`${project.dir}/models/runs/${again}/model.json`),
  );
  assertEquals(retrained.estimator, model.estimator);
});

// `deno task runs` through the task, in a throwaway project: the table, the
// name filter, JSON, comparisons, errors, and read-only permissions.
import { assert, assertAlmostEquals, assertEquals, assertMatch } from "../lib/_testing/assert.ts";
import { IRIS_CSV, TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { compareRuns, loadRunDetail } from "../lib/registry/comparison.ts";
import { runHistory } from "../lib/registry/history.ts";
import { comparisonText, runsTable } from "../lib/registry/listing.ts";
import { writeRun } from "../lib/registry/runs.ts";
import { main } from "../runs.ts";
import {
  evaluateIn,
  makeProject,
  type Output,
  type Project,
  runMain,
  taskFlags,
  writeRunAt,
} from "./_project.ts";

const { file: TOY } = await trainOn(TOY_CSV);
const { file: IRIS } = await trainOn(IRIS_CSV);

function runs(project: Project, ...args: string[]): Promise<Output> {
  return project.deno(["task", "-q", "runs", ...args]);
}

async function evaluate(project: Project, ...args: string[]): Promise<number> {
  return (await evaluateIn(project, args)).code;
}

// The repeats below call what runs.ts calls, in this process: its cwd is the
// checkout, so they name the project's registry as `root`; each flag keeps
// one real `deno task runs` check.

/** The runs of `project`'s registry, as `deno task runs --json [--name NAME]` prints them. */
async function history(project: Project, name?: string) {
  return await runHistory({ name, root: `${project.dir}/models` });
}

/** What `deno task runs [--name NAME]` prints for `project`'s registry. */
async function table(project: Project, name?: string): Promise<string> {
  return `${runsTable(await history(project, name), { name })}\n`;
}

/** `deno task runs --compare A B`'s text, for `project`'s registry. */
async function comparison(project: Project, a: string, b: string): Promise<string> {
  const root = `${project.dir}/models`;
  const [detailA, detailB] = [await loadRunDetail(a, { root }), await loadRunDetail(b, { root })];
  return `${comparisonText(compareRuns(detailA, detailB))}\n`;
}

/** The run ids of a printed table, top to bottom. */
function tableIds(stdout: string): string[] {
  const rows = stdout.split("\n").slice(1);
  return rows.slice(0, rows.indexOf("")).map((l) => l.slice(3).split(" ")[0]!);
}

/** `±0.1234` as the comparison prints a delta. */
function signed(x: number): string {
  return `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(4)}`;
}

Deno.test("deno task runs lists, filters, prints JSON and compares the registry's runs", async (t) => {
  await using project = await makeProject();
  // toy1 passes and is promoted; iris fails the gate (its schema differs from latest's);
  // toy0 is never evaluated; one run predates names; one was tampered with
  const old = "20251231T000000000Z-0badc0de";
  await writeRun(
    { ...TOY, name: "mvd-logistic-regression", createdAt: "2025-12-31T00:00:00.000Z" },
    { out: `${project.dir}/models/runs/${old}` },
  );
  const toy0 = await writeRunAt(project, TOY, 0);
  const toy1 = await writeRunAt(project, TOY, 1);
  assertEquals(await evaluate(project, "--model", toy1, "--promote"), 0);
  const iris = await writeRunAt(project, IRIS, 2);
  assertEquals(await evaluate(project), 1);
  const tampered = await writeRunAt(project, TOY, 3);
  await Deno.writeTextFile(`${project.dir}/models/runs/${tampered}/model.json`, "{}\n");

  await t.step(
    "the table: newest first, * on latest, each verdict, a note for a bad run",
    async () => {
      const out = await runs(project);
      assertEquals([out.code, out.stderr], [0, ""]);
      const lines = out.stdout.trimEnd().split("\n");
      const [head, ...rest] = lines;
      assertMatch(head!, /^ {3}id +name +created \(UTC\) +data +rows +target +accuracy +f1 +gate$/);
      const rows = rest.slice(0, 5);
      assertEquals(rows.map((l) => l.slice(3).split(" ")[0]), [tampered, iris, toy1, toy0, old]);
      assertEquals(rows.map((l) => l.slice(0, 1)), [" ", " ", "*", " ", " "]);
      assertMatch(rows[0]!, / toy +! model\.json does not match its checksum in manifest\.json$/);
      // the verdict sits under its header, whatever the widths
      const gate = head!.indexOf("gate");
      assertEquals(rows.slice(1).map((l) => l.slice(gate)), [
        "failed",
        "passed",
        "not evaluated",
        "not evaluated",
      ]);
      const cells = rows[1]!.slice(3).split(/ {2,}/);
      assertEquals(cells, [
        iris,
        "iris",
        "2026-01-01 00:02:00",
        "iris.csv",
        "150",
        "label",
        IRIS.metrics.accuracy.toFixed(4),
        IRIS.metrics.f1.toFixed(4),
        "failed",
      ]);
      assertMatch(
        rows[4]!,
        new RegExp(`^ {3}${old} +mvd-logistic-regression +2025-12-31 00:00:00 `),
      );
      assertEquals(lines.at(-1), "* latest: what serve and infer use (models/latest)");
    },
  );

  await t.step("--name keeps runs of that name only", async () => {
    const toy = await runs(project, "--name", "toy");
    assertEquals(toy.code, 0, toy.stderr);
    assertEquals(tableIds(toy.stdout), [tampered, toy1, toy0]);
    assertEquals(tableIds(await table(project, "mvd-logistic-regression")), [old]);
    const none = await table(project, "penguins");
    assertEquals(none.split("\n")[1], 'no runs named "penguins" (list every run: deno task runs)');
  });

  await t.step("--json prints an array of every run's facts", async () => {
    const out = await runs(project, "--json");
    assertEquals(out.code, 0, out.stderr);
    const list = JSON.parse(out.stdout);
    assertEquals(list.map((r: { id: string }) => r.id), [tampered, iris, toy1, toy0, old]);
    assertEquals(list[2], {
      id: toy1,
      name: "toy",
      created: "2026-01-01T00:01:00.000Z",
      data: "toy.csv",
      rows: 6,
      target: "label",
      accuracy: TOY.metrics.accuracy,
      f1: TOY.metrics.f1,
      passed: true,
      latest: true,
      problem: null,
    });
    assertEquals(list.map((r: { passed: boolean | null }) => r.passed), [
      null,
      false,
      true,
      null,
      null,
    ]);
    assertEquals(list[0].accuracy, null);
    assertMatch(list[0].problem, /does not match its checksum/);
    const named = await history(project, "iris");
    assertEquals(named.map((r: { id: string; latest: boolean }) => [r.id, r.latest]), [[
      iris,
      false,
    ]]);
  });

  await t.step(
    "--compare shows settings, metrics and per-class F1 with B − A, schema, promotions",
    async () => {
      const out = await runs(project, "--compare", "latest", iris);
      assertEquals([out.code, out.stderr], [0, ""]);
      const lines = out.stdout.trimEnd().split("\n");
      assertMatch(
        lines[0]!,
        new RegExp(`^A  ${toy1} +trained 2026-01-01 00:01:00 UTC  \\(latest\\)$`),
      );
      assertMatch(lines[1]!, new RegExp(`^B  ${iris} +trained 2026-01-01 00:02:00 UTC$`));
      const row = (label: string) =>
        lines.find((l) => l.startsWith(`${label}  `))?.split(/ {2,}/).slice(1);
      assertEquals(row("data"), [TOY.training.data, IRIS.training.data, "differs"]);
      assertEquals(row("seed"), ["42", "42"]);
      assertEquals(row("accuracy"), [
        TOY.metrics.accuracy.toFixed(4),
        IRIS.metrics.accuracy.toFixed(4),
        signed(IRIS.metrics.accuracy - TOY.metrics.accuracy),
      ]);
      assertEquals(row("macro F1")?.[2], signed(IRIS.metrics.f1 - TOY.metrics.f1));
      assertEquals(row("setosa"), ["-", IRIS.heldOut!.perClass[0]!.f1.toFixed(4), "-"]);
      const schema = lines.indexOf("schema, from A to B:");
      assertEquals(lines.slice(schema + 1, schema + 4), [
        '  classes [0, 1] → ["setosa", "versicolor", "virginica"]',
        '  features added: "sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"',
        '  features removed: "f1", "f2"',
      ]);
      const promoted = lines.indexOf("promoted by:");
      assertMatch(
        lines[promoted + 1]!,
        /^ {2}A: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, accuracy 1\.0000, /,
      );
      assertEquals(lines.slice(promoted + 2), [
        `     on the 2 rows of ${TOY.training.data} held out at training (SHA-256 ${
          TOY.training.sha256.slice(0, 12)
        }…)`,
        `     record: models/runs/${toy1}/promotion.json`,
        "  B: never promoted",
      ]);

      const same = await comparison(project, toy0, toy1);
      assert(same.includes("\nschema: same (target, classes and features)\n"), same);
      assertEquals(
        same.split("\n").find((l) => l.startsWith("accuracy")),
        `accuracy  ${TOY.metrics.accuracy.toFixed(4)}  ${TOY.metrics.accuracy.toFixed(4)}  +0.0000`,
      );
    },
  );

  await t.step("--compare --json prints one object", async () => {
    const out = await runs(project, "--compare", "--json", iris, "latest");
    assertEquals(out.code, 0, out.stderr);
    const c = JSON.parse(out.stdout);
    assertEquals([c.a.id, c.a.latest, c.b.id, c.b.latest], [iris, false, toy1, true]);
    assertEquals(c.a.promotion, null);
    assertEquals(c.b.promotion.record, `models/runs/${toy1}/promotion.json`);
    assertEquals(c.b.promotion.data.kind, "held-out");
    assertAlmostEquals(c.metrics.accuracy.delta, TOY.metrics.accuracy - IRIS.metrics.accuracy);
    assertEquals(c.settings.dataSha256, { a: IRIS.training.sha256, b: TOY.training.sha256 });
    assertEquals(c.schemaChanges.length, 3);
    assertEquals(c.perClass.map((p: { label: string }) => p.label), [
      "setosa",
      "versicolor",
      "virginica",
      "0",
      "1",
    ]);
  });

  await t.step("an unknown run id exits 2 naming the closest ids", async () => {
    const out = await runs(project, "--compare", "latest", "toy-20260101T0001");
    assertEquals([out.code, out.stdout], [2, ""]);
    assertEquals(
      out.stderr,
      `error: Unknown run "toy-20260101T0001": no such run in models/runs (closest: ${toy1}); list them with: deno task runs\n`,
    );
  });

  await t.step("bad flags exit 2 with one line", async () => {
    const cases: Array<[string[], string]> = [
      [["--bogus"], "error: Cannot parse flags: Unknown option '--bogus' (see --help)\n"],
      [
        ["--compare", "latest"],
        "error: Invalid --compare: expected two runs, A and B (run ids or latest), got 1 (see --help)\n",
      ],
      [
        [toy1],
        `error: Invalid arguments: unexpected "${toy1}" (to compare two runs: --compare A B) (see --help)\n`,
      ],
      [
        ["--compare", "--name", "toy", toy0, toy1],
        "error: Invalid --name: lists runs, not with --compare (see --help)\n",
      ],
    ];
    const [first, ...rest] = cases;
    const out = await runs(project, ...first![0]);
    assertEquals([out.code, out.stdout, out.stderr], [2, "", first![1]]);
    // the rest fail on the flags alone, before the registry is read: in this process
    for (const [args, stderr] of rest) {
      const out = await runMain(main, args);
      assertEquals([out.code, out.stdout, out.stderr], [2, "", stderr], args.join(" "));
    }
  });
});

Deno.test("deno task runs with no runs prints an empty table and the hint, exit 0", async () => {
  await using project = await makeProject();
  const out = await runs(project);
  assertEquals([out.code, out.stderr], [0, ""]);
  assertEquals(
    out.stdout,
    "   id  name  created (UTC)  data  rows  target  accuracy  f1  gate\nno runs yet: deno task train\n",
  );
  assertEquals(await history(project), []);
});

Deno.test("the runs task may only read models/", async () => {
  assertEquals(await taskFlags("runs"), ["--allow-read=models"]);
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assertEquals(config.tasks.runs.command, "deno run --allow-read=models runs.ts");
});

import { IRIS_CSV, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assertEquals } from "../_testing/assert.ts";
import type { ModelFile } from "../model/model.ts";
import type { Evaluation } from "./evaluations.ts";
import { runHistory } from "./history.ts";
import { EVALUATION_FILE, MANIFEST_FILE, MODEL_FILE } from "./layout.ts";
import { writeRun } from "./runs.ts";

const { file: TOY } = await trainOn(TOY_CSV);
const { file: IRIS } = await trainOn(IRIS_CSV);

/** `file` as if trained `minute` minutes past midnight, written as a run of `root`. */
async function run(root: string, file: ModelFile, minute: number): Promise<string> {
  const createdAt = new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  const dir = await writeRun({ ...file, createdAt }, { root });
  return dir.slice(dir.lastIndexOf("/") + 1);
}

/** A gate record with verdict `passed`, written as the run's newest evaluation. */
async function evaluated(root: string, id: string, passed: boolean): Promise<void> {
  const record: Evaluation = {
    evaluatedAt: "2026-01-02T00:00:00.000Z",
    model: `${root}/runs/${id}`,
    runId: id,
    data: { kind: "held-out", path: "data/toy.csv", sha256: null, rows: 2 },
    thresholds: { accuracy: 0.7, f1: 0.7 },
    maxRegression: null,
    baseline: null,
    accuracy: passed ? 1 : 0.5,
    f1: passed ? 1 : 0.5,
    metrics: null,
    passed,
    failures: passed ? [] : ["accuracy 0.5 < 0.7"],
    promoted: false,
  };
  await Deno.writeTextFile(`${root}/runs/${id}/${EVALUATION_FILE}`, JSON.stringify(record));
}

async function registry(): Promise<{ root: string } & AsyncDisposable> {
  const root = await Deno.makeTempDir({ prefix: "mvd-history-" });
  return { root, [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }) };
}

Deno.test("runHistory() lists runs newest first, with latest marked and the newest verdict", async () => {
  await using r = await registry();
  const toy0 = await run(r.root, TOY, 0);
  const toy1 = await run(r.root, TOY, 1);
  const iris = await run(r.root, IRIS, 2);
  await evaluated(r.root, toy1, true);
  await evaluated(r.root, iris, false);
  await Deno.symlink(`runs/${toy1}`, `${r.root}/latest`);
  const runs = await runHistory(r);
  assertEquals(runs.map((s) => [s.id, s.latest, s.passed]), [
    [iris, false, false],
    [toy1, true, true],
    [toy0, false, null],
  ]);
  assertEquals(runs[1], {
    id: toy1,
    name: "toy",
    created: "2026-01-01T00:01:00.000Z",
    data: "toy.csv",
    rows: TOY.training.rows,
    target: "label",
    accuracy: TOY.metrics.accuracy,
    f1: TOY.metrics.f1,
    passed: true,
    latest: true,
    problem: null,
  });
  assertEquals([runs[0]!.name, runs[0]!.data, runs[0]!.rows], ["iris", "iris.csv", 150]);
});

Deno.test("runHistory() filters by name, a run from before names by its model.json's", async () => {
  await using r = await registry();
  const toy = await run(r.root, TOY, 0);
  const iris = await run(r.root, IRIS, 1);
  // a run id without a name part, as written before names
  const old = "20251231T000000000Z-0badc0de";
  await writeRun({ ...TOY, name: "mvd-logistic-regression" }, { out: `${r.root}/runs/${old}` });
  assertEquals((await runHistory(r)).map((s) => [s.id, s.name]), [
    [iris, "iris"],
    [toy, "toy"],
    [old, "mvd-logistic-regression"],
  ]);
  assertEquals((await runHistory({ ...r, name: "toy" })).map((s) => s.id), [toy]);
  const named = await runHistory({ ...r, name: "mvd-logistic-regression" });
  assertEquals(named.map((s) => [s.id, s.problem]), [[old, null]]);
  assertEquals(await runHistory({ ...r, name: "penguins" }), []);
});

Deno.test("runHistory() lists a tampered, corrupt or unsealed run with a note, and the rest as usual", async () => {
  await using r = await registry();
  const tampered = await run(r.root, TOY, 0);
  const malformed = await run(r.root, TOY, 1);
  const unsealed = await run(r.root, TOY, 2);
  const fine = await run(r.root, TOY, 3);
  await Deno.writeTextFile(`${r.root}/runs/${tampered}/${MODEL_FILE}`, "{");
  await Deno.writeTextFile(`${r.root}/runs/${malformed}/${MANIFEST_FILE}`, '{"runId": 1}');
  await Deno.remove(`${r.root}/runs/${unsealed}/${MANIFEST_FILE}`);
  // a corrupt report only means no verdict
  await Deno.writeTextFile(`${r.root}/runs/${fine}/${EVALUATION_FILE}`, "not json");
  const runs = await runHistory(r);
  assertEquals(runs.map((s) => [s.id, s.name, s.problem]), [
    [fine, "toy", null],
    [unsealed, "toy", "not sealed: no manifest.json (was training interrupted?)"],
    [malformed, "toy", "manifest.json is malformed"],
    [tampered, "toy", "model.json does not match its checksum in manifest.json"],
  ]);
  assertEquals([runs[0]!.passed, runs[0]!.accuracy], [null, TOY.metrics.accuracy]);
  assertEquals([runs[1]!.accuracy, runs[1]!.created, runs[1]!.passed], [null, null, null]);
});

Deno.test("runHistory() of a registry with no runs, or none at all, is empty", async () => {
  await using r = await registry();
  assertEquals(await runHistory(r), []);
  assertEquals(await runHistory({ root: `${r.root}/nowhere` }), []);
});

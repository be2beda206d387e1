// Crash safety of promotion (issue 7: "kill promotion mid-way: latest is the
// old model or the new one, whole"): run evaluate.ts (with the evaluate
// task's own flags) promoting the run latest does not point to, and SIGKILL
// it at random moments: anywhere in the run, and around the rename that
// switches models/latest. Every time, latest is a symlink to exactly the old
// run or the new one, whose manifest verifies and whose model.json is byte
// for byte that run's and predicts as it does; a temporary symlink left by a
// kill is never taken for latest. Afterwards evaluate and serve still work.
// KILL_RUNS sets the number of kills (`deno task kill-promote` runs many).
import { assert, assertEquals, assertMatch } from "../lib/_testing/assert.ts";
import { readDataset } from "../lib/data/dataset.ts";
import { loadModel } from "../lib/registry/artifacts.ts";
import { type Model, modelVersion } from "../lib/model/model.ts";
import { MODEL_FILE } from "../lib/registry/layout.ts";
import { latestRunId, listRuns } from "../lib/registry/runs.ts";
import { verifyRun } from "../lib/registry/seal.ts";
import { LOCK_FILE } from "../lib/registry/lock.ts";
import { promoteRun } from "../lib/registry/promote.ts";
import { fuzzRuns } from "./_fuzz.ts";
import { killNow, makeProject, type Project, taskFlags, watchUntil } from "./_project.ts";
import { startServer } from "./_server.ts";

const KILLS = fuzzRuns(8, 1, "KILL_RUNS");
/** What promotion leaves in models/ besides latest and runs: a link a kill stranded. */
const STRANDED = /^\.latest\.[0-9a-f]{8}\.tmp$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the time (ms after `t0`) at which latest stops pointing at `from`, or a temporary link shows. */
async function switching(models: string, from: string, t0: number, stop: Promise<unknown>) {
  const switched = async () => {
    try {
      if (await Deno.readLink(`${models}/latest`) !== from) return true;
      for await (const e of Deno.readDir(models)) if (STRANDED.test(e.name)) return true;
      return false;
    } catch {
      // latest missing: what a non-atomic promotion would show; the checks below catch it
      return true;
    }
  };
  return await watchUntil(models, switched, stop) ? performance.now() - t0 : null;
}

/** A project with two different runs trained on iris (seeds 7 and 3), neither promoted. */
function withTwoRuns(): Promise<Project> {
  return makeProject({
    setup: ["7", "3"].map((
      seed,
    ) => ["task", "-q", "train", "--data", "data/iris.csv", "--seed", seed]),
  });
}

Deno.test(`SIGKILL during promotion leaves latest the old run or the new one, whole (${KILLS} kills)`, async () => {
  await using project = await withTwoRuns();
  const models = `${project.dir}/models`;
  const ids = await listRuns({ root: models });
  assertEquals(ids.length, 2);
  const runs = ids.map((id) => `runs/${id}`);

  const flags = await taskFlags("evaluate");
  const evaluate = (id: string) =>
    new Deno.Command("deno", {
      args: ["run", ...flags, "evaluate.ts", "--model", id, "--promote"],
      cwd: project.dir,
      stdout: "null",
      stderr: "null",
    }).spawn();
  /** The run latest does not point to: the candidate. */
  const other = async () => ids[await Deno.readLink(`${models}/latest`) === runs[0] ? 1 : 0]!;

  // what each run is: its bytes and its predictions on every iris row
  const data = await readDataset(`${project.dir}/data/iris.csv`);
  const rows = Array.from(
    { length: data.rows },
    (_, i) => Object.fromEntries(data.columns.map((c) => [c.name, c.values[i] as number])),
  );
  const predictions = (m: Model) => m.predictRows(rows);
  const bytes = await Promise.all(runs.map((r) => Deno.readFile(`${models}/${r}/${MODEL_FILE}`)));
  const expected = await Promise.all(
    runs.map(async (r) => predictions(await loadModel(`${models}/${r}`))),
  );
  assert(JSON.stringify(expected[0]) !== JSON.stringify(expected[1]), "the runs predict alike");

  const first = await project.deno(["task", "-q", "evaluate", "--model", ids[0]!, "--promote"]);
  assertEquals(first.code, 0, first.stderr);

  // calibration: whole promotions, timing the whole run and the switch of latest
  let total = 0;
  let switchAt = 0;
  for (let i = 0; i < 2; i++) {
    const from = await Deno.readLink(`${models}/latest`);
    const t0 = performance.now();
    const child = evaluate(await other());
    const seen = switching(models, from, t0, child.status);
    assertEquals((await child.status).code, 0);
    total = Math.max(total, performance.now() - t0);
    switchAt = Math.max(switchAt, (await seen) ?? 0);
  }
  assert(switchAt > 0, "calibration saw no switch of latest");

  const tally = { killed: 0, completed: 0, old: 0, new: 0 };
  const stranded = new Set<string>();
  for (let run = 0; run < KILLS; run++) {
    const from = await Deno.readLink(`${models}/latest`);
    const candidate = await other();
    const t0 = performance.now();
    const child = evaluate(candidate);
    let when: string;
    if (run % 3 === 0) {
      // anywhere in the run, start to finish
      const delay = Math.random() * total * 1.1;
      when = `after ${delay.toFixed(0)} ms`;
      await Promise.race([child.status, sleep(delay)]);
    } else if (run % 3 === 1) {
      // around the switch, as calibration timed it
      const delay = Math.max(0, switchAt - 40 + Math.random() * 50);
      when = `after ${delay.toFixed(0)} ms (switch seen at ${switchAt.toFixed(0)})`;
      await Promise.race([child.status, sleep(delay)]);
    } else {
      // as soon as the switch shows: a temporary link made, or latest renamed
      const seen = await switching(models, from, t0, child.status);
      when = `${seen?.toFixed(1)} ms, as the switch showed`;
    }
    const status = await killNow(child);
    if (status.success) tally.completed++;
    else tally.killed++;
    const where = `kill ${run}, ${when} (${status.signal ?? `exit ${status.code}`})`;

    // latest is a symlink to the old run or the new one, never anything else
    const info = await Deno.lstat(`${models}/latest`).catch(() => null);
    assert(info?.isSymlink, `${where}: latest is ${info ? "not a symlink" : "missing"}`);
    const target = await Deno.readLink(`${models}/latest`);
    assert(target === from || target === `runs/${candidate}`, `${where}: latest -> ${target}`);
    if (target === from) tally.old++;
    else tally.new++;
    // and whole: sealed, byte for byte that run's, predicting as it does
    const which = runs.indexOf(target);
    await verifyRun(`${models}/latest`);
    assertEquals(await Deno.readFile(`${models}/latest/${MODEL_FILE}`), bytes[which], where);
    assertEquals(predictions(await loadModel(`${models}/latest`)), expected[which], where);
    assertEquals(await latestRunId({ root: models }), ids[which], where);
    // a link a kill stranded is hidden, named for pruning, and not latest
    for await (const e of Deno.readDir(models)) {
      if (["latest", "runs", LOCK_FILE].includes(e.name)) continue;
      assertMatch(e.name, STRANDED, `${where}: unexpected ${e.name} in models/`);
      stranded.add(e.name);
    }
    assertEquals(await listRuns({ root: models }), ids, where);
  }
  assert(tally.killed > 0, `no evaluate was killed: ${JSON.stringify(tally)}`);

  // the next evaluate promotes, and serve serves what latest points to
  const next = await other();
  const gate = await project.deno(["task", "-q", "evaluate", "--model", next, "--promote"]);
  assertEquals(gate.code, 0, gate.stderr);
  assertEquals(await latestRunId({ root: models }), next);
  await using server = await startServer(project.dir, { env: { WATCH_MODEL: "false" } });
  const served = (await (await fetch(`${server.base}/model`)).json()).version;
  assertEquals(served, await modelVersion((await loadModel(`${models}/runs/${next}`)).file));
  console.log(JSON.stringify({
    kills: KILLS,
    evaluateMs: Math.round(total),
    switchMs: Math.round(switchAt),
    ...tally,
    stranded: stranded.size,
  }));
});

Deno.test("evaluate stopped at each step of promoting leaves latest the old run or the new one", async () => {
  await using project = await withTwoRuns();
  const models = `${project.dir}/models`;
  const [old, candidate] = await listRuns({ root: models }) as [string, string];
  const bytes = {
    [old]: await Deno.readFile(`${models}/runs/${old}/${MODEL_FILE}`),
    [candidate]: await Deno.readFile(`${models}/runs/${candidate}/${MODEL_FILE}`),
  };
  const flags = await taskFlags("evaluate");
  const crash = (n: number, when: string) =>
    project.deno([
      "run",
      ...flags,
      "tests/_crash.ts",
      "evaluate.ts",
      String(n),
      when,
      "--model",
      candidate,
      "--promote",
    ]);
  // back to the old run, in-process: what is under test is the crashed evaluate
  const reset = () => promoteRun(`${models}/runs/${old}`, { root: models, keep: 10 });
  await reset();
  const clean = await crash(0, "never");
  assertEquals(clean.code, 0, clean.stderr);
  const ops: Array<[string, string]> = JSON.parse(/ops: (.*)/.exec(clean.stderr)?.[1] ?? "[]");
  // the first step that touches latest is where it switches
  const commit = ops.findIndex(([, name]) => name === "latest") + 1;
  assert(commit > 0, `latest is never touched: ${JSON.stringify(ops)}`);
  const seen = { old: 0, new: 0 };
  // Between two steps evaluate only writes temporary files into the
  // candidate's directory, which latest does not show before the switch, and
  // the switch is the last step: stopped before step n + 1, the registry is
  // as stopped after step n. So it stops before the first step, after each
  // step, and before the switch, the one step that matters on both sides.
  assertEquals(commit, ops.length, `the switch is not the last step: ${JSON.stringify(ops)}`);
  const stops: Array<[number, string]> = [[1, "before"]];
  for (let n = 1; n <= ops.length; n++) {
    if (n === commit && n > 1) stops.push([n, "before"]);
    stops.push([n, "after"]);
  }
  for (const [n, when] of stops) {
    await reset();
    const out = await crash(n, when);
    const where = `stopped ${when} step ${n} of ${JSON.stringify(ops)}`;
    assertEquals(out.code, 137, `${where}: ${out.stderr}`);
    const info = await Deno.lstat(`${models}/latest`).catch(() => null);
    assert(info?.isSymlink, `${where}: latest is ${info ? "not a symlink" : "missing"}`);
    const id = await latestRunId({ root: models });
    const switched = n > commit || (n === commit && when === "after");
    assertEquals(id, switched ? candidate : old, where);
    seen[switched ? "new" : "old"]++;
    await verifyRun(`${models}/latest`);
    assertEquals(await Deno.readFile(`${models}/latest/${MODEL_FILE}`), bytes[id!], where);
    for await (const e of Deno.readDir(models)) {
      if (!["latest", "runs", LOCK_FILE].includes(e.name)) assertMatch(e.name, STRANDED, where);
    }
  }
  // and that step is the one rename of a temporary link made just before
  assertEquals(ops[commit - 1]?.[0], "rename", JSON.stringify(ops));
  assertEquals(ops[commit - 2]?.[0], "symlink", JSON.stringify(ops));
  assertMatch(ops[commit - 2]?.[1] ?? "", STRANDED, JSON.stringify(ops));
  console.log(`${ops.length} steps: ${JSON.stringify(ops)}; ${JSON.stringify(seen)}`);
});

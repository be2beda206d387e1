// Crash safety: SIGKILL train.ts (run with the train task's own flags) at
// random moments while a promoted model is being served. Every time,
// models/latest still points at the same run, whose model.json is byte for
// byte what it was and predicts exactly as before; every run left visible
// under models/runs/ is whole (its manifest verifies) and equals a reference
// run; anything half-written is hidden and refused by promotion.
// KILL_RUNS sets the number of kills (`deno task kill-loop` runs many).
import { assert, assertEquals, assertRejects } from "../lib/_testing/assert.ts";
import { METRICS_FILE } from "../lib/registry/layout.ts";
import { readDataset } from "../lib/data/dataset.ts";
import { InputError } from "../lib/core/errors.ts";
import { loadModel } from "../lib/registry/artifacts.ts";
import type { Model } from "../lib/model/model.ts";
import { MODEL_FILE } from "../lib/registry/layout.ts";
import { promote } from "../lib/registry/promote.ts";
import { verifyRun } from "../lib/registry/seal.ts";
import { killNow, makeProject, taskFlags, watchUntil } from "./_project.ts";
import { fuzzRuns } from "./_fuzz.ts";

const KILLS = fuzzRuns(6, 1, "KILL_RUNS");
const TRAIN = ["--data", "data/iris.csv", "--seed", "3"];

/** The model without the fields that change from run to run. */
function stable(model: Model): unknown {
  const { createdAt: _, runId: __, ...rest } = model.file;
  return rest;
}

/** Resolves once a hidden (partial) entry appears in `dir`, or `stop` settles. */
async function writing(dir: string, stop: Promise<unknown>): Promise<void> {
  const hidden = async () => {
    for await (const entry of Deno.readDir(dir)) if (entry.name.startsWith(".")) return true;
    return false;
  };
  await watchUntil(dir, hidden, stop);
}

Deno.test(`SIGKILL during train.ts never disturbs models/latest (${KILLS} kills)`, async () => {
  await using project = await makeProject();
  const models = `${project.dir}/models`;
  // the model being served: another seed, so a new run can never equal it
  await project.trainAndPromote(["--data", "data/iris.csv", "--seed", "7"]);
  const servedTarget = await Deno.readLink(`${models}/latest`);
  const servedBytes = await Deno.readFile(`${models}/latest/${MODEL_FILE}`);
  const served = await loadModel(`${models}/latest`);

  const flags = await taskFlags("train");
  const train = () =>
    new Deno.Command("deno", {
      args: ["run", ...flags, "train.ts", ...TRAIN],
      cwd: project.dir,
      stdout: "null",
      stderr: "null",
    }).spawn();
  // the reference: what a whole run of the same training writes
  const started = performance.now();
  assertEquals((await train().status).code, 0);
  const fullRun = performance.now() - started;
  const runIds = async () => {
    const ids = [];
    for await (const e of Deno.readDir(`${models}/runs`)) {
      if (!e.name.startsWith(".")) ids.push(e.name);
    }
    return ids.sort();
  };
  const reference = await loadModel(`${models}/runs/${(await runIds()).at(-1)}`);

  const data = await readDataset(`${project.dir}/data/iris.csv`);
  const rows = Array.from(
    { length: data.rows },
    (_, i) => Object.fromEntries(data.columns.map((c) => [c.name, c.values[i] as number])),
  );
  const predictions = (m: Model) => m.predictRows(rows);
  const servedPredictions = predictions(served);

  const tally = { killed: 0, completed: 0, runs: 0, partialRefused: 0 };
  for (let run = 0; run < KILLS; run++) {
    const child = train();
    let when: string;
    if (run % 2 === 0) {
      const delay = fullRun * (0.2 + Math.random() * 1.2);
      when = `after ${delay.toFixed(0)} ms`;
      await Promise.race([child.status, new Promise((r) => setTimeout(r, delay))]);
    } else {
      const extra = Math.random() * 20;
      when = `${extra.toFixed(1)} ms after its partial run appeared`;
      await writing(`${models}/runs`, child.status);
      await new Promise((r) => setTimeout(r, extra));
    }
    const status = await killNow(child);
    if (status.success) tally.completed++;
    else tally.killed++;
    const where = `kill ${run}, ${when} (${status.signal ?? `exit ${status.code}`})`;

    // what is served has not moved, not changed and predicts as before
    assertEquals(await Deno.readLink(`${models}/latest`), servedTarget, where);
    assertEquals(await Deno.readFile(`${models}/latest/${MODEL_FILE}`), servedBytes, where);
    assertEquals(predictions(await loadModel(`${models}/latest`)), servedPredictions, where);

    for await (const entry of Deno.readDir(`${models}/runs`)) {
      const dir = `${models}/runs/${entry.name}`;
      if (entry.name.startsWith(".")) {
        await assertRejects(() => promote(dir, { root: models }), InputError, "it is not a run");
        tally.partialRefused++;
      } else if (`runs/${entry.name}` !== servedTarget) {
        await verifyRun(dir);
        const model = await loadModel(dir);
        assertEquals(
          stable(model),
          stable(reference),
          `${where}: ${entry.name} is not the reference`,
        );
        assertEquals(predictions(model), predictions(reference), where);
      }
    }
  }
  tally.runs = (await runIds()).length;
  assert(tally.killed > 0, `no run was killed: ${JSON.stringify(tally)}`);
  console.log(JSON.stringify({ kills: KILLS, fullRunMs: Math.round(fullRun), ...tally }));
});

Deno.test("evaluate gates model.json on its own scores, and promotion refuses a tampered run", async () => {
  // regression (issue 7 kill loop): a kill between writing metrics.json and
  // model.json once left another run's scores beside a model, and the gate read them
  await using project = await makeProject();
  assertEquals((await project.deno(["task", "-q", "train", "--out", "models/x"])).code, 0);
  await Deno.writeTextFile(`${project.dir}/models/x/${METRICS_FILE}`, '{"accuracy":0,"f1":0}\n');
  const gate = await project.deno(["task", "-q", "evaluate", "--model", "models/x", "--json"]);
  assertEquals(gate.code, 0, gate.stderr);
  assertEquals(JSON.parse(gate.stdout).accuracy, 1);
  const promoted = await project.deno([
    "task",
    "-q",
    "evaluate",
    "--model",
    "models/x",
    "--promote",
  ]);
  assertEquals(promoted.code, 2);
  assertEquals(
    promoted.stderr,
    'error: Cannot promote "models/x": metrics.json does not match its checksum in manifest.json\n',
  );
});

// Crash safety: SIGKILL train.ts (run with the train task's own flags) at
// random moments, mostly near the end where it writes. Every time, the model
// directory has no model.json or a whole one that predicts exactly as a
// reference — and a model that was there before is still whole, and
// `evaluate` gates the model.json it finds on that model's own scores.
// KILL_RUNS sets the number of kills (`deno task kill-loop` runs many).
import { assert, assertEquals } from "../lib/assert.ts";
import { METRICS_FILE } from "../lib/artifacts.ts";
import { readDataset } from "../lib/dataset.ts";
import { loadModel, type Model, MODEL_FILE } from "../lib/model.ts";
import { makeProject, taskFlags } from "./_project.ts";
import { fuzzRuns } from "./_fuzz.ts";

const KILLS = fuzzRuns(10, 1, "KILL_RUNS");
const TRAIN = ["--data", "data/iris.csv", "--iterations", "300", "--learning-rate", "0.01"];

/** The model without the fields that change from run to run. */
function stable(model: Model): unknown {
  const { createdAt: _, ...rest } = model.file;
  return rest;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Resolves once a temporary file appears in `dir`. */
async function writing(dir: string): Promise<void> {
  while (true) {
    try {
      for await (const entry of Deno.readDir(dir)) if (entry.name.endsWith(".tmp")) return;
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Resolves once the file at `path` no longer reads `before`. */
async function changed(path: string, before: string): Promise<void> {
  while ((await Deno.readTextFile(path).catch(() => before)) === before) {
    await new Promise((r) => setTimeout(r, 0));
  }
}

Deno.test(`SIGKILL during train.ts never leaves a broken model (${KILLS} kills)`, async () => {
  await using project = await makeProject();
  const flags = await taskFlags("train");
  const train = (out: string, extra: string[] = []) =>
    new Deno.Command("deno", {
      args: ["run", ...flags, "train.ts", ...TRAIN, ...extra, "--out", out],
      cwd: project.dir,
      stdout: "null",
      stderr: "null",
    }).spawn();

  // references: the model a whole run writes, and an older one (another seed, fewer steps)
  const started = performance.now();
  assertEquals((await train("models/new").status).code, 0);
  assertEquals((await train("models/old", ["--seed", "7", "--iterations", "5"]).status).code, 0);
  const fullRun = (performance.now() - started) / 2;
  const fresh = await loadModel(`${project.dir}/models/new`);
  const old = await loadModel(`${project.dir}/models/old`);
  const data = await readDataset(`${project.dir}/data/iris.csv`);
  const rows = Array.from(
    { length: data.rows },
    (_, i) => Object.fromEntries(data.columns.map((c) => [c.name, c.values[i] as number])),
  );
  const predicted = (m: Model) => m.predictRows(rows);

  const tally = { absent: 0, old: 0, new: 0, completed: 0, leftoverTemp: 0 };
  for (let run = 0; run < KILLS; run++) {
    const dir = `models/k${run}`;
    const withPrevious = run % 2 === 1;
    if (withPrevious) {
      await Deno.mkdir(`${project.dir}/${dir}`, { recursive: true });
      for (const name of [MODEL_FILE, METRICS_FILE]) {
        await Deno.copyFile(`${project.dir}/models/old/${name}`, `${project.dir}/${dir}/${name}`);
      }
    }
    const child = train(dir);
    let when: string;
    if (run % 4 < 2) {
      // half the kills at a random moment of the whole run
      const delay = fullRun * (0.2 + Math.random() * 1.2);
      when = `after ${delay.toFixed(0)} ms`;
      await Promise.race([child.status, new Promise((r) => setTimeout(r, delay))]);
    } else if (withPrevious && run % 4 === 3) {
      // between files: the moment metrics.json has been replaced
      when = "as soon as metrics.json changed";
      const before = await Deno.readTextFile(`${project.dir}/${dir}/${METRICS_FILE}`);
      await Promise.race([child.status, changed(`${project.dir}/${dir}/${METRICS_FILE}`, before)]);
    } else {
      // while the files are written: as soon as a temporary file shows, plus 0–20 ms
      const extra = Math.random() * 20;
      when = `${extra.toFixed(1)} ms after the first temporary file`;
      await Promise.race([child.status, writing(`${project.dir}/${dir}`)]);
      await new Promise((r) => setTimeout(r, extra));
    }
    try {
      child.kill("SIGKILL");
    } catch {
      // it had already finished
    }
    const status = await child.status;
    if (status.success) tally.completed++;
    const where = `run ${run}, killed ${when} (${status.signal ?? `exit ${status.code}`})`;

    const path = `${project.dir}/${dir}`;
    if (!(await exists(`${path}/${MODEL_FILE}`))) {
      assert(!withPrevious, `${where}: the previous model.json is gone`);
      tally.absent++;
      continue;
    }
    const model = await loadModel(path); // throws if it is not whole
    const same = stable(model);
    if (withPrevious && JSON.stringify(same) === JSON.stringify(stable(old))) {
      assertEquals(predicted(model), predicted(old), where);
      tally.old++;
    } else {
      assertEquals(same, stable(fresh), `${where}: model.json is neither the old nor the new one`);
      assertEquals(predicted(model), predicted(fresh), where);
      tally.new++;
    }
    // the gate judges the model.json that is there by its own scores
    const gate = await project.deno([
      "run",
      "--allow-read",
      "evaluate.ts",
      "--model",
      dir,
      "--json",
    ]);
    const report = JSON.parse(gate.stdout);
    assertEquals(
      { accuracy: report.accuracy, f1: report.f1 },
      model.file.metrics,
      `${where}: evaluate gated model.json on other scores`,
    );
    for await (const entry of Deno.readDir(path)) {
      if (entry.name.endsWith(".tmp")) tally.leftoverTemp++;
    }
  }
  console.log(JSON.stringify({ kills: KILLS, fullRunMs: Math.round(fullRun), ...tally }));
});

Deno.test("evaluate gates model.json on its own scores, whatever metrics.json says", async () => {
  // regression (issue 7 kill loop): a kill between writing metrics.json and
  // model.json left the new run's scores beside the old model, and the gate read them
  await using project = await makeProject();
  assertEquals((await project.deno(["task", "-q", "train"])).code, 0);
  await Deno.writeTextFile(
    `${project.dir}/models/latest/${METRICS_FILE}`,
    '{"accuracy":0,"f1":0}\n',
  );
  const gate = await project.deno(["task", "-q", "evaluate", "--json"]);
  assertEquals(gate.code, 0, gate.stderr);
  assertEquals(JSON.parse(gate.stdout).accuracy, 1);
});

// `deno task predict` as a user runs it: CSV on stdout, --out whole or untouched,
// and no write access unless the user grants it for --out's folder.
import { assert, assertEquals } from "../lib/_testing/assert.ts";
import { Registry } from "prom-client";
import { LBFGS, messyModel, TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { readDataset } from "../lib/data/dataset.ts";
import { createApp } from "../lib/http/app.ts";
import { ModelHolder, serveModel } from "../lib/http/holder.ts";
import { Model } from "../lib/model/model.ts";
import { promoteRun } from "../lib/registry/promote.ts";
import { trainModel } from "../lib/model/training.ts";
import { inferIn, makeProject, promoteNewest, taskFlags, writeRunAt } from "./_project.ts";

const { file: TOY } = await trainOn(TOY_CSV);

/** A project whose `models/latest` is the toy model, trained and promoted in this process. */
async function trainedProject() {
  const project = await makeProject();
  await writeRunAt(project, TOY, 0);
  await promoteNewest(project);
  return project;
}

Deno.test("predict scores to stdout read-only, and writes --out whole only where granted", async () => {
  // the task reads; writing --out needs a grant for its folder (Deno asks on a terminal)
  assertEquals(await taskFlags("predict"), ["--allow-read"]);
  await using project = await trainedProject();
  const dir = project.dir;
  await Deno.writeTextFile(`${dir}/rows.csv`, "key,f1,f2\nk1,1,0\nk2,0,1\n");

  const stdout = await project.deno(["task", "-q", "predict", "--data", "rows.csv", "--id", "key"]);
  assertEquals(stdout.code, 0, stdout.stderr);
  const lines = stdout.stdout.trimEnd().split("\n");
  assertEquals(lines.map((l) => l.split(",").slice(0, 2).join(",")), [
    "key,prediction",
    "k1,1",
    "k2,0",
  ]);
  assertEquals(stdout.stderr, "");

  const denied = await project.deno([
    "task",
    "-q",
    "predict",
    "--data",
    "rows.csv",
    "--out",
    "o.csv",
  ]);
  assertEquals(denied.code, 2);
  assertEquals(
    denied.stderr,
    'error: Cannot write "o.csv": no write access to its folder "."; grant it with `deno run --allow-read --allow-write=. predict.ts …`, or leave out --out and redirect stdout\n',
  );

  await Deno.mkdir(`${dir}/scored`);
  await Deno.writeTextFile(`${dir}/scored/out.csv`, "old\n");
  await Deno.writeTextFile(`${dir}/bad.csv`, "f1,f2\n1,0\n0,zero\n");
  const granted = ["run", "--allow-read", "--allow-write=scored", "predict.ts"];
  const bad = await project.deno([...granted, "--data", "bad.csv", "--out", "scored/out.csv"]);
  assertEquals(bad, {
    code: 2,
    stdout: "",
    stderr: 'error: Cannot score "bad.csv": line 3, column 2 ("f2"): expected number, got "zero"\n',
  });
  assertEquals(await Deno.readTextFile(`${dir}/scored/out.csv`), "old\n");
  assertEquals([...Deno.readDirSync(`${dir}/scored`)].map((e) => e.name), ["out.csv"]);

  const good = await project.deno([
    ...granted,
    ...["--data", "rows.csv", "--id", "key", "--out", "scored/out.csv"],
  ]);
  assertEquals(good.code, 0, good.stderr);
  assertEquals(good.stdout, "");
  const written = await Deno.readTextFile(`${dir}/scored/out.csv`);
  assert(written.startsWith("key,prediction,p_0,p_1\nk1,1,"), written);
  assertEquals(written.split("\n").length, 4);
});

Deno.test("infer.ts --proba prints labels with probabilities and --explain adds explanations; the default stays labels", async () => {
  await using project = await trainedProject();
  const rows = '[{"f1":1,"f2":0},{"f1":0,"f2":1}]';
  // the default through infer.ts's main in this process; each flag through the process
  assertEquals((await (await inferIn(project))(rows)).stdout, "[1,0]\n");
  const proba = await project.deno(["run", "infer.ts", "--proba"], '{"f1":1,"f2":0}');
  assertEquals(proba.code, 0, proba.stderr);
  const one = JSON.parse(proba.stdout);
  assertEquals(Object.keys(one), ["prediction", "probabilities"]);
  assertEquals(one.prediction, 1);
  assert(one.probabilities["1"] > one.probabilities["0"]);
  const explained = await project.deno(["run", "infer.ts", "--explain"], rows);
  assertEquals(explained.code, 0, explained.stderr);
  const answers = JSON.parse(explained.stdout);
  assertEquals(answers.map((a: { prediction: number }) => a.prediction), [1, 0]);
  for (const { explanation: e, probabilities } of answers) {
    const total = e.base + e.contributions.f1 + e.contributions.f2;
    assert(Math.abs(total - e.logit) < 1e-9, `${total} != ${e.logit}`);
    assert(Math.abs(1 / (1 + Math.exp(-e.logit)) - probabilities[String(e.class)]) < 1e-12);
  }
});

Deno.test("a thresholded model gives the same labels from POST /predict, infer.ts and predict", async () => {
  // label = f1 on the toy data; a cut-off of 0.8 on p(1) turns some rows the most probable class would call 1 into 0
  const data = await readDataset(TOY_CSV);
  const { file } = trainModel(data, { seed: 42, testSize: 0, solver: LBFGS, threshold: 0.8 });
  const model = new Model(file);
  const rows = Array.from({ length: 21 }, (_, i) => ({ f1: i / 20, f2: 1 - i / 20 }));
  const p = model.predictRows(rows);
  const labels = Array.from(p.classes, (k) => model.classes[k]);
  const argmax = rows.map((_, i) => p.probabilities[2 * i + 1]! > p.probabilities[2 * i]! ? 1 : 0);
  assert(
    labels.some((l, i) => l !== argmax[i]),
    "the threshold changes no label: the test could not fail",
  );

  const app = createApp({
    holder: new ModelHolder(await serveModel(model, "toy")),
    registry: new Registry(),
  });
  const post = (body: unknown) =>
    app.request("http://local/predict", {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
  const batch = await (await post(rows)).json();
  assertEquals(batch.predictions.map((a: { prediction: number }) => a.prediction), labels);
  // the single-row hot path too
  for (const [i, row] of rows.entries()) {
    assertEquals((await (await post(row)).json()).prediction, labels[i]);
  }

  await using project = await makeProject();
  const run = await writeRunAt(project, file, 0);
  // latest, for infer.ts's main in this process; predict runs as a process
  const root = `${project.dir}/models`;
  await promoteRun(`${root}/runs/${run}`, { root, keep: 1 });
  const infer = await (await inferIn(project))(JSON.stringify(rows));
  assertEquals(infer.code, 0, infer.stderr);
  assertEquals(JSON.parse(infer.stdout), labels);
  await Deno.writeTextFile(
    `${project.dir}/rows.csv`,
    ["f1,f2", ...rows.map((r) => `${r.f1},${r.f2}`)].join("\n") + "\n",
  );
  const scored = await project.deno(
    ["run", "--allow-read", "predict.ts", "--model", run, "--data", "rows.csv"],
  );
  assertEquals(scored.code, 0, scored.stderr);
  const lines = scored.stdout.trimEnd().split("\n").slice(1);
  assertEquals(lines.map((l) => Number(l.split(",")[0])), labels);
});

Deno.test("deno task predict reads a ';' file: an unseen category and unused columns each get one stderr line", async () => {
  const model = await messyModel();
  await using project = await makeProject();
  const run = await writeRunAt(project, model.file, 0);
  await Deno.writeTextFile(
    `${project.dir}/rows.csv`,
    "id;when;price;colour;x;label;note\n" +
      "a;2024-02-03;1,5;purple;2;hi;first\nb;2024-03-04;7,25;red;?;lo;\n",
  );
  const out = await project.deno(
    ["task", "-q", "predict", "--data", "rows.csv", "--model", run, "--id", "id"],
  );
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stderr.split("\n"), [
    'note: ignored 2 columns the model does not use: "label", "note"',
    'warning: 1 row with a value of "colour" not seen in training ("purple" ×1) counted as none of the known values ("blue", "green", "red")',
    "",
  ]);
  const expected = model.predictRows([
    { when: "2024-02-03", price: 1.5, colour: "purple", x: 2 },
    { when: "2024-03-04", price: 7.25, colour: "red", x: null },
  ]);
  const k = model.classes.length;
  assertEquals(
    out.stdout,
    [
      ["id", "prediction", ...model.classes.map((c) => `p_${c}`)],
      ...["a", "b"].map((id, i) => [
        id,
        String(model.classes[expected.classes[i]!]),
        ...Array.from(expected.probabilities.subarray(i * k, i * k + k), String),
      ]),
    ].map((r) => r.join(",")).join("\n") + "\n",
  );
});

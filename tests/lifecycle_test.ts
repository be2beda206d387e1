// Models over time, through the tasks: names, schema-safe promotion, pruning
// per name, evaluation history, and promotions racing each other.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../lib/_testing/assert.ts";
import { IRIS_CSV, TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { verifyRun } from "../lib/registry/seal.ts";
import { main as train } from "../train.ts";
import { evaluateIn, makeProject, type Project, runMain, writeRunAt } from "./_project.ts";
import { postJson, startServer } from "./_server.ts";

const { file: TOY } = await trainOn(TOY_CSV);
const { file: IRIS } = await trainOn(IRIS_CSV);

async function evaluate(project: Project, ...args: string[]) {
  return await project.deno(["task", "-q", "evaluate", ...args]);
}

/** A gate run only to get to a state: in this process (see evaluateIn). */
async function promote(project: Project, ...args: string[]): Promise<void> {
  const out = await evaluateIn(project, args);
  assertEquals(out.code, 0, out.stderr);
}

async function runsOf(project: Project): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of Deno.readDir(`${project.dir}/models/runs`)) ids.push(e.name);
  return ids.sort();
}

const latest = (project: Project) => Deno.readLink(`${project.dir}/models/latest`);

Deno.test("a run is named after its data file or --name, and the name starts its id", async () => {
  await using project = await makeProject();
  const iris = await project.deno(["task", "-q", "train", "--data", "data/iris.csv", "--quiet"]);
  assertMatch(iris.stderr, /^wrote run models\/runs\/iris-\d{8}T\d{9}Z-[0-9a-f]{8}\n$/);
  const named = await project.deno(["task", "-q", "train", "--name", "toy-v2", "--quiet"]);
  const id = /runs\/(\S+)/.exec(named.stderr)?.[1]!;
  assertMatch(id, /^toy-v2-\d{8}T\d{9}Z-[0-9a-f]{8}$/);
  const doc = JSON.parse(await Deno.readTextFile(`${project.dir}/models/runs/${id}/model.json`));
  assertEquals([doc.name, doc.runId], ["toy-v2", id]);
  // refused on the flags alone, before any file is read: in this process
  const bad = await runMain(train, ["--name", "Toy V2"]);
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "error: Invalid --name: expected 1 to 63 lower-case letters");
});

Deno.test("the gate refuses to promote a model whose schema differs from latest's, unless allowed", async () => {
  await using project = await makeProject();
  // the first promotion needs no override
  const toy = await writeRunAt(project, TOY, 0);
  await promote(project);
  assertEquals(await latest(project), `runs/${toy}`);

  const iris = await writeRunAt(project, IRIS, 1);
  const refused = await evaluate(project);
  assertEquals(refused.code, 1, refused.stderr);
  const gate = refused.stdout.split("\n").find((l) => l.startsWith("gate: failed:"))!;
  assertStringIncludes(gate, `schema differs from latest (${toy}): `);
  assertStringIncludes(gate, 'classes [0, 1] → ["setosa", "versicolor", "virginica"]');
  assertStringIncludes(gate, 'features added: "sepal_length_cm", "sepal_width_cm"');
  assertStringIncludes(gate, 'features removed: "f1", "f2"');
  assertStringIncludes(gate, "(to promote it anyway: --allow-schema-change)");
  assertEquals(await latest(project), `runs/${toy}`, "latest untouched");

  const allowed = await evaluate(project, "--allow-schema-change", "--json");
  assertEquals(allowed.code, 0, allowed.stderr);
  const record = JSON.parse(allowed.stdout);
  assertEquals([record.promoted, record.schemaChangeAllowed, record.schemaChanges.length], [
    true,
    true,
    3,
  ]);
  assertEquals(await latest(project), `runs/${iris}`);
  const md = await Deno.readTextFile(`${project.dir}/models/runs/${iris}/evaluation.md`);
  assertStringIncludes(md, "- Schema changed against latest (allowed by --allow-schema-change): ");
});

Deno.test("--keep counts runs of the promoted run's name and never deletes latest's", async () => {
  await using project = await makeProject();
  const iris = [await writeRunAt(project, IRIS, 0), await writeRunAt(project, IRIS, 1)];
  const toy = [
    await writeRunAt(project, TOY, 2),
    await writeRunAt(project, TOY, 3),
    await writeRunAt(project, TOY, 4),
  ];
  const out = await evaluate(project, "--model", toy[1]!, "--promote", "--keep", "1", "--json");
  assertEquals(out.code, 0, out.stderr);
  // the newest toy run is kept by the count, the promoted one as latest's; iris is untouched
  assertEquals(JSON.parse(out.stdout).pruned, [toy[0]]);
  assertEquals(await runsOf(project), [...iris, toy[1]!, toy[2]!].sort());
});

Deno.test("every evaluation is kept, and the one that promoted the run stays findable", async () => {
  await using project = await makeProject();
  const toy = await writeRunAt(project, TOY, 0);
  await promote(project);
  const dir = `${project.dir}/models/runs/${toy}`;
  const promotion = await Deno.readTextFile(`${dir}/promotion.json`);
  // score latest again, on other data: a new record, not an overwrite
  await Deno.writeTextFile(`${project.dir}/new.csv`, "f1,f2,label\n1,0,1\n0,1,0\n1,0,0\n");
  assertEquals((await evaluate(project, "--model", "latest", "--data", "new.csv")).code, 1);
  const kept = [];
  for await (const e of Deno.readDir(`${dir}/evaluations`)) kept.push(e.name);
  assertEquals(kept.filter((n) => n.endsWith(".json")).length, 2);
  assertEquals(kept.filter((n) => n.endsWith(".md")).length, 2);
  assertEquals(kept.filter((n) => n.endsWith(".svg")).length, 2);
  const records = await Promise.all(
    kept.filter((n) => n.endsWith(".json")).sort().map(async (n) =>
      JSON.parse(await Deno.readTextFile(`${dir}/evaluations/${n}`))
    ),
  );
  assertEquals(records.map((r) => [r.promoted, r.data.kind]), [[true, "held-out"], [
    false,
    "file",
  ]]);
  assertEquals(await Deno.readTextFile(`${dir}/promotion.json`), promotion);
  assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/evaluation.json`)).data.path, "new.csv");
  assertStringIncludes(
    await Deno.readTextFile(`${dir}/model_card.md`),
    "Promoted to `models/latest`",
  );
});

Deno.test("promotions racing with --keep 1 take turns: latest always verifies, losers say so", async () => {
  await using project = await makeProject();
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await writeRunAt(project, TOY, i));
  const outs = await Promise.all(
    ids.map((id) => evaluate(project, "--model", id, "--promote", "--keep", "1")),
  );
  const won = outs.filter((o) => o.code === 0);
  assert(won.length >= 1, outs.map((o) => o.stderr).join(""));
  for (const lost of outs.filter((o) => o.code !== 0)) {
    // pruned while it waited, or before it even looked its run up
    assertMatch(
      `${lost.code} ${lost.stderr}`,
      /^(1 error: Cannot promote "models\/runs\/[^"]+": another promotion pruned it first \(keep more runs with --keep\)|2 error: Unknown run "[^"]+": no such run in models\/runs[^\n]*)\n$/,
    );
  }
  // whatever the order, latest is a complete run and the only one left
  const target = await latest(project);
  await verifyRun(`${project.dir}/models/${target}`);
  assertEquals(await runsOf(project), [target.slice("runs/".length)]);
});

Deno.test("infer.ts without --model refuses a sealed latest whose model.json was edited", async () => {
  await using project = await makeProject();
  await writeRunAt(project, TOY, 0);
  await promote(project);
  // sound before the edit (infer.ts answering from it is infer_smoke_test's)
  await verifyRun(`${project.dir}/models/latest`);
  const path = `${project.dir}/models/latest/model.json`;
  const doc = JSON.parse(await Deno.readTextFile(path));
  doc.estimator.classifiers[0].weights[0][1] += 5;
  await Deno.writeTextFile(path, JSON.stringify(doc, null, 2) + "\n");
  const after = await project.deno(["run", "infer.ts"], '{"f1":1,"f2":0}');
  assertEquals(after.code, 2);
  assertEquals(
    after.stderr,
    'error: Cannot load model "models/latest": model.json does not match its checksum in manifest.json\n',
  );
});

Deno.test("a live server refuses an incompatible swap on disk, takes a compatible one, and a restart serves the new model", async () => {
  await using project = await makeProject();
  // the promotions here are the server's input, made in this process
  await writeRunAt(project, TOY, 0);
  await promote(project);
  const server = await startServer(project.dir);
  try {
    const predict = async (row: unknown) => {
      const res = await postJson(`${server.base}/predict`, row);
      return { status: res.status, body: await res.json() };
    };
    assertEquals((await predict({ f1: 1, f2: 0 })).status, 200);

    // a careless promotion on disk: another dataset's model behind latest
    const iris = await writeRunAt(project, IRIS, 1);
    await promote(project, "--allow-schema-change");
    assertEquals(await latest(project), `runs/${iris}`);
    const refused = await server.waitFor((l) => l.msg === "model reload refused");
    assertEquals(refused.level, "warn");
    assertStringIncludes(String(refused.hint), "restart to serve it");
    // the old schema is still answered, and the server stays ready
    const still = await predict({ f1: 1, f2: 0 });
    assertEquals([still.status, still.body.prediction], [200, 1]);
    assertEquals((await fetch(`${server.base}/readyz`)).status, 200);
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    assertMatch(metrics, /mvd_model_reloads_total\{trigger="watch",result="incompatible"\} [1-9]/);

    // a compatible model (the toy schema, new weights) is taken as before
    const next = await writeRunAt(project, TOY, 2);
    await promote(project, "--model", next, "--promote", "--allow-schema-change");
    const loaded = await server.waitFor((l) => l.msg === "model loaded" && l.trigger === "watch");
    assertEquals((await predict({ f1: 1, f2: 0 })).status, 200);
    assert(loaded.name === "toy", JSON.stringify(loaded));
  } finally {
    await server.stop();
  }

  // a restart serves whatever latest is, whatever its schema
  const iris = await writeRunAt(project, IRIS, 3);
  await promote(project, "--model", iris, "--promote", "--allow-schema-change");
  await using restarted = await startServer(project.dir);
  const res = await postJson(`${restarted.base}/predict`, {
    sepal_length_cm: 5.1,
    sepal_width_cm: 3.5,
    petal_length_cm: 1.4,
    petal_width_cm: 0.2,
  });
  assertEquals([res.status, (await res.json()).prediction], [200, "setosa"]);
});

Deno.test("train --out outside models/ exits 2 with the exact command that writes there", async () => {
  await using project = await makeProject();
  const outside = await Deno.makeTempDir({ prefix: "mvd-out-" });
  try {
    const out = await project.deno([
      "task",
      "-q",
      "train",
      "--out",
      `${outside}/my run`,
      "--quiet",
    ]);
    assertEquals(out.code, 2, out.stderr);
    const advice =
      `deno run --allow-read --allow-write=${outside} train.ts --out '${outside}/my run' --quiet`;
    assertEquals(
      out.stderr,
      `error: Cannot write run "${outside}/my run": the task may write only under models/; to write there, run: ${advice}\n`,
    );
    // and the advice works as given, pasted into a shell
    const pasted = await new Deno.Command("sh", {
      args: ["-c", advice],
      cwd: project.dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals(pasted.code, 0, new TextDecoder().decode(pasted.stderr));
    await verifyRun(`${outside}/my run`);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

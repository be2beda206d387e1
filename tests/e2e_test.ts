// The whole flow as a user runs it: train → evaluate → serve, through the tasks.
import { assert, assertEquals, assertStringIncludes } from "../lib/_testing/assert.ts";
import { TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { main as train } from "../train.ts";
import { evaluateIn, makeProject, runMain, writeRunAt } from "./_project.ts";
import { startServer } from "./_server.ts";

Deno.test("train and evaluate work on iris with string labels", async () => {
  await using project = await makeProject();
  const trained = await project.deno([
    "task",
    "-q",
    "train",
    "--data",
    "data/iris.csv",
    "--iterations",
    "2000",
    "--learning-rate",
    "0.01",
  ]);
  assertEquals(trained.code, 0, trained.stderr);
  const metrics = JSON.parse(trained.stdout);
  assert(metrics.accuracy >= 0.8, trained.stdout);

  const gate = await project.deno(["task", "-q", "evaluate", "--data", "data/iris.csv", "--json"]);
  assertEquals(gate.code, 0, gate.stderr);
  const report = JSON.parse(gate.stdout);
  assertEquals(report.passed, true);
  assert(report.accuracy >= 0.8);

  // the thresholds' own subprocess checks are in registry_test.ts
  const strict = await evaluateIn(project, ["--min-accuracy", "1.0", "--min-f1", "1.0"]);
  assertEquals(strict.code, metrics.accuracy === 1 ? 0 : 1);

  const predicted = await project.deno(
    ["run", "infer.ts"],
    '{"sepal_length_cm":5.1,"sepal_width_cm":3.5,"petal_length_cm":1.4,"petal_width_cm":0.2}',
  );
  assertEquals(predicted.stdout, '"setosa"\n');
});

Deno.test("train refuses bad usage and bad data with exit 2 and writes no model", async () => {
  await using project = await makeProject();
  const missing = await project.deno(["task", "-q", "train", "--data", "nope.csv"]);
  assertEquals(missing.code, 2);
  assertEquals(missing.stderr, 'error: Cannot read CSV "nope.csv": file not found\n');
  // the other cases in this process (its cwd is the checkout: paths are absolute)
  const [toy, out] = [`${project.dir}/data/toy.csv`, `${project.dir}/models/runs/x`];
  const cases: Array<[string[], string]> = [
    [["--test-size", "1.5"], "Invalid --test-size"],
    [["--target", "zzz"], 'target column "zzz" is not in the header'],
    [["--frobnicate"], "Unknown option '--frobnicate'"],
  ];
  for (const [args, message] of cases) {
    const run = await runMain(train, [...args, "--data", toy, "--out", out]);
    assertEquals(run.code, 2, args.join(" "));
    assertStringIncludes(run.stderr, message);
    assertEquals(run.stderr.trim().split("\n").length, 1, run.stderr);
  }
  assertEquals([...Deno.readDirSync(`${project.dir}/models`)], []);
});

Deno.test("serve answers /predict, /healthz and /metrics on a real socket", async () => {
  await using project = await makeProject();
  // the model is trained and promoted in this process: serving is what is tested here
  await writeRunAt(project, (await trainOn(TOY_CSV)).file, 0);
  assertEquals((await evaluateIn(project)).code, 0);
  await using server = await startServer(project.dir);
  {
    const base = server.base;
    const res = await fetch(`${base}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"f1":1,"f2":0}',
    });
    assertEquals((await res.json()).prediction, 1);
    const bad = await fetch(`${base}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"f1":"a"}',
    });
    assertEquals(bad.status, 422);
    await bad.body?.cancel();
    const health = await fetch(`${base}/healthz`);
    assertEquals(health.status, 200);
    await health.body?.cancel();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assertStringIncludes(
      metrics,
      'mvd_http_requests_total{method="POST",route="/predict",status="200"} 1',
    );
  }
  assertEquals((await server.stop()).code, 0);
});

// The whole flow as a user runs it: train → evaluate → serve, through the tasks.
import { assert, assertEquals, assertStringIncludes } from "../lib/_testing/assert.ts";
import { makeProject } from "./_project.ts";
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

  const strict = await project.deno([
    "task",
    "-q",
    "evaluate",
    "--min-accuracy",
    "1.0",
    "--min-f1",
    "1.0",
  ]);
  assertEquals(strict.code, metrics.accuracy === 1 ? 0 : 1);

  const predicted = await project.deno(
    ["run", "infer.ts"],
    '{"sepal_length_cm":5.1,"sepal_width_cm":3.5,"petal_length_cm":1.4,"petal_width_cm":0.2}',
  );
  assertEquals(predicted.stdout, '"setosa"\n');
});

Deno.test("train refuses bad usage and bad data with exit 2 and writes no model", async () => {
  await using project = await makeProject();
  const cases: Array<[string[], string]> = [
    [["--test-size", "1.5"], "Invalid --test-size"],
    [["--data", "nope.csv"], 'Cannot read CSV "nope.csv": file not found'],
    [["--target", "zzz"], 'target column "zzz" is not in the header'],
    [["--frobnicate"], "Unknown option '--frobnicate'"],
  ];
  for (const [args, message] of cases) {
    const out = await project.deno(["task", "-q", "train", ...args]);
    assertEquals(out.code, 2, args.join(" "));
    assertStringIncludes(out.stderr, message);
    assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
  }
  assertEquals([...Deno.readDirSync(`${project.dir}/models`)], []);
});

Deno.test("serve answers /predict, /healthz and /metrics on a real socket", async () => {
  await using project = await makeProject();
  assertEquals((await project.deno(["task", "-q", "train"])).code, 0);
  assertEquals((await project.deno(["task", "-q", "evaluate"])).code, 0);
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

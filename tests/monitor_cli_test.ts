// The drift task on files, and a live server with drift and the prediction
// log on: each test with its own iris project, trained in process.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../lib/_testing/assert.ts";
import { IRIS_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { main as drift } from "../drift.ts";
import { makeProject, promoteNewest, runMain, writeRunAt } from "./_project.ts";
import { postJson, startServer } from "./_server.ts";

// `deno task train --data data/iris.csv --target label`, in process
const { file: IRIS } = await trainOn(IRIS_CSV, { target: "label" });

/** A project whose `models/latest` is the iris model, gated and promoted in this process. */
async function irisProject() {
  const project = await makeProject();
  await writeRunAt(project, IRIS, 0);
  await promoteNewest(project);
  return project;
}
const TOKEN = "live-token-0123456789abcdef";

/** iris.csv with `sepal_length_cm` moved by `by`. */
async function shiftedIris(dir: string, by: number): Promise<string> {
  const [header, ...rows] = (await Deno.readTextFile(`${dir}/data/iris.csv`)).trim().split("\n");
  const out = rows.map((r) => {
    const [first, ...rest] = r.split(",");
    return [Number(first) + by, ...rest].join(",");
  });
  await Deno.writeTextFile(`${dir}/shifted.csv`, [header, ...out].join("\n") + "\n");
  return "shifted.csv";
}

Deno.test("drift prints a PSI per feature; --fail-above exits 1 on a shifted file, 2 on a bad one", async () => {
  await using project = await irisProject();
  const small = await project.deno(["task", "-q", "drift", "--data", "data/iris.csv"]);
  assertEquals(small.code, 2);
  assertStringIncludes(small.stderr, "150 rows, fewer than --min-rows 300");
  // iris has 150 rows: the tests below lower the minimum knowingly
  const same = await project.deno([
    ...["task", "-q", "drift", "--data", "data/iris.csv", "--min-rows", "150"],
  ]);
  assertEquals(same.code, 0, same.stderr);
  assertStringIncludes(same.stdout, "150 rows of data/iris.csv against the training profile");
  for (const f of ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]) {
    assertMatch(same.stdout, new RegExp(`\\| ${f} \\| 0\\.0\\d+ \\| stable \\|`));
  }

  // sepal length's training SD is about 0.83 cm: 2 SD
  const shifted = await shiftedIris(project.dir, 1.66);
  const drifted = await project.deno([
    "task",
    "-q",
    "drift",
    "--data",
    shifted,
    "--fail-above",
    "0.25",
    "--json",
    "--min-rows",
    "150",
  ]);
  assertEquals(drifted.code, 1, drifted.stderr);
  const report = JSON.parse(drifted.stdout);
  const psi = Object.fromEntries(
    report.features.map((f: { feature: string; psi: number }) => [f.feature, f.psi]),
  );
  assert(psi.sepal_length_cm > 0.25, `shifted: ${psi.sepal_length_cm}`);
  assert(psi.petal_width_cm < 0.1, `not shifted: ${psi.petal_width_cm}`);

  await Deno.writeTextFile(
    `${project.dir}/bad.csv`,
    "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n5,3,1,0.2\n5,x,1,0.2\n",
  );
  const bad = await project.deno(["task", "-q", "drift", "--data", "bad.csv", "--min-rows", "1"]);
  assertEquals(bad.code, 2);
  assertEquals(
    bad.stderr,
    'error: Cannot read "bad.csv": line 3, column 2 ("sepal_width_cm"): expected number, got "x"\n',
  );
  // a repeat of a bad input (the process's exit 2 is seen above): main in this process
  const usage = await runMain(drift, []);
  assertEquals(usage.code, 2);
  assertEquals(
    usage.stderr,
    "error: Invalid --data: required: the CSV file to check (see --help)\n",
  );
});

Deno.test("a live server exports drift metrics and logs predictions to logs/, without the token", async () => {
  await using project = await irisProject();
  const server = await startServer(project.dir, {
    env: { PREDICTION_LOG: "logs/predictions.jsonl", API_TOKEN: TOKEN, DRIFT_WINDOW: "50" },
  });
  const auth = { authorization: `Bearer ${TOKEN}` };
  const row = {
    sepal_length_cm: 5.1,
    sepal_width_cm: 3.5,
    petal_length_cm: 1.4,
    petal_width_cm: 0.2,
  };
  for (let i = 0; i < 3; i++) {
    const res = await postJson(`${server.base}/predict`, row, { ...auth, "x-request-id": `r${i}` });
    assertEquals(res.status, 200);
    await res.body?.cancel();
  }
  const res = await postJson(`${server.base}/predict`, [row, row], auth);
  assertEquals(res.status, 200);
  await res.body?.cancel();
  const metrics = await (await fetch(`${server.base}/metrics`)).text();
  assertMatch(metrics, /^mvd_drift_window_rows 5$/m);
  assertMatch(metrics, /^mvd_feature_drift_psi\{feature="petal_width_cm"\} \d/m);
  assertMatch(metrics, /^mvd_prediction_log_errors_total 0$/m);
  assertMatch(metrics, /^mvd_ready 1$/m);
  // SIGTERM drains and writes out the log
  assertEquals((await server.stop("SIGTERM")).code, 0);
  const text = await Deno.readTextFile(`${project.dir}/logs/predictions.jsonl`);
  assert(!text.includes(TOKEN), "the token is never logged");
  const lines = text.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.length, 5);
  assertEquals(lines.slice(0, 3).map((l) => l.request_id), ["r0", "r1", "r2"]);
  assertEquals(lines[0].model, "iris");
  assertEquals(lines[0].inputs, row);
  assertEquals(lines[4].row, 1);
});

Deno.test("serve refuses a prediction log outside the folder its task may write", async () => {
  await using project = await irisProject();
  const out = await project.deno(
    ["task", "-q", "serve", "--port", "0"],
    undefined,
    { PREDICTION_LOG: "/var/tmp/mvd-elsewhere/p.jsonl" },
  );
  assertEquals(out.code, 2);
  assertEquals(
    out.stderr,
    'error: Cannot log predictions to "/var/tmp/mvd-elsewhere/p.jsonl": no write permission there; run serve with --allow-write=/var/tmp/mvd-elsewhere (docs/http-api.md#prediction-log)\n',
  );
});

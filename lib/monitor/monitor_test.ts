import { Registry } from "prom-client";
import { assert, assertEquals, assertMatch } from "../_testing/assert.ts";
import { tempCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { driftCsv, sampleRows } from "../_testing/drift_data.ts";
import { createApp } from "../http/app.ts";
import { ModelHolder, serveModel } from "../http/holder.ts";
import { createMonitor, type MonitorOptions } from "./monitor.ts";

const TOKEN = "s3cret-token-0123456789";

async function makeApp(csv: string, target: string, options: Partial<MonitorOptions> = {}) {
  const { model } = await trainOn(csv, { target });
  const holder = new ModelHolder(await serveModel(model, "test"));
  const registry = new Registry();
  const monitor = createMonitor({
    registry,
    driftWindow: 1000,
    ready: () => holder.ready,
    ...options,
  });
  const app = createApp({ holder, registry, monitor, options: { token: TOKEN } });
  const predict = (body: unknown) =>
    app.request("/predict", {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    });
  const metrics = async () => await (await app.request("/metrics")).text();
  return { app, holder, model, monitor, predict, metrics };
}

/** `name{labels} value` lines of an exposition, as a map. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
      const space = line.lastIndexOf(" ");
      out.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
  }
  return out;
}

const data = driftCsv(3000);
const driftFile = await tempCsv(data.csv);

Deno.test("/metrics exports per-feature and prediction PSI over the rows /predict saw", async () => {
  const { predict, metrics } = await makeApp(driftFile, "label");
  let text = await metrics();
  assertEquals(samples(text, "mvd_drift_window_rows").get("mvd_drift_window_rows"), 0);
  assertEquals(samples(text, "mvd_feature_drift_psi").size, 0);
  assertEquals(samples(text, "mvd_ready").get("mvd_ready"), 1);
  // single rows and batches both count
  const rows = sampleRows(data.rows, 1000, { shift: { income: 30_000 } });
  for (const row of rows.slice(0, 200)) assertEquals((await predict(row)).status, 200);
  for (let i = 200; i < 1000; i += 100) {
    assertEquals((await predict(rows.slice(i, i + 100))).status, 200);
  }
  text = await metrics();
  assertEquals(samples(text, "mvd_drift_window_rows").get("mvd_drift_window_rows"), 1000);
  const psi = samples(text, "mvd_feature_drift_psi");
  assertEquals(psi.size, 5);
  assert(psi.get('mvd_feature_drift_psi{feature="income"}')! > 0.25);
  assert(psi.get('mvd_feature_drift_psi{feature="age"}')! < 0.1);
  assertMatch(text, /^mvd_prediction_drift_psi \d/m);
  // refused rows never reach the window
  assertEquals((await predict({ age: "old" })).status, 422);
  text = await metrics();
  assertEquals(samples(text, "mvd_drift_window_rows").get("mvd_drift_window_rows"), 1000);
});

Deno.test("DRIFT_WINDOW=0 and a model without a profile export no PSI", async () => {
  const off = await makeApp(TOY_CSV, "label", { driftWindow: 0 });
  assertEquals((await off.predict({ f1: 1, f2: 0 })).status, 200);
  const text = await off.metrics();
  assertEquals(samples(text, "mvd_drift_window_rows").get("mvd_drift_window_rows"), 0);
  assertEquals(samples(text, "mvd_feature_drift_psi").size, 0);
  // a gauge without labels always has its one series: 0 while the window is empty
  assertEquals(samples(text, "mvd_prediction_drift_psi").get("mvd_prediction_drift_psi"), 0);

  const older = await makeApp(TOY_CSV, "label");
  const { drift: _, ...file } = older.model.file;
  const { Model } = await import("../model/model.ts");
  older.holder.swap(await serveModel(new Model(file), "older"));
  assertEquals((await older.predict({ f1: 1, f2: 0 })).status, 200);
  assertEquals(samples(await older.metrics(), "mvd_feature_drift_psi").size, 0);
});

Deno.test("a model swap starts the drift window over", async () => {
  const { predict, metrics, holder, model } = await makeApp(TOY_CSV, "label");
  for (let i = 0; i < 5; i++) await predict({ f1: 1, f2: 0 });
  assertEquals(samples(await metrics(), "mvd_drift_window_rows").get("mvd_drift_window_rows"), 5);
  holder.swap(await serveModel(model, "again"));
  assertEquals(samples(await metrics(), "mvd_drift_window_rows").get("mvd_drift_window_rows"), 0);
});

Deno.test("the prediction log records answered rows with their request id, never the token", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/predictions.jsonl`;
  const { app, monitor } = await makeApp(TOY_CSV, "label", {
    journal: { path, sample: 1, maxBytes: 1 << 20 },
  });
  const res = await app.request("/predict", {
    method: "POST",
    body: '{"f1":1,"f2":0}',
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${TOKEN}`,
      "x-request-id": "trace-7",
    },
  });
  const answer = await res.json();
  await monitor.close();
  const text = await Deno.readTextFile(path);
  assert(!text.includes(TOKEN), "the token is never logged");
  const [line, ...rest] = text.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(rest, []);
  assertEquals(line.request_id, "trace-7");
  assertEquals(line.inputs, { f1: 1, f2: 0 });
  assertEquals([line.prediction, line.probabilities], [answer.prediction, answer.probabilities]);
});

Deno.test("an unwritable prediction log is counted in mvd_prediction_log_errors_total; requests still succeed", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/file`, "");
  const { predict, metrics, monitor } = await makeApp(TOY_CSV, "label", {
    journal: { path: `${dir}/file/p.jsonl`, sample: 1, maxBytes: 1 << 20 },
  });
  for (let i = 0; i < 3; i++) assertEquals((await predict({ f1: 1, f2: 0 })).status, 200);
  await monitor.close();
  const errors = samples(await metrics(), "mvd_prediction_log_errors_total");
  assertEquals(errors.get("mvd_prediction_log_errors_total"), 3);
});

Deno.test("V2 infer feeds the drift window and the prediction log as /predict does", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/predictions.jsonl`;
  const { app, monitor, metrics, model } = await makeApp(TOY_CSV, "label", {
    journal: { path, sample: 1, maxBytes: 1 << 20 },
  });
  const res = await app.request(`/v2/models/${model.file.name}/infer`, {
    method: "POST",
    body: JSON.stringify({
      inputs: [
        { name: "f1", shape: [2], datatype: "FP64", data: [1, 0] },
        { name: "f2", shape: [2], datatype: "FP64", data: [0, 1] },
      ],
    }),
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${TOKEN}`,
      "x-request-id": "v2-trace",
    },
  });
  assertEquals(res.status, 200, await res.clone().text());
  assertEquals(samples(await metrics(), "mvd_drift_window_rows").get("mvd_drift_window_rows"), 2);
  await monitor.close();
  const lines = (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.map((l) => [l.request_id, l.inputs]), [
    ["v2-trace", { f1: 1, f2: 0 }],
    ["v2-trace", { f1: 0, f2: 1 }],
  ]);
});

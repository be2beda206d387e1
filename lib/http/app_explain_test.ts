// `POST /predict?explain=true`, apart from app_test.ts: explanations of single rows and batches.
import { Registry } from "prom-client";
import { tempCsv, threeClassCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assertAlmostEquals, assertEquals } from "../_testing/assert.ts";
import { ModelHolder, serveModel } from "./holder.ts";
import { createApp } from "./app.ts";

async function makeApp(csv = TOY_CSV) {
  const { model } = await trainOn(csv, csv === TOY_CSV ? {} : { target: "kind" });
  const holder = new ModelHolder(await serveModel(model, "test"));
  return Object.assign(createApp({ holder, registry: new Registry() }), { model });
}

const post = (body: string, query = "?explain=true") =>
  new Request(`http://local/predict${query}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

Deno.test("POST /predict?explain=true explains one row: base + Σ contributions = logit, sigmoid(logit) = p", async () => {
  const app = await makeApp();
  const res = await app.request(post('{"f1":1,"f2":0}'));
  assertEquals(res.status, 200);
  const body = await res.json();
  const plain = await (await app.request(post('{"f1":1,"f2":0}', ""))).json();
  assertEquals({ prediction: body.prediction, probabilities: body.probabilities }, plain);
  const e = body.explanation;
  assertEquals(Object.keys(e), ["class", "logit", "base", "contributions"]);
  assertEquals(e.class, body.prediction);
  assertEquals(Object.keys(e.contributions), ["f1", "f2"]);
  assertAlmostEquals(e.base + sum(Object.values(e.contributions) as number[]), e.logit, 1e-9);
  assertAlmostEquals(1 / (1 + Math.exp(-e.logit)), body.probabilities[String(e.class)], 1e-12);
});

Deno.test("POST /predict?explain=true explains each row of a batch, in order, for three classes too", async () => {
  const app = await makeApp(await tempCsv(threeClassCsv()));
  const rows = [{ x: 0, y: 1 }, { x: 12, y: 0 }, { x: 24, y: 2 }];
  const res = await app.request(post(JSON.stringify({ instances: rows })));
  assertEquals(res.status, 200);
  const { predictions } = await res.json();
  assertEquals(predictions.map((p: { prediction: string }) => p.prediction), [
    "low",
    "mid",
    "high",
  ]);
  for (const p of predictions) {
    assertEquals(p.explanation.class, p.prediction);
    const e = p.explanation;
    assertAlmostEquals(e.base + sum(Object.values(e.contributions) as number[]), e.logit, 1e-9);
  }
});

Deno.test("POST /predict?explain= refuses a value other than true or false, and validates rows as ever", async () => {
  const app = await makeApp();
  const res = await app.request(post('{"f1":1,"f2":0}', "?explain=yes"));
  assertEquals(res.status, 400);
  assertEquals(await res.json(), {
    error: { code: "invalid_query", message: "Invalid query: explain must be true or false" },
  });
  const off = await app.request(post('{"f1":1,"f2":0}', "?explain=false"));
  assertEquals(Object.keys(await off.json()), ["prediction", "probabilities"]);
  const bad = await app.request(post('{"f1":1}'));
  assertEquals(bad.status, 422);
  assertEquals((await bad.json()).error.message, "Invalid input: f2: required");
});

Deno.test("the OpenAPI document lists POST /predict's explain query and the explanation it adds", async () => {
  const app = await makeApp();
  const doc = await (await app.request("http://local/openapi.json")).json();
  assertEquals(
    doc.paths["/predict"].post.parameters.map((
      p: { name: string; in: string; schema: unknown },
    ) => [p.name, p.in, p.schema]),
    [
      ["explain", "query", { type: "boolean", default: false }],
    ],
  );
  const prediction = doc.components.schemas.Prediction;
  assertEquals(Object.keys(prediction.properties.explanation.properties), [
    "class",
    "logit",
    "base",
    "contributions",
  ]);
  assertEquals(prediction.required, ["prediction", "probabilities"]);
  // the batch's warnings point at a schema that exists
  const batch =
    doc.paths["/predict"].post.responses["200"].content["application/json"].schema.oneOf[1];
  assertEquals(
    batch.properties.warnings.$ref,
    "#/components/schemas/Prediction/properties/warnings",
  );
  assertEquals(prediction.properties.warnings.type, "array");
});

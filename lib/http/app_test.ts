import { Registry } from "prom-client";
import { TOY_CSV, trainOn } from "../_fixtures.ts";
import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { createApp } from "./app.ts";

async function makeApp() {
  const { model } = await trainOn(TOY_CSV);
  return createApp({ model, registry: new Registry() });
}

function post(body: string, type = "application/json") {
  return new Request("http://local/predict", {
    method: "POST",
    body,
    headers: { "content-type": type },
  });
}

Deno.test("POST /predict answers the seed's example with its label", async () => {
  const app = await makeApp();
  const res = await app.request(post('{"f1":1,"f2":0}'));
  assertEquals(res.status, 200);
  assertEquals(await res.json(), { prediction: 1 });
});

Deno.test("POST /predict answers a batch in order", async () => {
  const app = await makeApp();
  const res = await app.request(post('[{"f1":1,"f2":0},{"f1":0,"f2":1}]'));
  assertEquals(await res.json(), { predictions: [1, 0] });
});

Deno.test("POST /predict refuses malformed JSON with 400", async () => {
  const res = await (await makeApp()).request(post('{"f1":'));
  assertEquals(res.status, 400);
  assertEquals(await res.json(), {
    error: { code: "malformed_json", message: "Request body is not valid JSON" },
  });
});

Deno.test("POST /predict refuses a wrong content type with 415", async () => {
  const res = await (await makeApp()).request(post('{"f1":1,"f2":0}', "text/plain"));
  assertEquals(res.status, 415);
  assertEquals((await res.json()).error.code, "unsupported_media_type");
});

Deno.test("POST /predict lists each bad field with 422", async () => {
  const res = await (await makeApp()).request(post('{"f1":"1","f3":0}'));
  assertEquals(res.status, 422);
  const body = await res.json();
  assertEquals(body.error.code, "invalid_input");
  assertEquals(body.error.issues, [
    { path: "f1", message: "expected number, got string" },
    { path: "f2", message: "required" },
    { path: "f3", message: "unknown feature" },
  ]);
});

Deno.test("GET /healthz is 200 and unknown routes are 404 in the error shape", async () => {
  const app = await makeApp();
  assertEquals((await app.request("/healthz")).status, 200);
  const res = await app.request("/nope");
  assertEquals(res.status, 404);
  assertEquals((await res.json()).error.code, "not_found");
});

Deno.test("GET /metrics counts requests by route template and status", async () => {
  const app = await makeApp();
  await app.request(post('{"f1":1,"f2":0}'));
  await app.request(post("{"));
  await app.request("/some/random/path");
  const res = await app.request("/metrics");
  assertMatch(res.headers.get("content-type") ?? "", /^text\/plain/);
  const text = await res.text();
  assertStringIncludes(
    text,
    'mvd_http_requests_total{method="POST",route="/predict",status="200"} 1',
  );
  assertStringIncludes(
    text,
    'mvd_http_requests_total{method="POST",route="/predict",status="400"} 1',
  );
  assertStringIncludes(
    text,
    'mvd_http_requests_total{method="GET",route="unmatched",status="404"} 1',
  );
  assertStringIncludes(text, "mvd_http_request_duration_seconds_bucket");
});

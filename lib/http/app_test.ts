import { Registry } from "prom-client";
import { tempCsv, threeClassCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_testing/assert.ts";
import { ModelHolder, serveModel } from "./holder.ts";
import { type AppOptions, createApp } from "./app.ts";
import { Logger } from "../core/log.ts";

async function makeApp(options: AppOptions = {}, csv = TOY_CSV) {
  const { model } = await trainOn(csv, csv === TOY_CSV ? {} : { target: "kind" });
  const holder = new ModelHolder(await serveModel(model, "test"));
  const lines: string[] = [];
  const logger = new Logger("info", (line) => lines.push(line));
  const app = createApp({ holder, registry: new Registry(), logger, options });
  return Object.assign(app, { holder, lines, model });
}

function post(body: string, options: { type?: string; path?: string; token?: string } = {}) {
  const headers: Record<string, string> = { "content-type": options.type ?? "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Request(`http://local${options.path ?? "/predict"}`, {
    method: "POST",
    body,
    headers,
  });
}

Deno.test("POST /predict answers one row with its label and class probabilities", async () => {
  const app = await makeApp();
  const res = await app.request(post('{"f1":1,"f2":0}'));
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "application/json");
  const body = await res.json();
  assertEquals(body.prediction, 1);
  assertEquals(Object.keys(body.probabilities), ["0", "1"]);
  const expected = app.model.predictRows([{ f1: 1, f2: 0 }]).probabilities;
  assertEquals([body.probabilities["0"], body.probabilities["1"]], Array.from(expected));
  assert(body.probabilities["1"] > body.probabilities["0"]);
});

Deno.test("POST /predict answers an array and {instances} in order, with string labels", async () => {
  const app = await makeApp({}, await tempCsv(threeClassCsv()));
  const rows = [{ x: 1, y: 0 }, { x: 21, y: 1 }, { x: 11, y: 2 }];
  for (const payload of [rows, { instances: rows }]) {
    const res = await app.request(post(JSON.stringify(payload)));
    assertEquals(res.status, 200);
    const body = await res.json();
    assertEquals(body.predictions.map((p: { prediction: string }) => p.prediction), [
      "low",
      "high",
      "mid",
    ]);
    for (const p of body.predictions) {
      const total = Object.values<number>(p.probabilities).reduce((a, b) => a + b, 0);
      assert(Math.abs(total - 1) < 1e-9, `probabilities sum to ${total}`);
    }
  }
});

Deno.test("POST /predict refuses malformed JSON with 400", async () => {
  const res = await (await makeApp()).request(post('{"f1":'));
  assertEquals(res.status, 400);
  assertEquals(await res.json(), {
    error: { code: "malformed_json", message: "Request body is not valid JSON" },
  });
});

Deno.test("POST /predict refuses a wrong or missing content type with 415", async () => {
  const app = await makeApp();
  const res = await app.request(post('{"f1":1,"f2":0}', { type: "text/plain" }));
  assertEquals(res.status, 415);
  assertEquals(await res.json(), {
    error: {
      code: "unsupported_media_type",
      message: "Content-Type must be application/json",
    },
  });
  const bare = await app.request(
    new Request("http://local/predict", { method: "POST", body: new Uint8Array([123, 125]) }),
  );
  assertEquals(bare.status, 415);
  const charset = await app.request(
    post('{"f1":1,"f2":0}', { type: "application/json; charset=utf-8" }),
  );
  assertEquals(charset.status, 200);
});

Deno.test("POST /predict lists each bad field with its path in a 422", async () => {
  const app = await makeApp();
  const res = await app.request(post('[{"f1":1,"f2":0},{"f1":1,"f2":0},{"f1":"1","f3":0}]'));
  assertEquals(res.status, 422);
  const body = await res.json();
  assertEquals(body.error.code, "invalid_input");
  assertEquals(
    body.error.message,
    "Invalid input: [2].f1: expected number, got string; [2].f2: required; [2].f3: unknown feature",
  );
  assertEquals(body.error.issues, [
    { path: "[2].f1", message: "expected number, got string" },
    { path: "[2].f2", message: "required" },
    { path: "[2].f3", message: "unknown feature" },
  ]);
});

Deno.test("POST /predict refuses non-object rows and empty batches with 422", async () => {
  const app = await makeApp();
  for (
    const [payload, issue] of [
      ["[]", { path: "", message: "expected at least one row" }],
      ['{"instances":[]}', { path: "instances", message: "expected at least one row" }],
      ["[1]", { path: "[0]", message: "expected an object of features, got number" }],
      ["null", { path: "", message: "expected an object of features, got null" }],
      ['{"f1":1e999,"f2":0}', { path: "f1", message: "expected number, got Infinity" }],
    ] as const
  ) {
    const res = await app.request(post(payload));
    assertEquals(res.status, 422, payload);
    const body = await res.json();
    assertEquals(body.error.issues[0], issue, payload);
  }
});

Deno.test("POST /predict refuses a body over the limit with 413", async () => {
  const app = await makeApp({ maxBodyBytes: 64 });
  const rows = JSON.stringify(Array.from({ length: 10 }, () => ({ f1: 1, f2: 0 })));
  const res = await app.request(post(rows));
  assertEquals(res.status, 413);
  assertEquals(await res.json(), {
    error: { code: "payload_too_large", message: "Request body exceeds 64 bytes" },
  });
  // a chunked body, with no content-length, is cut off at the limit too
  const stream = new Blob([rows]).stream();
  const chunked = await app.request(
    new Request("http://local/predict", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
    }),
  );
  assertEquals(chunked.status, 413);
});

Deno.test("POST /predict refuses a batch over the row limit with 413", async () => {
  const app = await makeApp({ maxBatchRows: 3 });
  const rows = Array.from({ length: 4 }, () => ({ f1: 1, f2: 0 }));
  const res = await app.request(post(JSON.stringify({ instances: rows })));
  assertEquals(res.status, 413);
  assertEquals(await res.json(), {
    error: { code: "too_many_rows", message: "Batch has 4 rows, more than the limit of 3" },
  });
  assertEquals((await app.request(post(JSON.stringify(rows.slice(1))))).status, 200);
});

Deno.test("bearer auth guards prediction routes only", async () => {
  const token = "s3cret-token-0123456789";
  const app = await makeApp({ token });
  const none = await app.request(post('{"f1":1,"f2":0}'));
  assertEquals(none.status, 401);
  assertEquals(none.headers.get("www-authenticate"), 'Bearer realm="predict"');
  assertEquals(await none.json(), {
    error: { code: "unauthorized", message: "Missing bearer token" },
  });
  const wrong = await app.request(post('{"f1":1,"f2":0}', { token: "s3cret-token-012345678X" }));
  assertEquals(wrong.status, 401);
  assertEquals((await wrong.json()).error.message, "Invalid bearer token");
  assertEquals((await app.request(post('{"f1":1,"f2":0}', { token }))).status, 200);
  const name = app.holder.current!.name;
  const infer = post('{"inputs":[{"name":"f1","shape":[1],"datatype":"FP64","data":[1]}]}', {
    path: `/v2/models/${name}/infer`,
  });
  assertEquals((await app.request(infer)).status, 401);
  for (const path of ["/healthz", "/readyz", "/metrics", "/model", "/v2/health/ready"]) {
    assertEquals((await app.request(path)).status, 200, path);
  }
});

Deno.test("with protectMeta the model, metrics and API description need the token too; health stays open", async () => {
  const token = "s3cret-token-0123456789";
  const app = await makeApp({ token, protectMeta: true });
  const name = app.holder.current!.name;
  const meta = [
    "/model",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/app.js",
    `/v2/models/${name}`,
    `/v2/models/${name}/versions/${app.holder.current!.version}`,
  ];
  for (const path of meta) {
    const denied = await app.request(path);
    assertEquals(denied.status, 401, path);
    assertEquals(denied.headers.get("www-authenticate"), 'Bearer realm="predict"');
    const { error } = await denied.json();
    // the V2 routes answer in the protocol's shape, {"error": "<message>"}
    assertEquals(
      path.startsWith("/v2/") ? typeof error : error.code,
      path.startsWith("/v2/") ? "string" : "unauthorized",
      path,
    );
    const bad = await app.request(path, {
      headers: { authorization: "Bearer nope-nope-nope-nope" },
    });
    assertEquals(bad.status, 401, path);
    await bad.body?.cancel();
    const ok = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
    assertEquals(ok.status, 200, path);
    await ok.body?.cancel();
  }
  const open = [
    "/healthz",
    "/readyz",
    "/v2/health/live",
    "/v2/health/ready",
    `/v2/models/${name}/ready`,
  ];
  for (const path of open) {
    const res = await app.request(path);
    assertEquals(res.status, 200, path);
    await res.body?.cancel();
  }
  // refused requests are still counted, under their route
  const metrics = await (await app.request("/metrics", {
    headers: { authorization: `Bearer ${token}` },
  })).text();
  assertStringIncludes(
    metrics,
    'mvd_http_requests_total{method="GET",route="/model",status="401"} 2',
  );
});

Deno.test("GET /model names the training data file, not where it was on the training machine", async () => {
  const app = await makeApp();
  assert(app.model.file.training.data.startsWith("/"), "the fixture trains on an absolute path");
  const body = await (await app.request("/model")).json();
  assertEquals(body.training.data, "toy.csv");
  assert(!JSON.stringify(body).includes(app.model.file.training.data));
});

Deno.test("GET /healthz is 200 and unknown routes are 404 in the error shape", async () => {
  const app = await makeApp();
  assertEquals(await (await app.request("/healthz")).json(), { status: "ok" });
  const res = await app.request("/nope");
  assertEquals(res.status, 404);
  assertEquals(await res.json(), { error: { code: "not_found", message: "No such route" } });
});

Deno.test("while draining, every answer closes its connection, on every route", async () => {
  const app = await makeApp();
  const before = await app.request(post('{"f1":1,"f2":0}'));
  assertEquals(before.headers.get("connection"), null);
  await before.body?.cancel();
  app.holder.drain();
  for (const req of [post('{"f1":1,"f2":0}'), post("{"), new Request("http://local/healthz")]) {
    const res = await app.request(req);
    assertEquals(res.headers.get("connection"), "close", `${req.method} ${req.url}`);
    await res.body?.cancel();
  }
  assertEquals(app.holder.active, 0);
});

Deno.test("GET /readyz is 200 with a model, 503 without one or while draining", async () => {
  const app = await makeApp();
  const ready = await app.request("/readyz");
  assertEquals(ready.status, 200);
  assertEquals((await ready.json()).model.version, app.holder.current!.version);
  app.holder.drain();
  const draining = await app.request("/readyz");
  assertEquals(draining.status, 503);
  assertEquals(await draining.json(), {
    error: { code: "not_ready", message: "Not ready: shutting down" },
  });
  const empty = createApp({ holder: new ModelHolder(), registry: new Registry() });
  const none = await empty.request("/readyz");
  assertEquals(none.status, 503);
  assertEquals((await none.json()).error.message, "Not ready: no model loaded");
  const predict = await empty.request(post('{"f1":1,"f2":0}'));
  assertEquals(predict.status, 503);
  assertEquals((await predict.json()).error.code, "model_unavailable");
});

Deno.test("GET /model describes the served model", async () => {
  const app = await makeApp();
  const body = await (await app.request("/model")).json();
  const file = app.model.file;
  assertEquals(body.name, file.name);
  assertEquals(body.version, app.holder.current!.version);
  assertMatch(body.version, /^[0-9a-f]{12}$/);
  assertEquals(body.classes, [0, 1]);
  assertEquals(body.features.map((f: { name: string; type: string }) => [f.name, f.type]), [
    ["f1", "numeric"],
    ["f2", "numeric"],
  ]);
  assertEquals(body.metrics, file.metrics);
  assertEquals(body.training.sha256, file.training.sha256);
  assertEquals(body.createdAt, file.createdAt);
});

Deno.test("a swapped model answers the next request; the old one is not mixed in", async () => {
  const app = await makeApp();
  const before = await (await app.request("/model")).json();
  const { model } = await trainOn(await tempCsv(threeClassCsv()), { target: "kind" });
  app.holder.swap(await serveModel(model, "other"));
  const after = await (await app.request("/model")).json();
  assert(before.version !== after.version);
  const res = await app.request(post('{"x":21,"y":1}'));
  assertEquals((await res.json()).prediction, "high");
  const metrics = await (await app.request("/metrics")).text();
  assertStringIncludes(
    metrics,
    `mvd_model_info{name="${model.file.name}",version="${after.version}"`,
  );
  assert(!metrics.includes(`version="${before.version}"`), "old model_info series dropped");
});

Deno.test("GET /metrics counts requests by route template, predictions and failures", async () => {
  const app = await makeApp();
  await app.request(post('{"f1":1,"f2":0}'));
  await app.request(post('[{"f1":1,"f2":0},{"f1":0,"f2":1}]'));
  await app.request(post("{"));
  await app.request(post('{"f1":"x"}'));
  await app.request("/some/random/path");
  await app.request("/other/random/path");
  await app.request(new Request("http://local/healthz", { method: "BREW" }));
  await app.request("/v2/models/anything");
  const res = await app.request("/metrics");
  assertMatch(res.headers.get("content-type") ?? "", /^text\/plain/);
  const text = await res.text();
  for (
    const line of [
      'mvd_http_requests_total{method="POST",route="/predict",status="200"} 2',
      'mvd_http_requests_total{method="POST",route="/predict",status="400"} 1',
      'mvd_http_requests_total{method="GET",route="unmatched",status="404"} 2',
      'mvd_http_requests_total{method="other",route="unmatched",status="404"} 1',
      'mvd_http_requests_total{method="GET",route="/v2/models/:name",status="404"} 1',
      'mvd_predictions_total{class="1"} 2',
      'mvd_predictions_total{class="0"} 1',
      "mvd_prediction_rows_count 2",
      "mvd_prediction_rows_sum 3",
      'mvd_validation_failures_total{route="/predict",code="400"} 1',
      'mvd_validation_failures_total{route="/predict",code="422"} 1',
      `mvd_model_info{name="${app.model.file.name}",version="${
        app.holder.current!.version
      }",created_at="${app.model.file.createdAt}"} 1`,
    ]
  ) {
    assertStringIncludes(text, line);
  }
  assertStringIncludes(text, "mvd_http_request_duration_seconds_bucket");
});

Deno.test("each request logs one JSON line with its id, and echoes a sane x-request-id", async () => {
  const app = await makeApp();
  const res = await app.request(
    new Request("http://local/predict", {
      method: "POST",
      body: '{"f1":1,"f2":0}',
      headers: { "content-type": "application/json", "x-request-id": "abc-123" },
    }),
  );
  assertEquals(res.headers.get("x-request-id"), "abc-123");
  const evil = await app.request("/healthz", { headers: { "x-request-id": 'a"b' } });
  assert(evil.headers.get("x-request-id") !== 'a"b');
  assertEquals(app.lines.length, 2);
  const line = JSON.parse(app.lines[0]!);
  assertEquals(
    [line.level, line.msg, line.method, line.route, line.status, line.request_id],
    ["info", "request", "POST", "/predict", 200, "abc-123"],
  );
  assert(typeof line.duration_ms === "number" && !Number.isNaN(Date.parse(line.time)));
  assertEquals(JSON.parse(app.lines[1]!).request_id, evil.headers.get("x-request-id"));
});

Deno.test("at LOG_LEVEL=warn no request lines are written", async () => {
  const { model } = await trainOn(TOY_CSV);
  const lines: string[] = [];
  const app = createApp({
    holder: new ModelHolder(await serveModel(model, "test")),
    registry: new Registry(),
    logger: new Logger("warn", (l) => lines.push(l)),
  });
  assertEquals((await app.request(post('{"f1":1,"f2":0}'))).status, 200);
  assertEquals(lines, []);
});

Deno.test("an input that overflows the model is refused on every route (422, V2's 400)", async () => {
  // issue 14: {"f1":1e308,"f2":1e308} was answered 0 at 0.5/0.5 (V2 too), though the weights say 1
  const app = await makeApp();
  const issue = {
    path: "f1",
    message: "1e+308 is out of range for this model (its scaled value is not finite)",
  };
  const single = await app.request(post('{"f1":1e308,"f2":0}'));
  assertEquals(single.status, 422);
  assertEquals(await single.json(), {
    error: {
      code: "invalid_input",
      message: `Invalid input: f1: ${issue.message}`,
      issues: [issue],
    },
  });
  for (
    const [body, path] of [
      ['[{"f1":1,"f2":0},{"f1":1e308,"f2":0}]', "[1].f1"],
      ['{"instances":[{"f1":1e308,"f2":0}]}', "instances[0].f1"],
    ] as const
  ) {
    const res = await app.request(post(body));
    assertEquals(res.status, 422, body);
    assertEquals((await res.json()).error.issues, [{ ...issue, path }]);
  }
  const v2 = await app.request(post(
    JSON.stringify({
      inputs: [
        { name: "f1", shape: [2], datatype: "FP64", data: [1, 1e308] },
        { name: "f2", shape: [2], datatype: "FP64", data: [0, 0] },
      ],
    }),
    { path: `/v2/models/${app.holder.current!.name}/infer` },
  ));
  assertEquals(v2.status, 400);
  assertEquals(await v2.json(), { error: `Invalid input: [1].f1: ${issue.message}` });
});

Deno.test("a body nested too deep (400) or holding too many values (413) is refused before it is parsed", async () => {
  // issue 14: 16 concurrent 1 MiB bodies of nested arrays took the server from 77 MB to 641 MB
  const app = await makeApp({ maxBatchRows: 100 });
  const v2 = `/v2/models/${app.holder.current!.name}/infer`;
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const deepMessage = "Request body nests arrays and objects deeper than 32 levels";
  const deepV2 = await app.request(post(deep, { path: v2 }));
  assertEquals(deepV2.status, 400);
  assertEquals(await deepV2.json(), { error: deepMessage });
  const deepOwn = await app.request(post(deep));
  assertEquals(deepOwn.status, 400);
  assertEquals(await deepOwn.json(), { error: { code: "too_deep", message: deepMessage } });
  // the values of 100 rows of 2 features, plus room for a V2 envelope
  const limit = 100 * 3 + 16 * 2 + 1024;
  const many = `[${new Array(limit + 1).fill(0).join(",")}]`;
  const manyMessage =
    `Request body holds more than ${limit} values, more than a batch of 100 rows of this model needs`;
  for (const path of ["/predict", v2]) {
    const res = await app.request(post(many, { path }));
    assertEquals(res.status, 413, path);
    assertEquals(
      await res.json(),
      path === v2 ? { error: manyMessage } : {
        error: { code: "too_many_values", message: manyMessage },
      },
    );
  }
  // at the limit it is parsed, and refused for what it is
  const atLimit = await app.request(post(`[${new Array(limit).fill(0).join(",")}]`));
  assertEquals((await atLimit.json()).error.code, "too_many_rows");
  // brackets, commas and escaped quotes inside strings are text, not structure
  const text = JSON.stringify({ f1: `\\"${"[,".repeat(limit)}`, f2: 0 });
  const res = await app.request(post(text));
  assertEquals(res.status, 422);
  assertEquals((await res.json()).error.issues[0].path, "f1");
  // the largest valid requests still pass: 100 rows as objects, and as one nested V2 tensor
  const rows = Array.from({ length: 100 }, (_, i) => ({ f1: i % 2, f2: 0 }));
  for (const payload of [rows, { instances: rows }]) {
    const ok = await app.request(post(JSON.stringify(payload)));
    assertEquals(ok.status, 200);
    await ok.body?.cancel();
  }
  const tensor = {
    inputs: [{
      name: "input-0",
      shape: [100, 2],
      datatype: "FP64",
      data: rows.map((r) => [r.f1, r.f2]),
    }],
  };
  const ok = await app.request(post(JSON.stringify(tensor), { path: v2 }));
  assertEquals(ok.status, 200);
  await ok.body?.cancel();
});

Deno.test("large bodies take turns to be read; when too many wait, the next gets 503 with Retry-After", async () => {
  const app = await makeApp({ largeBodies: { parallel: 1, queue: 1 } });
  // valid JSON, over the 64 KiB that makes a body large; refused (422) for its unknown field
  const padded = new TextEncoder().encode(JSON.stringify({ f1: 1, f2: 0, p: "x".repeat(99_970) }));
  const large = (send: (c: ReadableStreamDefaultController<Uint8Array>) => void) =>
    new Request("http://local/predict", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(padded.length) },
      body: new ReadableStream<Uint8Array>({ start: send }),
    });
  // the first takes the only slot, and its body stalls after one byte
  let first!: ReadableStreamDefaultController<Uint8Array>;
  const a = app.request(large((c) => {
    first = c;
    c.enqueue(padded.subarray(0, 1));
  }));
  // the second waits for the slot; the third finds the queue full
  const b = app.request(large((c) => {
    c.enqueue(padded);
    c.close();
  }));
  const busy = await app.request(large((c) => c.close()));
  assertEquals(busy.status, 503);
  assertEquals(busy.headers.get("retry-after"), "1");
  assertEquals(await busy.json(), {
    error: {
      code: "server_busy",
      message: "Too many large request bodies at once (over 65536 bytes): retry shortly",
    },
  });
  // small bodies never wait
  assertEquals((await app.request(post('{"f1":1,"f2":0}'))).status, 200);
  // the first finishes; the second then gets the slot and its answer
  first.enqueue(padded.subarray(1));
  first.close();
  assertEquals((await (await a).json()).error.issues, [{ path: "p", message: "unknown feature" }]);
  assertEquals((await b).status, 422);
});

function islandsCsv(): string {
  const lines = ["sex,island,x,kind"];
  for (let i = 0; i < 40; i++) {
    lines.push(
      `${i % 2 ? "MALE" : "FEMALE"},${["Biscoe", "Dream", "Dream"][i % 3]},${i},${
        i < 20 ? "a" : "b"
      }`,
    );
  }
  return lines.join("\n") + "\n";
}

Deno.test("POST /predict answers unseen categories with warnings and counts them by feature", async () => {
  const app = await makeApp({}, await tempCsv(islandsCsv()));
  const res = await app.request(post('{"sex":"male","island":"Mars","x":3}'));
  assertEquals(res.status, 200);
  const body = await res.json();
  assertEquals(body.prediction, "a");
  assertEquals(body.warnings.map((w: { feature: string; value: string }) => [w.feature, w.value]), [
    ["sex", "male"],
    ["island", "Mars"],
  ]);
  assertEquals(
    body.warnings[0].message,
    '"male" was not seen in training for "sex"; it counts as none of the known values ("FEMALE", "MALE"); did you mean "MALE"?',
  );
  const known = await (await app.request(post('{"sex":"MALE","island":"Dream","x":3}'))).json();
  assertEquals(known.warnings, undefined);
  const batch = await app.request(
    post('[{"sex":"MALE","island":"Dream","x":3},{"sex":"MALE","island":"Mars","x":3}]'),
  );
  const rows = await batch.json();
  assertEquals(rows.warnings.map((w: { row: number }) => w.row), [1]);
  const metrics = await (await app.request("http://local/metrics")).text();
  assertStringIncludes(metrics, 'mvd_unseen_categories_total{feature="island"} 2');
  assertStringIncludes(metrics, 'mvd_unseen_categories_total{feature="sex"} 1');
});

Deno.test("with unseenCategories reject, an unseen category is a 422 naming the feature", async () => {
  const app = await makeApp({ unseenCategories: "reject" }, await tempCsv(islandsCsv()));
  const res = await app.request(
    post('[{"sex":"MALE","island":"Dream","x":3},{"sex":"MALE","island":"Mars","x":3}]'),
  );
  assertEquals(res.status, 422);
  const body = await res.json();
  assertEquals(body.error.code, "unseen_category");
  assertEquals(body.error.issues[0].path, "[1].island");
  assertStringIncludes(
    body.error.message,
    'Unseen category: [1].island: "Mars" was not seen in training',
  );
});

Deno.test("the OpenAPI row lists known categories and /docs' example uses the most frequent", async () => {
  const app = await makeApp({}, await tempCsv(islandsCsv()));
  const doc = await (await app.request("http://local/openapi.json")).json();
  assertEquals(doc.components.schemas.Row.properties.island.enum, ["Biscoe", "Dream"]);
  const example = JSON.stringify(doc);
  assertStringIncludes(example, '"island":"Dream"');
});

Deno.test("POST /predict ignores a field named as the model's target, as predict ignores its column", async () => {
  const app = await makeApp();
  const plain = await (await app.request(post('{"f1":1,"f2":0}'))).json();
  // the fast path (one valid row) and the checked path (a batch, one row without it)
  const one = await app.request(post('{"f1":1,"f2":0,"label":0}'));
  assertEquals([one.status, await one.json()], [200, plain]);
  const batch = await app.request(post('[{"f1":1,"f2":0,"label":"x"},{"f1":1,"f2":0}]'));
  assertEquals(batch.status, 200);
  assertEquals((await batch.json()).predictions, [plain, plain]);
  // any other field is still unknown
  const other = await app.request(post('{"f1":1,"f2":0,"labels":0}'));
  assertEquals(other.status, 422);
  assertEquals((await other.json()).error.issues, [{ path: "labels", message: "unknown feature" }]);
});

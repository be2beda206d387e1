import { Registry } from "prom-client";
import { tempCsv, threeClassCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assert, assertEquals } from "../_testing/assert.ts";
import { ModelHolder, serveModel } from "./holder.ts";
import { type AppOptions, createApp } from "./app.ts";

async function makeApp(csv = TOY_CSV, options: AppOptions = {}) {
  const { model } = await trainOn(csv, csv === TOY_CSV ? {} : { target: "kind" });
  const holder = new ModelHolder(await serveModel(model, "test"));
  const app = createApp({ holder, registry: new Registry(), options });
  return Object.assign(app, { holder, model, name: holder.current!.name });
}

function infer(name: string, body: unknown) {
  return new Request(`http://local/v2/models/${name}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

Deno.test("V2 health, model metadata and readiness follow the spec's shapes", async () => {
  const app = await makeApp();
  assertEquals(await (await app.request("/v2/health/live")).json(), { live: true });
  assertEquals(await (await app.request("/v2/health/ready")).json(), { ready: true });
  const meta = await (await app.request(`/v2/models/${app.name}`)).json();
  assertEquals(meta.name, app.name);
  assertEquals(meta.versions, [app.holder.current!.version]);
  assertEquals(meta.inputs, [
    { name: "f1", datatype: "FP64", shape: [-1] },
    { name: "f2", datatype: "FP64", shape: [-1] },
  ]);
  assertEquals(meta.outputs[0], { name: "label", datatype: "INT64", shape: [-1] });
  assertEquals(await (await app.request(`/v2/models/${app.name}/ready`)).json(), {
    name: app.name,
    ready: true,
  });
  const other = await app.request("/v2/models/other/ready");
  assertEquals(other.status, 404);
  assertEquals(await other.json(), {
    error: 'No model "other"; this server serves "toy" version "' + app.holder.current!.version +
      '"',
  });
  app.holder.drain();
  assertEquals((await app.request("/v2/health/ready")).status, 503);
});

Deno.test("V2 infer takes one tensor per feature and answers labels and probabilities", async () => {
  const app = await makeApp(await tempCsv(threeClassCsv()));
  const res = await app.request(infer(app.name, {
    id: "r1",
    inputs: [
      { name: "x", shape: [3], datatype: "FP32", data: [1, 21, 11] },
      { name: "y", shape: [3, 1], datatype: "FP32", data: [[0], [1], [2]] },
    ],
  }));
  assertEquals(res.status, 200);
  const body = await res.json();
  assertEquals(body.model_name, app.name);
  assertEquals(body.model_version, app.holder.current!.version);
  assertEquals(body.id, "r1");
  assertEquals(body.outputs[0], {
    name: "label",
    shape: [3],
    datatype: "BYTES",
    data: ["low", "high", "mid"],
  });
  assertEquals(body.outputs[1].shape, [3, 3]);
  const expected = app.model.predictRows([{ x: 1, y: 0 }, { x: 21, y: 1 }, { x: 11, y: 2 }]);
  assertEquals(body.outputs[1].data, Array.from(expected.probabilities));
});

Deno.test("V2 infer takes one [N, F] tensor in feature order and can pick outputs", async () => {
  const app = await makeApp();
  const res = await app.request(infer(app.name, {
    inputs: [{ name: "input-0", shape: [2, 2], datatype: "FP64", data: [1, 0, 0, 1] }],
    outputs: [{ name: "label" }],
  }));
  const body = await res.json();
  assertEquals(body.outputs, [{ name: "label", shape: [2], datatype: "INT64", data: [1, 0] }]);
});

Deno.test("V2 infer refuses bad tensors with 400 and the protocol's {error} naming the tensor", async () => {
  const app = await makeApp();
  const cases: Array<[unknown, { path: string; message: string }]> = [
    [{ inputs: [] }, { path: "inputs", message: "Too small: expected array to have >=1 items" }],
    [
      { inputs: [{ name: "f1", shape: [2], datatype: "FP64", data: [1] }] },
      { path: "inputs[0].data", message: "expected 2 values for shape [2], got 1" },
    ],
    [
      { inputs: [{ name: "f9", shape: [1], datatype: "FP64", data: [1] }] },
      { path: "inputs[0].name", message: 'unknown feature "f9"' },
    ],
    [
      { inputs: [{ name: "t", shape: [1, 3], datatype: "FP64", data: [1, 2, 3] }] },
      { path: "inputs[0].shape", message: "expected [N, 2] (one column per feature), got [1, 3]" },
    ],
    [
      { inputs: [{ name: "f1", shape: [1], datatype: "FP64", data: [1] }] },
      { path: "[0].f2", message: "required" },
    ],
    [
      {
        inputs: [{ name: "f1", shape: [1], datatype: "FP64", data: [1] }, {
          name: "f2",
          shape: [1],
          datatype: "FP64",
          data: [0],
        }],
        outputs: [{ name: "logits" }],
      },
      { path: "outputs", message: 'unknown output "logits"' },
    ],
  ];
  for (const [body, issue] of cases) {
    const res = await app.request(infer(app.name, body));
    assertEquals(res.status, 400, JSON.stringify(body));
    const { error } = await res.json();
    const first = issue.path ? `${issue.path}: ${issue.message}` : issue.message;
    assert(error.startsWith(`Invalid input: ${first}`), `${JSON.stringify(body)}: ${error}`);
  }
  const wrongModel = await app.request(infer("nope", { inputs: [] }));
  assertEquals(wrongModel.status, 404);
});

Deno.test("GET /openapi.json describes the routes with the row schema from zod", async () => {
  const app = await makeApp();
  const doc = await (await app.request("/openapi.json")).json();
  assertEquals(doc.openapi, "3.1.0");
  assertEquals(doc.components.schemas.Row.required, ["f1", "f2"]);
  assertEquals(doc.components.schemas.Row.properties.f1, { type: "number" });
  assertEquals(doc.components.schemas.Row.additionalProperties, false);
  for (const path of ["/predict", "/model", "/readyz", "/v2/models/{name}/infer"]) {
    assert(path in doc.paths, path);
  }
  const example = doc.paths["/predict"].post.requestBody.content["application/json"].example;
  const res = await app.request("/predict", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(example),
  });
  assertEquals(res.status, 200, "the documented example is accepted");
});

Deno.test("GET /docs serves the page and its script from the app, no CDN", async () => {
  const app = await makeApp();
  const page = await app.request("/docs");
  assertEquals(page.status, 200);
  const html = await page.text();
  assert(html.includes('<script src="/docs/app.js">'));
  assert(!/https?:\/\//.test(html), "no external URL in the page");
  assert((page.headers.get("content-security-policy") ?? "").includes("default-src 'self'"));
  const js = await app.request("/docs/app.js");
  assertEquals(js.headers.get("content-type"), "text/javascript");
  assert((await js.text()).includes('fetch("/openapi.json")'));
});

Deno.test("V2 infer answers data nested deeper than its shape with a 4xx, never a 500", async () => {
  // issue 14: data nested 10,000 levels deep overflowed the stack in flat(Infinity): a 500
  const app = await makeApp();
  const deep = (n: number) => JSON.parse("[".repeat(n) + "1" + "]".repeat(n));
  const tensors = (data: unknown) => ({
    inputs: [
      { name: "f1", shape: [1], datatype: "FP64", data },
      { name: "f2", shape: [1], datatype: "FP64", data: [0] },
    ],
  });
  const res = await app.request(infer(app.name, tensors(deep(10_000))));
  assert(res.status >= 400 && res.status < 500, `status ${res.status}`);
  assertEquals(typeof (await res.json()).error, "string");
  // one level deeper than shape [1] allows: the value is an array, not an FP64
  const nested = await app.request(infer(app.name, tensors([[1]])));
  assertEquals(nested.status, 400);
  assertEquals(await nested.json(), {
    error:
      `Invalid input: ${"inputs[0].data[0]"}: ${"expected FP64 (a finite number), got an array"}`,
  });
  // a [N, 1] shape takes its rows nested one level, as the spec allows
  const column = await app.request(infer(app.name, {
    inputs: [
      { name: "f1", shape: [2, 1], datatype: "FP64", data: [[1], [0]] },
      { name: "f2", shape: [2, 1], datatype: "FP64", data: [[0], [1]] },
    ],
  }));
  assertEquals(column.status, 200);
});

Deno.test("V2 infer refuses a tensor name given twice instead of letting the last one win", async () => {
  const app = await makeApp();
  const res = await app.request(infer(app.name, {
    inputs: [
      { name: "f1", shape: [1], datatype: "FP64", data: [1] },
      { name: "f2", shape: [1], datatype: "FP64", data: [0] },
      { name: "f1", shape: [1], datatype: "FP64", data: [0] },
    ],
  }));
  assertEquals(res.status, 400);
  assertEquals(await res.json(), {
    error: `Invalid input: ${"inputs[2].name"}: ${'duplicate tensor name "f1" (also inputs[0])'}`,
  });
});

Deno.test("V2 infer checks every value against its tensor's datatype", async () => {
  const app = await makeApp();
  const two = (datatype: string, data: unknown[]) => ({
    inputs: [
      { name: "f1", shape: [data.length], datatype, data },
      { name: "f2", shape: [data.length], datatype: "FP64", data: data.map(() => 0) },
    ],
  });
  const refused: Array<[string, unknown[], string]> = [
    ["INT8", [1, 0.5], "inputs[0].data[1]: expected INT8 (an integer from -128 to 127), got 0.5"],
    ["INT8", [128], "inputs[0].data[0]: expected INT8 (an integer from -128 to 127), got 128"],
    ["UINT8", [-1], "inputs[0].data[0]: expected UINT8 (an integer from 0 to 255), got -1"],
    [
      "INT32",
      ["1"],
      "inputs[0].data[0]: expected INT32 (an integer from -2147483648 to 2147483647), got a string",
    ],
    [
      "FP16",
      [70000],
      "inputs[0].data[0]: expected FP16 (a number of magnitude at most 65504), got 70000",
    ],
    [
      "FP32",
      [1e39],
      "inputs[0].data[0]: expected FP32 (a number of magnitude at most 3.4028234663852886e+38), got 1e+39",
    ],
    ["FP64", [true], "inputs[0].data[0]: expected FP64 (a finite number), got a boolean"],
    ["FP64", [null], "inputs[0].data[0]: expected FP64 (a finite number), got null"],
    ["BOOL", [1], "inputs[0].data[0]: expected BOOL (true or false), got 1"],
    ["BYTES", [1], "inputs[0].data[0]: expected BYTES (a string), got 1"],
  ];
  for (const [datatype, data, message] of refused) {
    const res = await app.request(infer(app.name, two(datatype, data)));
    assertEquals(res.status, 400, `${datatype} ${JSON.stringify(data)}`);
    assertEquals(await res.json(), { error: `Invalid input: ${message}` });
  }
  // integers of any width are numbers for a numeric feature
  for (const datatype of ["INT8", "UINT64", "INT64", "FP16", "FP32", "FP64"]) {
    const res = await app.request(infer(app.name, two(datatype, [1, 0])));
    assertEquals(res.status, 200, datatype);
    await res.body?.cancel();
  }
  // a well-typed value of the wrong kind for the feature is the row check's to refuse
  const bytes = await app.request(infer(app.name, two("BYTES", ["1"])));
  assertEquals(bytes.status, 400);
  assertEquals(await bytes.json(), {
    error: `Invalid input: ${"[0].f1"}: ${"expected number, got string"}`,
  });
  // one [N, F] tensor is checked too
  const matrix = await app.request(infer(app.name, {
    inputs: [{ name: "input-0", shape: [1, 2], datatype: "UINT8", data: [1, 0.25] }],
  }));
  assertEquals(matrix.status, 400);
  assertEquals(await matrix.json(), {
    error:
      `Invalid input: ${"inputs[0].data[1]"}: ${"expected UINT8 (an integer from 0 to 255), got 0.25"}`,
  });
});

Deno.test("V2 infer takes a categorical feature as a BYTES tensor", async () => {
  const csv = await tempCsv(
    "size,color,kind\n1,red,a\n2,red,a\n3,blue,b\n4,blue,b\n1,red,a\n4,blue,b\n",
  );
  const app = await makeApp(csv);
  const res = await app.request(infer(app.name, {
    inputs: [
      { name: "size", shape: [2], datatype: "INT32", data: [1, 4] },
      { name: "color", shape: [2], datatype: "BYTES", data: ["red", "blue"] },
    ],
  }));
  assertEquals(res.status, 200);
  assertEquals((await res.json()).outputs[0].data, ["a", "b"]);
});

Deno.test("V2 infer puts unseen-category warnings in the response's parameters and counts them as /predict does", async () => {
  const csv = await tempCsv(
    "size,color,kind\n1,red,a\n2,red,a\n3,blue,b\n4,blue,b\n1,red,a\n4,blue,b\n",
  );
  const body = {
    inputs: [
      { name: "size", shape: [3], datatype: "INT32", data: [1, 4, 1] },
      { name: "color", shape: [3], datatype: "BYTES", data: ["red", "Blue", "mauve"] },
    ],
  };
  const app = await makeApp(csv);
  const res = await app.request(infer(app.name, body));
  assertEquals(res.status, 200);
  const answer = await res.json();
  assertEquals(answer.outputs[0].shape, [3]);
  assertEquals(answer.parameters.unseen_categories, 2);
  // the protocol's parameter values are scalars: the warnings are JSON text, as /predict gives them
  const warnings = JSON.parse(answer.parameters.warnings);
  assertEquals(warnings.map((w: { row: number; value: string }) => [w.row, w.value]), [
    [1, "Blue"],
    [2, "mauve"],
  ]);
  assertEquals(
    warnings[0].message,
    '"Blue" was not seen in training for "color"; it counts as none of the known values ("blue", "red"); did you mean "blue"?',
  );
  const metrics = await (await app.request("http://local/metrics")).text();
  assert(metrics.includes('mvd_unseen_categories_total{feature="color"} 2'), metrics);
  const known = await (await app.request(infer(app.name, {
    inputs: [
      { name: "size", shape: [1], datatype: "INT32", data: [1] },
      { name: "color", shape: [1], datatype: "BYTES", data: ["red"] },
    ],
  }))).json();
  assertEquals(known.parameters, undefined);

  const strict = await makeApp(csv, { unseenCategories: "reject" });
  const refused = await strict.request(infer(strict.name, body));
  assertEquals(refused.status, 400);
  const error = (await refused.json()).error;
  assert(error.startsWith('Unseen category: [1].color: "Blue" was not seen in training'), error);
});

Deno.test("V2 routes answer every error as {error: string} (auth, unknown model, limits); /predict keeps its shape", async () => {
  const token = "s3cret-token-0123456789";
  const model = (await trainOn(TOY_CSV)).model;
  const holder = new ModelHolder(await serveModel(model, "toy"));
  const app = createApp({ holder, registry: new Registry(), options: { token, maxBatchRows: 1 } });
  const body = {
    inputs: [
      { name: "f1", shape: [2], datatype: "FP64", data: [1, 0] },
      { name: "f2", shape: [2], datatype: "FP64", data: [0, 1] },
    ],
  };
  const unauthorized = await app.request(infer("toy", body));
  assertEquals(unauthorized.status, 401);
  assertEquals(unauthorized.headers.get("www-authenticate"), 'Bearer realm="predict"');
  const { error } = await unauthorized.json();
  assertEquals(typeof error, "string");
  const authed = (name: string) => {
    const req = infer(name, body);
    req.headers.set("authorization", `Bearer ${token}`);
    return req;
  };
  const tooMany = await app.request(authed("toy"));
  assertEquals(tooMany.status, 413);
  assertEquals(await tooMany.json(), { error: "Batch has 2 rows, more than the limit of 1" });
  const unknown = await app.request(authed("nope"));
  assertEquals(unknown.status, 404);
  assertEquals(Object.keys(await unknown.json()), ["error"]);
  const server = await (await app.request("/v2")).json();
  assertEquals(Object.keys(server), ["name", "version", "extensions"]);
  const own = await app.request(
    new Request("http://local/predict", { method: "POST", body: "{}" }),
  );
  assertEquals(Object.keys((await own.json()).error), ["code", "message"]);
});

Deno.test("V2 infer ignores an input tensor named as the model's target", async () => {
  const app = await makeApp(await tempCsv(threeClassCsv()));
  const inputs = [
    { name: "x", shape: [2], datatype: "FP32", data: [1, 21] },
    { name: "y", shape: [2], datatype: "FP32", data: [0, 1] },
  ];
  const plain = await (await app.request(infer(app.name, { inputs }))).json();
  const res = await app.request(infer(app.name, {
    inputs: [...inputs, { name: "kind", shape: [2], datatype: "BYTES", data: ["low", "high"] }],
  }));
  assertEquals(res.status, 200);
  assertEquals((await res.json()).outputs, plain.outputs);
  const doc = await (await app.request("/openapi.json")).json();
  assertEquals(
    doc.components.schemas.Row.properties.kind.description,
    "The model's target: accepted with any value and ignored",
  );
});

Deno.test("the V2 infer example of docs/http-api.md answers 200 from the model trained on data/toy.csv", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/http-api.md", import.meta.url));
  const example =
    /curl -s localhost:8000(\/v2\/models\/[^/]+\/infer) .*\\\n {2}-d '([^']+)'\n# (\{"model_name":"([^"]+)")/
      .exec(doc);
  assert(example, "the V2 infer example is in docs/http-api.md");
  const [, path, body, , name] = example;
  const app = await makeApp();
  const res = await app.request(
    new Request(`http://local${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    }),
  );
  assertEquals(res.status, 200, await res.clone().text());
  assertEquals((await res.json()).model_name, name);
  // the OpenAPI document gives the same name as the path's example
  const openapi = await (await app.request("/openapi.json")).json();
  const infer = openapi.paths["/v2/models/{name}/infer"].post;
  assertEquals(infer.parameters[0].example, name);
});

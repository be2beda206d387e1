// Property-based fuzzing of the HTTP API, socket-free through app.request():
// every answer is a 4xx in the one error shape or a correct 200, never a 5xx,
// a hang or a leak of internals, and the app still answers normally after.
import fc from "fast-check";
import { Registry } from "prom-client";
import { tempCsv, trainOn } from "../lib/_testing/fixtures.ts";
import { assert, assertEquals } from "../lib/_testing/assert.ts";
import { createApp } from "../lib/http/app.ts";
import { ModelHolder, serveModel } from "../lib/http/holder.ts";
import {
  checkPrediction,
  contentTypes,
  ErrorBody,
  fuzzParams,
  leakIn,
  parsed,
  rawBodies,
  V2ErrorBody,
  validRows,
} from "./_fuzz.ts";

/**
 * Numeric `x`, categorical `color`, numeric `z` with gaps (so optional), a
 * date `day`; written with ';' and decimal commas, as a spreadsheet exports it.
 */
function mixedCsv(): string {
  const lines = ["x;color;z;day;label"];
  const colors = ["red", "green", "blue"];
  for (let i = 0; i < 60; i++) {
    const k = i % 3;
    const z = i % 7 === 0 ? "NA" : `${(i * 13) % 10},5`;
    const day = `2024-${String(1 + (i % 12)).padStart(2, "0")}-${
      String(1 + (i % 28)).padStart(2, "0")
    }`;
    lines.push(`${k * 10 + (i % 4)};${colors[k]};${z};${day};${["lo", "mid", "hi"][k]}`);
  }
  return lines.join("\n") + "\n";
}

const { model } = await trainOn(await tempCsv(mixedCsv()), {
  features: ["x", "color", "z", "day"],
});
// a date feature, and z read through its decimal commas and NA markers
assertEquals(model.file.features.map((f) => f.type), ["numeric", "categorical", "numeric", "date"]);
const served = await serveModel(model, "fuzz");
const TIMEOUT_MS = 5_000;

function makeApp() {
  return createApp({ holder: new ModelHolder(served), registry: new Registry() });
}

async function answer(
  app: ReturnType<typeof makeApp>,
  request: Request,
): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    return await Promise.race([app.request(request), hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkAnswer(
  res: Response,
  sent: { body: string | Uint8Array; method: string; path: string },
): Promise<void> {
  const text = await res.text();
  const shown = `${sent.method} ${sent.path} → ${res.status} ${text.slice(0, 300)}`;
  assert(res.status < 500, `5xx: ${shown}`);
  const sentText = typeof sent.body === "string" ? sent.body : new TextDecoder().decode(sent.body);
  if (res.status >= 400) {
    const leak = leakIn(text, sentText);
    assert(leak === undefined, `internals leaked (${leak}): ${shown}`);
    if (sent.method === "HEAD") return;
    const v2 = sent.path.startsWith("/v2/");
    const shape = (v2 ? V2ErrorBody : ErrorBody).safeParse(JSON.parse(text));
    assert(shape.success, `error body not in the one shape: ${shown}`);
    return;
  }
  if (sent.method !== "POST" || sent.path !== "/predict") return;
  // a 2xx from /predict: a 200, the payload was valid, and every label is right
  assertEquals(res.status, 200, shown);
  const payload = parsed(sent.body);
  assert(payload.ok, `200 for a body that is not JSON: ${shown}`);
  checkPrediction(JSON.parse(text), payload.value, model, shown);
}

async function answersNormally(app: ReturnType<typeof makeApp>): Promise<void> {
  const res = await answer(
    app,
    new Request("http://local/predict", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ x: 21, color: "blue", z: 3, day: "2024-05-06" }),
    }),
  );
  assertEquals(res.status, 200);
  assertEquals((await res.json()).prediction, "hi");
}

Deno.test("POST /predict answers any body with a correct 200 or a 4xx in the one error shape", async () => {
  const app = makeApp();
  let served = 0;
  await fc.assert(
    fc.asyncProperty(rawBodies(model.file.features), contentTypes, async (body, type) => {
      const headers = new Headers(type === undefined ? {} : { "content-type": type });
      const res = await answer(
        app,
        new Request("http://local/predict", { method: "POST", headers, body }),
      );
      if (res.status === 200) served++;
      await checkAnswer(res, { body, method: "POST", path: "/predict" });
      // a valid payload sent as JSON must be answered (or refused for size)
      const payload = parsed(body);
      if (
        payload.ok && validRows(payload.value, model) &&
        /^application\/json\s*(;|$)/i.test(type ?? "")
      ) {
        assert(res.status === 200 || res.status === 413, `valid payload got ${res.status}`);
      }
    }),
    fuzzParams(1500),
  );
  // the generators must reach the happy path too, or the 200 checks prove nothing
  assert(served > 0, "no generated body was valid");
  await answersNormally(app);
});

Deno.test("every method on every route answers below 500 in the one error shape", async () => {
  const app = makeApp();
  const path = fc.oneof(
    fc.constantFrom(
      "/",
      "/predict",
      "/healthz",
      "/readyz",
      "/metrics",
      "/predict/",
      "//predict",
      "/v2/models/fuzz/infer",
      "/v2/models/other/infer",
    ),
    fc.webPath(),
  );
  const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
  await fc.assert(
    fc.asyncProperty(method, path, rawBodies(model.file.features), async (m, p, body) => {
      const withBody = m !== "GET" && m !== "HEAD";
      const url = new URL(`http://local${p.startsWith("/") ? p : `/${p}`}`);
      const res = await answer(
        app,
        new Request(url, {
          method: m,
          headers: { "content-type": "application/json" },
          body: withBody ? body : undefined,
        }),
      );
      await checkAnswer(res, { body: withBody ? body : "", method: m, path: url.pathname });
    }),
    fuzzParams(300),
  );
  await answersNormally(app);
});

// A short mixed-traffic soak of the real server (the `serve` task's command):
// concurrent fetch loops send valid single rows, batches and invalid bodies in
// the proportions of bench/mixed.lua. Never a 5xx; every answer a correct 200
// or the 4xx its request must get, in the one error shape; exactly one 4xx per
// invalid request; and the server answers normally afterwards. A fixed number
// of requests, so a busy machine makes it slower, never weaker. Timing and
// memory are measured by `deno task bench:serve --soak 300 --mix`, not here.
import { TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { assert, assertEquals } from "../lib/_testing/assert.ts";
import { loadModel } from "../lib/registry/artifacts.ts";
import { checkPrediction, ErrorBody, leakIn, validRows } from "./_fuzz.ts";
import { makeProject } from "./_project.ts";
import { postJson, startServer } from "./_server.ts";

const LOOPS = 24;
/** Requests in all: every case of the mix comes round several times. */
const REQUESTS = 2_400;

/** One request of the mix and what it must get. */
interface Case {
  kind: "single" | "batch" | "invalid";
  body: string;
  type: string;
  status: 200 | 400 | 415 | 422;
  /** The error code of a 4xx. */
  code?: string;
}

const JSON_TYPE = "application/json";

function row(i: number): Record<string, number> {
  // values over [-10, 10] with decimals, and some integers
  return i % 4 === 0
    ? { f1: i % 2, f2: (i + 1) % 2 }
    : { f1: (((i * 37) % 201) - 100) / 10, f2: (((i * 53) % 97) - 48) / 4.8 };
}
const rows = (n: number, offset: number) => Array.from({ length: n }, (_, i) => row(i + offset));

const SINGLES: Case[] = Array.from({ length: 32 }, (_, i) => ({
  kind: "single",
  body: JSON.stringify(row(i + 1)),
  type: JSON_TYPE,
  status: 200,
}));

const BATCHES: Case[] = [
  { instances: rows(1000, 0) },
  rows(100, 7),
  rows(1000, 3),
  { instances: rows(100, 11) },
].map((payload) => ({
  kind: "batch",
  body: JSON.stringify(payload),
  type: JSON_TYPE,
  status: 200,
}));

const badBatch = rows(100, 1) as Array<Record<string, unknown>>;
badBatch[50] = { f1: 1, f2: null };

const INVALID: Case[] = [
  { body: '{"f1":1,"f2":', type: JSON_TYPE, status: 400, code: "malformed_json" },
  { body: '{"f1":"one","f2":0}', type: JSON_TYPE, status: 422, code: "invalid_input" },
  { body: '{"f1":1,"f2":0}', type: "text/plain", status: 415, code: "unsupported_media_type" },
  { body: '{"f1":1,"f2":0,"f3":2}', type: JSON_TYPE, status: 422, code: "invalid_input" },
  { body: "{f1: 1, f2: 0}", type: JSON_TYPE, status: 400, code: "malformed_json" },
  { body: '{"f1":1}', type: JSON_TYPE, status: 422, code: "invalid_input" },
  { body: '{"instances":[]}', type: JSON_TYPE, status: 422, code: "invalid_input" },
  { body: JSON.stringify(badBatch), type: JSON_TYPE, status: 422, code: "invalid_input" },
].map((c) => ({ kind: "invalid", ...c }) as Case);

// per 20 requests: 14 single rows, 2 batches, 4 invalid, as in bench/mixed.lua
const CYCLE = "sssxssbssxsssxssbssx";

/** The `n`th request of the mix. */
function nth(n: number): Case {
  const cycle = Math.floor(n / CYCLE.length);
  const slot = n % CYCLE.length;
  const kind = CYCLE[slot];
  // index of this kind within all requests so far, so each list is walked in turn
  const before = (k: string) => cycle * count(CYCLE, k) + count(CYCLE.slice(0, slot), k);
  if (kind === "s") return SINGLES[before("s") % SINGLES.length]!;
  if (kind === "b") return BATCHES[before("b") % BATCHES.length]!;
  return INVALID[before("x") % INVALID.length]!;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

Deno.test("the mix's cases are what an independent check of the toy model's schema says", async () => {
  const { model } = await trainOn(TOY_CSV);
  for (const c of [...SINGLES, ...BATCHES, ...INVALID]) {
    let payload: unknown;
    try {
      payload = JSON.parse(c.body);
    } catch {
      assertEquals(c.status, 400, c.body);
      continue;
    }
    const valid = validRows(payload, model) !== undefined;
    assertEquals(valid, c.status === 200 || c.status === 415, c.body.slice(0, 80));
  }
  // every kind comes round: 14 + 2 + 4 per 20
  const first = Array.from({ length: 200 }, (_, i) => nth(i));
  assertEquals(first.filter((c) => c.kind === "single").length, 140);
  assertEquals(first.filter((c) => c.kind === "batch").length, 20);
  assertEquals(first.filter((c) => c.kind === "invalid").length, 40);
  assertEquals(new Set(first).size, SINGLES.length + BATCHES.length + INVALID.length);
});

Deno.test("mixed traffic from 24 loops gets no 5xx, a correct 200 or the right 4xx, one per invalid body", async () => {
  await using p = await makeProject();
  await p.trainAndPromote(["--iterations", "200"]);
  const model = await loadModel(`${p.dir}/models/latest`);
  await using server = await startServer(p.dir);
  const url = `${server.base}/predict`;
  const tally = {
    sent: 0,
    invalid: 0,
    ok: 0,
    clientErrors: 0,
    byStatus: new Map<number, number>(),
  };
  let next = 0;
  const loop = async () => {
    while (next < REQUESTS) {
      const c = nth(next++);
      tally.sent++;
      if (c.kind === "invalid") tally.invalid++;
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": c.type },
        body: c.body,
      });
      const text = await res.text();
      const shown = `${c.kind} ${c.body.slice(0, 60)} → ${res.status} ${text.slice(0, 200)}`;
      tally.byStatus.set(res.status, (tally.byStatus.get(res.status) ?? 0) + 1);
      assert(res.status < 500, `5xx: ${shown}`);
      assertEquals(res.status, c.status, shown);
      if (res.status === 200) {
        tally.ok++;
        checkPrediction(JSON.parse(text), JSON.parse(c.body), model, shown);
        continue;
      }
      tally.clientErrors++;
      const shape = ErrorBody.safeParse(JSON.parse(text));
      assert(shape.success, `error body not in the one shape: ${shown}`);
      assertEquals(shape.data.error.code, c.code, shown);
      assertEquals(leakIn(text, c.body), undefined, shown);
    }
  };
  await Promise.all(Array.from({ length: LOOPS }, loop));

  assertEquals(tally.clientErrors, tally.invalid);
  assertEquals(tally.ok, tally.sent - tally.invalid);
  assertEquals(tally.sent, REQUESTS);
  // the server counted the same: its metrics agree with what the loops saw
  const metrics = await (await fetch(`${server.base}/metrics`)).text();
  for (const [status, n] of tally.byStatus) {
    const line = metrics.split("\n").find((l) =>
      l.startsWith("mvd_http_requests_total{") && l.includes('route="/predict"') &&
      l.includes(`status="${status}"`)
    );
    assertEquals(Number(line?.split(" ").at(-1)), n, `metrics for ${status}: ${line}`);
  }
  // and still answers normally
  const res = await postJson(url, { f1: 1, f2: 0 });
  assertEquals(res.status, 200);
  checkPrediction(await res.json(), { f1: 1, f2: 0 }, model, "after the load");
  const ready = await fetch(`${server.base}/readyz`);
  assertEquals(ready.status, 200, await ready.text());
  assertEquals(server.lines.filter((l) => l.level === "error"), []);
  console.log(
    `${tally.sent} requests from ${LOOPS} loops: ${tally.ok} 200, ${tally.clientErrors} 4xx (${
      [...tally.byStatus].map(([s, n]) => `${s}×${n}`).join(", ")
    })`,
  );
});

// `deno task smoke` as the pipeline runs it: a subprocess against a server on 127.0.0.1.
import { Registry } from "prom-client";
import { TOY_CSV, trainOn } from "../lib/_fixtures.ts";
import { assertEquals, assertMatch, assertStringIncludes } from "../lib/assert.ts";
import { createApp } from "../lib/http/app.ts";
import { runDeno } from "./_project.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const smoke = (args: string[]) => runDeno(["task", "-q", "smoke", ...args], { cwd: ROOT });

Deno.test("deno task smoke exits 0 with one summary line against a healthy server", async () => {
  const { model } = await trainOn(TOY_CSV);
  const app = createApp({ model, registry: new Registry() });
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    app.fetch,
  );
  const out = await smoke(["--url", `http://127.0.0.1:${server.addr.port}`]);
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stdout, /^smoke ok: http:\/\/127\.0\.0\.1:\d+\/: GET \/readyz 200 in \d+ ms; /);
  assertEquals(out.stdout.trim().split("\n").length, 1);
});

Deno.test("deno task smoke exits 1 with one line when a check fails", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("starting", { status: 503 }),
  );
  const out = await smoke(["--url", `http://127.0.0.1:${server.addr.port}`]);
  assertEquals(out.code, 1);
  assertEquals(
    out.stderr,
    'error: Smoke check "GET /readyz" failed: status 503, expected 200: starting\n',
  );
});

Deno.test("deno task smoke exits 2 on a missing or bad --url", async () => {
  const missing = await smoke([]);
  assertEquals(missing.code, 2);
  assertEquals(missing.stderr, "error: Invalid --url: required (see --help)\n");
  const bad = await smoke(["--url", "ftp://x"]);
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "error: Invalid --url: expected an http(s) URL");
  const body = await smoke(["--url", "http://127.0.0.1:9", "--body", "{"]);
  assertEquals(body.code, 2);
  assertStringIncludes(body.stderr, "error: Invalid --body: expected JSON");
});

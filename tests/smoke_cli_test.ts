// `deno task smoke` as the pipeline runs it: a subprocess against a server on 127.0.0.1.
import { assertEquals, assertMatch, assertStringIncludes } from "../lib/_testing/assert.ts";
import { makeProject, runDeno } from "./_project.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const smoke = (args: string[]) => runDeno(["task", "-q", "smoke", ...args], { cwd: ROOT });

Deno.test("deno task smoke exits 0 with one summary line against deno task serve", async () => {
  await using project = await makeProject();
  assertEquals((await project.deno(["task", "-q", "train"])).code, 0);
  assertEquals((await project.deno(["task", "-q", "evaluate"])).code, 0);
  const server = new Deno.Command("deno", {
    args: ["task", "-q", "serve", "--port", "0", "--host", "127.0.0.1"],
    cwd: project.dir,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/"msg":"listening"[^\n]*\n/.test(text)) {
      const chunk = await lines.read();
      if (chunk.done) throw new Error(`serve did not start: ${text}`);
      text += chunk.value;
    }
    lines.releaseLock();
    const port = /"port":(\d+)/.exec(text.split("\n").find((l) => l.includes('"listening"'))!)?.[1];
    const out = await smoke(["--url", `http://127.0.0.1:${port}`]);
    assertEquals(out.code, 0, out.stderr);
    assertMatch(out.stdout, /^smoke ok: http:\/\/127\.0\.0\.1:\d+\/: GET \/readyz 200 in \d+ ms; /);
    assertEquals(out.stdout.trim().split("\n").length, 1);
  } finally {
    server.kill("SIGTERM");
    await server.status;
    await server.stdout.cancel().catch(() => {});
  }
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

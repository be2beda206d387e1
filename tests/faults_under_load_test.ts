// `deno task serve` under load while something goes wrong: SIGTERM mid-traffic, slow clients.
// Reload under load and a truncated model on reload are in tests/serve_test.ts.
import { assert, assertEquals, assertStringIncludes } from "../lib/assert.ts";
import { makeProject, type Project } from "./_project.ts";
import { postJson, startServer } from "./_server.ts";

const ROW = { f1: 1, f2: 0 };
/** Load phase length; LOAD_MS=10000 (with --allow-env=LOAD_MS) for a longer run. */
const LOAD_MS = Deno.permissions.querySync({ name: "env", variable: "LOAD_MS" }).state === "granted"
  ? Number(Deno.env.get("LOAD_MS") ?? "1000")
  : 1000;

async function project(): Promise<Project> {
  const p = await makeProject();
  await p.trainAndPromote(["--iterations", "200"]);
  return p;
}

/** What a fetch loop saw: statuses of answered requests, and errors of those never answered. */
interface Tally {
  statuses: number[];
  refused: string[];
}

/** Posts predictions back to back until `stopped()`, or until the server stops answering. */
async function fetchLoop(base: string, stopped: () => boolean, tally: Tally): Promise<void> {
  while (!stopped()) {
    try {
      const res = await postJson(`${base}/predict`, ROW);
      await res.body?.cancel();
      tally.statuses.push(res.status);
    } catch (err) {
      // no response at all: the listener is closed (connection refused) or the
      // server closed a keep-alive connection before reading this request
      const cause = err instanceof Error ? err.cause ?? err.message : err;
      tally.refused.push(cause instanceof Error ? cause.message : String(cause));
      return;
    }
  }
}

Deno.test("SIGTERM under sustained load answers every accepted request 200 and exits 0", async () => {
  await using p = await project();
  const timeout = 3;
  const server = await startServer(p.dir, { env: { SHUTDOWN_TIMEOUT: String(timeout) } });
  const tally: Tally = { statuses: [], refused: [] };
  let exited = false;
  const loops = Array.from({ length: 8 }, () => fetchLoop(server.base, () => exited, tally));
  await new Promise((r) => setTimeout(r, LOAD_MS));
  const before = tally.statuses.length;
  const started = Date.now();
  server.child.kill("SIGTERM");
  const status = await server.stop();
  const took = Date.now() - started;
  exited = true;
  await Promise.all(loops);
  const failed = tally.statuses.filter((s) => s !== 200);
  assertEquals(failed, [], "every request that got a response got 200");
  assert(before > 50, `load was sustained: ${before} answers before SIGTERM`);
  assertEquals(status.code, 0, server.stderr());
  assert(took < timeout * 1000 + 1500, `exited in ${took} ms, SHUTDOWN_TIMEOUT ${timeout} s`);
  assert(server.lines.some((l) => l.msg === "shutting down"), JSON.stringify(server.lines));
  // requests sent after the listener closed have no response: they were never
  // accepted (refused at connect), so they are not failures. A request the
  // server took in and then dropped would show as a reset or a closed
  // connection instead, and fail here.
  for (const reason of tally.refused) assertStringIncludes(reason, "Connection refused");
  console.log(
    `answered ${tally.statuses.length} (all 200), ${
      tally.statuses.length - before
    } of them after SIGTERM; ${tally.refused.length} refused after close; exit in ${took} ms`,
  );
});

Deno.test("a tampered model on reload under load is refused and the old one keeps serving", async () => {
  await using p = await project();
  await using server = await startServer(p.dir);
  const version = async () => (await (await fetch(`${server.base}/model`)).json()).version;
  const before = await version();
  const tally: Tally = { statuses: [], refused: [] };
  let done = false;
  const loops = Array.from({ length: 4 }, () => fetchLoop(server.base, () => done, tally));
  await new Promise((r) => setTimeout(r, 200));
  // valid JSON, one weight short: what a bad edit or a bit of tampering leaves
  const file = `${p.dir}/models/latest/model.json`;
  const doc = JSON.parse(await Deno.readTextFile(file));
  doc.estimator.classifiers[0].weights[0].pop();
  const failed = server.waitFor((l) => l.msg === "model load failed");
  await Deno.writeTextFile(`${file}.tmp`, JSON.stringify(doc));
  await Deno.rename(`${file}.tmp`, file);
  const line = await failed;
  await new Promise((r) => setTimeout(r, 200));
  done = true;
  await Promise.all(loops);
  assertEquals(tally.refused, []);
  assertEquals(tally.statuses.filter((s) => s !== 200), []);
  assert(tally.statuses.length > 20, `load was sustained: ${tally.statuses.length}`);
  assertEquals(line.serving, before);
  assertStringIncludes(String(line.error), "expected 3 weights for the features, got 2");
  assertEquals(await version(), before);
});

/** Opens a raw connection that sends a request head and part of a body, then trickles. */
async function slowClient(
  port: number,
  signal: AbortSignal,
  trickles: Promise<void>[],
): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const text = new TextEncoder();
  await conn.write(text.encode(
    "POST /predict HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
      "content-length: 1000\r\n\r\n{",
  ));
  trickles.push((async () => {
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, 200));
      if (signal.aborted) break;
      await conn.write(text.encode(" ")).catch(() => {});
    }
  })());
  return conn;
}

Deno.test("slow clients that never finish do not starve normal requests or the 413", async () => {
  await using p = await project();
  await using server = await startServer(p.dir, { env: { MAX_BODY_BYTES: "4096" } });
  const port = Number(new URL(server.base).port);
  const stop = new AbortController();
  const trickles: Promise<void>[] = [];
  const slow = await Promise.all(
    Array.from({ length: 20 }, () => slowClient(port, stop.signal, trickles)),
  );
  try {
    // a few more that stall in the middle of the request head
    for (let i = 0; i < 5; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode("POST /predict HTTP/1.1\r\nhost: 127"));
      slow.push(conn);
    }
    await new Promise((r) => setTimeout(r, 300));
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const res = await postJson(`${server.base}/predict`, ROW);
      assertEquals(res.status, 200);
      assertEquals((await res.json()).prediction, 1);
      times.push(performance.now() - t);
    }
    const slowest = Math.max(...times);
    assert(slowest < 1000, `slowest normal request took ${slowest.toFixed(0)} ms`);
    const big = await postJson(`${server.base}/predict`, [{ ...ROW, pad: "x".repeat(10_000) }]);
    assertEquals(big.status, 413);
    assertEquals((await big.json()).error.code, "payload_too_large");
    const ready = await fetch(`${server.base}/readyz`);
    assertEquals(ready.status, 200);
    await ready.body?.cancel();
    console.log(
      `25 stalled connections open; slowest of 20 normal requests ${slowest.toFixed(0)} ms`,
    );
  } finally {
    stop.abort();
    await Promise.all(trickles);
    for (const conn of slow) {
      try {
        conn.close();
      } catch {
        // already closed by the server
      }
    }
  }
});

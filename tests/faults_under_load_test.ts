// `deno task serve` under load while something goes wrong: SIGTERM mid-traffic, slow clients,
// models/latest swapped back and forth with SIGHUP (to good runs and to a tampered one).
// Reload on a file change and a truncated model on reload are in tests/serve_test.ts.
import { assert, assertEquals, assertStringIncludes } from "../lib/_testing/assert.ts";
import { loadModel } from "../lib/registry/artifacts.ts";
import { MODEL_FILE } from "../lib/registry/layout.ts";
import { modelToJson, modelVersion } from "../lib/model/model.ts";
import { promote } from "../lib/registry/promote.ts";
import { makeProject, type Project, promoted } from "./_project.ts";
import { postJson, type Server, startServer } from "./_server.ts";

const ROW = { f1: 1, f2: 0 };
/** Load phase length; LOAD_MS=10000 (with --allow-env=LOAD_MS) for a longer run. */
const LOAD_MS = Deno.permissions.querySync({ name: "env", variable: "LOAD_MS" }).state === "granted"
  ? Number(Deno.env.get("LOAD_MS") ?? "500")
  : 500;

/** A project with one run trained and promoted (trained once, shared by the tests). */
function project(): Promise<Project> {
  return makeProject({ setup: promoted(["--iterations", "200"]) });
}

/** What a fetch loop saw: statuses of answered requests, and errors of those never answered. */
interface Tally {
  statuses: number[];
  refused: string[];
  /** Loops that were told `Connection: close` and left. */
  closed?: number;
  /** When set, each distinct 200 body and how often it came. */
  bodies?: Map<string, number>;
}

/**
 * Posts predictions back to back until `stopped()`, until the server stops
 * answering, or until an answer says `Connection: close` (a draining server):
 * then it moves away, as a load balancer's pool does.
 */
async function fetchLoop(base: string, stopped: () => boolean, tally: Tally): Promise<void> {
  while (!stopped()) {
    try {
      const res = await postJson(`${base}/predict`, ROW);
      if (tally.bodies && res.status === 200) {
        const body = await res.text();
        tally.bodies.set(body, (tally.bodies.get(body) ?? 0) + 1);
      } else await res.body?.cancel();
      tally.statuses.push(res.status);
      if (res.headers.get("connection") === "close") {
        tally.closed = (tally.closed ?? 0) + 1;
        return;
      }
    } catch (err) {
      // no response at all: the listener is closed (connection refused) or the
      // server closed a keep-alive connection before reading this request
      const cause = err instanceof Error ? err.cause ?? err.message : err;
      tally.refused.push(cause instanceof Error ? cause.message : String(cause));
      return;
    }
  }
}

/** Runs `n` fetch loops against `base`; `stop()` ends them and waits until they have. */
function loadOn(base: string, n: number, tally: Tally): { stop(): Promise<void> } {
  let stopped = false;
  const loops = Array.from({ length: n }, () => fetchLoop(base, () => stopped, tally));
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Every request of the load was answered, all with 200, and there were more than `min`. */
function assertAllAnswered200(tally: Tally, min: number): void {
  assertEquals(tally.refused, []);
  assertEquals(tally.statuses.filter((s) => s !== 200), []);
  assert(tally.statuses.length > min, `load was sustained: ${tally.statuses.length}`);
}

Deno.test("SIGTERM under sustained load answers every request 200, tells each client to close, exits 0", async () => {
  await using p = await project();
  const timeout = 3;
  const server = await startServer(p.dir, { env: { SHUTDOWN_TIMEOUT: String(timeout) } });
  const tally: Tally = { statuses: [], refused: [] };
  const load = loadOn(server.base, 8, tally);
  await new Promise((r) => setTimeout(r, LOAD_MS));
  const before = tally.statuses.length;
  const started = Date.now();
  server.child.kill("SIGTERM");
  const status = await server.stop();
  const took = Date.now() - started;
  await load.stop();
  const failed = tally.statuses.filter((s) => s !== 200);
  assertEquals(failed, [], "every request that got a response got 200");
  assert(before > 50, `load was sustained: ${before} answers before SIGTERM`);
  assertEquals(status.code, 0, server.stderr());
  assert(took < timeout * 1000 + 1500, `exited in ${took} ms, SHUTDOWN_TIMEOUT ${timeout} s`);
  assert(server.lines.some((l) => l.msg === "shutting down"), JSON.stringify(server.lines));
  // the drain told every loop to close before the listener closed: none was
  // cut off (a reset or closed connection) or refused at connect
  assertEquals(tally.refused, []);
  assertEquals(tally.closed, 8);
  console.log(
    `answered ${tally.statuses.length} (all 200), ${
      tally.statuses.length - before
    } of them after SIGTERM, each loop told to close; exit in ${took} ms`,
  );
});

Deno.test("a tampered model on reload under load is refused and the old one keeps serving", async () => {
  await using p = await project();
  await using server = await startServer(p.dir);
  const version = async () => (await (await fetch(`${server.base}/model`)).json()).version;
  const before = await version();
  const tally: Tally = { statuses: [], refused: [] };
  const load = loadOn(server.base, 4, tally);
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
  await load.stop();
  assertAllAnswered200(tally, 20);
  assertEquals(line.serving, before);
  // the run is sealed: its manifest refuses the edit before the model is even parsed
  assertStringIncludes(
    String(line.error),
    "model.json does not match its checksum in manifest.json",
  );
  assertEquals(await version(), before);
});

/** Two promoted runs that answer ROW differently; latest points to the second. */
async function twoRuns(): Promise<{ p: Project; models: string; runs: [string, string] }> {
  const p = await makeProject({
    setup: [
      ...promoted(["--iterations", "200"]),
      ...promoted(["--iterations", "40", "--seed", "7"]),
    ],
  });
  const models = `${p.dir}/models`;
  const ids = [];
  for await (const e of Deno.readDir(`${models}/runs`)) {
    if (!e.name.startsWith(".")) ids.push(e.name);
  }
  ids.sort();
  assertEquals(ids.length, 2, ids.join(", "));
  return { p, models, runs: [ids[0]!, ids[1]!] };
}

/** The version serve reports for the model in `dir`. */
async function versionOf(dir: string): Promise<string> {
  return await modelVersion((await loadModel(dir)).file);
}

async function served(server: Server): Promise<string> {
  return (await (await fetch(`${server.base}/model`)).json()).version;
}

/** `mvd_model_reloads_total{trigger="signal",result=...}` as the server reports it. */
async function signalReloads(server: Server, result: string): Promise<number> {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const m = new RegExp(`mvd_model_reloads_total\\{trigger="signal",result="${result}"\\} (\\d+)`)
    .exec(text);
  return m ? Number(m[1]) : 0;
}

/** The body of one prediction right now. */
async function answer(server: Server): Promise<string> {
  const res = await postJson(`${server.base}/predict`, ROW);
  assertEquals(res.status, 200);
  return await res.text();
}

/** Polls until the server serves `version`, or fails after `ms`. */
async function settlesOn(server: Server, version: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (await served(server) !== version) {
    if (Date.now() > deadline) {
      throw new Error(`server still serves ${await served(server)}, not ${version}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const SWAPS = 16;

Deno.test(`SIGHUP under load while latest flips between two runs ${SWAPS} times fails no request`, async () => {
  const { p, models, runs } = await twoRuns();
  await using _ = p;
  const dirs = runs.map((id) => `${models}/runs/${id}`);
  const versions = await Promise.all(dirs.map(versionOf));
  assert(versions[0] !== versions[1], "the two runs are different models");
  await using server = await startServer(p.dir, { env: { WATCH_MODEL: "false" } });
  assertEquals(await served(server), versions[1]);
  // what each model answers, taken from the live server before the load starts
  const bodies = [await answer(server)];
  await promote(dirs[0]!, { root: models });
  server.child.kill("SIGHUP");
  await settlesOn(server, versions[0]!);
  bodies.unshift(await answer(server));
  assert(bodies[0] !== bodies[1], `both runs answer ${bodies[0]}`);

  const tally: Tally = { statuses: [], refused: [], bodies: new Map() };
  const load = loadOn(server.base, 6, tally);
  let last = 0;
  for (let i = 0; i < SWAPS; i++) {
    // random targets and gaps: sometimes a swap lands while the last reload still runs
    last = Math.random() < 0.5 ? 0 : 1;
    await promote(dirs[last]!, { root: models });
    server.child.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, Math.random() * 120));
  }
  await settlesOn(server, versions[last]!);
  await new Promise((r) => setTimeout(r, 200));
  await load.stop();
  assertAllAnswered200(tally, 100);
  const unknown = [...tally.bodies!.keys()].filter((b) => !bodies.includes(b));
  assertEquals(unknown, [], "every answer is one of the two models'");
  assertEquals(await served(server), versions[last], "serves what latest points to");
  assertEquals(await signalReloads(server, "failure"), 0);
  assert(await signalReloads(server, "success") >= 2, "reloads happened");
  console.log(
    `${tally.statuses.length} answers, all 200; ${SWAPS} swaps; answers per model ${
      bodies.map((b) => tally.bodies!.get(b) ?? 0).join("/")
    }; signal reloads ${await signalReloads(server, "success")} loaded, ${await signalReloads(
      server,
      "unchanged",
    )} unchanged`,
  );
});

Deno.test("SIGHUP under load to a tampered run is refused, counted, and the old model keeps serving", async () => {
  const { p, models, runs } = await twoRuns();
  await using _ = p;
  const dirs = runs.map((id) => `${models}/runs/${id}`);
  const versions = await Promise.all(dirs.map(versionOf));
  // run 0 copied under a new run id with one weight changed: it still loads,
  // and would answer differently; only its seal tells
  const forged = `${models}/runs/${runs[0]!.replace(/-[0-9a-f]{8}$/, "-0badf00d")}`;
  await Deno.mkdir(forged);
  for await (const e of Deno.readDir(dirs[0]!)) {
    if (e.isFile) await Deno.copyFile(`${dirs[0]}/${e.name}`, `${forged}/${e.name}`);
  }
  const doc = (await loadModel(forged)).file;
  doc.estimator.classifiers[0]!.weights[0]![0]! += 1;
  await Deno.writeTextFile(`${forged}/${MODEL_FILE}`, modelToJson(doc));
  await loadModel(forged);

  await using server = await startServer(p.dir, { env: { WATCH_MODEL: "false" } });
  const tally: Tally = { statuses: [], refused: [], bodies: new Map() };
  const load = loadOn(server.base, 6, tally);
  let serving = 1;
  let refusals = 0;
  const good = new Set([await answer(server)]);
  for (let i = 0; i < SWAPS; i++) {
    if (i % 3 === 2 || i === SWAPS - 1) {
      // not promote(), which would refuse it: a hand-made symlink, as a mistake or an attack makes
      await Deno.symlink(`runs/${forged.slice(forged.lastIndexOf("/") + 1)}`, `${models}/.x.tmp`);
      await Deno.rename(`${models}/.x.tmp`, `${models}/latest`);
      const seen = server.lines.length;
      server.child.kill("SIGHUP");
      const line = await server.waitFor((l) =>
        l.msg === "model load failed" && server.lines.indexOf(l) >= seen
      );
      refusals++;
      assertEquals(line.serving, versions[serving]);
      assertStringIncludes(
        String(line.error),
        "model.json does not match its checksum in manifest.json",
      );
      assertEquals(await served(server), versions[serving]);
    } else {
      serving = i % 2;
      await promote(dirs[serving]!, { root: models });
      server.child.kill("SIGHUP");
      await settlesOn(server, versions[serving]!);
      good.add(await answer(server));
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  await load.stop();
  assertAllAnswered200(tally, 100);
  // the forged weights, which answer differently, never answered
  const unknown = [...tally.bodies!.keys()].filter((b) => !good.has(b));
  assertEquals(unknown, [], "every answer is one of the two good models'");
  assertEquals(
    await served(server),
    versions[serving],
    "latest is forged: the last good one serves",
  );
  assertEquals(await signalReloads(server, "failure"), refusals);
  console.log(
    `${tally.statuses.length} answers, all 200; ${refusals} forged swaps refused of ${SWAPS}`,
  );
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

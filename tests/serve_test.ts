// `deno task serve` as a live process: reload, shutdown, auth, limits, config errors.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../lib/_testing/assert.ts";
import { SERVE_ENV } from "../lib/serve/config.ts";
import { makeProject, type Project } from "./_project.ts";
import { postJson, type Server, startServer } from "./_server.ts";

const ROW = { f1: 1, f2: 0 };

/** `deno task train` into `out`. */
function trainArgs(out: string, seed = "42", iterations = "300"): string[] {
  return ["task", "-q", "train", "--out", out, "--seed", seed, "--iterations", iterations];
}

/** A project serving models/latest (trained once, shared by the tests). */
function withLatest(): Promise<Project> {
  return makeProject({ setup: [trainArgs("models/latest")] });
}

/**
 * A project whose models/latest is a user's own model directory (trained,
 * its seal dropped: model.json only), with another model in models/staging
 * to swap in.
 */
async function withPlainLatestAndStaging(): Promise<Project> {
  const project = await makeProject({
    setup: [trainArgs("models/latest"), trainArgs("models/staging", "7", "120")],
  });
  await Deno.remove(`${project.dir}/models/latest/manifest.json`);
  return project;
}

async function version(server: Server): Promise<string> {
  return (await (await fetch(`${server.base}/model`)).json()).version;
}

/** Sends predictions back to back until `stop` resolves; returns the statuses that were not 200. */
async function hammer(server: Server, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  stop.then(() => (done = true));
  const failures: number[] = [];
  let sent = 0;
  while (!done || sent < 20) {
    const res = await postJson(`${server.base}/predict`, ROW);
    await res.body?.cancel();
    if (res.status !== 200) failures.push(res.status);
    sent++;
  }
  return failures;
}

async function reloads(server: Server, trigger: string, result: string): Promise<number> {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const m = new RegExp(
    `mvd_model_reloads_total\\{trigger="${trigger}",result="${result}"\\} (\\d+)`,
  )
    .exec(text);
  return m ? Number(m[1]) : 0;
}

Deno.test("serve reloads a model.json renamed into its directory, failing no request", async () => {
  await using project = await withPlainLatestAndStaging();
  await using server = await startServer(project.dir);
  const before = await version(server);
  const swapped = server.waitFor((l) => l.msg === "model loaded" && l.trigger === "watch");
  const failures = hammer(server, swapped);
  await new Promise((r) => setTimeout(r, 200));
  await Deno.rename(
    `${project.dir}/models/staging/model.json`,
    `${project.dir}/models/latest/model.json`,
  );
  const line = await swapped;
  assertEquals(await failures, []);
  assertEquals(line.previous, before);
  const after = await version(server);
  assert(after !== before, "version changed");
  assertEquals(after, line.version);
  assertEquals(await reloads(server, "watch", "success"), 1);
  assertEquals((await server.stop()).code, 0);
});

Deno.test("serve follows a models/latest symlink swapped to another run", async () => {
  await using project = await makeProject({
    setup: [trainArgs("models/runs/a"), trainArgs("models/runs/b", "7", "120")],
  });
  const models = `${project.dir}/models`;
  await Deno.symlink("runs/a", `${models}/latest`);
  await using server = await startServer(project.dir);
  const a = await version(server);
  const swap = async (target: string) => {
    await Deno.symlink(target, `${models}/.latest.tmp`);
    await Deno.rename(`${models}/.latest.tmp`, `${models}/latest`);
  };
  let loaded = server.waitFor((l) => l.msg === "model loaded" && l.previous === a);
  await swap("runs/b");
  const b = (await loaded).version as string;
  assert(b !== a);
  assertEquals(await version(server), b);
  // and back: the watch follows the new target, not the old directory
  loaded = server.waitFor((l) => l.msg === "model loaded" && l.previous === b);
  await swap("runs/a");
  assertEquals((await loaded).version, a);
  assertEquals(await version(server), a);
});

Deno.test("a failed reload keeps the old model serving, logged and counted", async () => {
  await using project = await withPlainLatestAndStaging();
  await using server = await startServer(project.dir);
  const before = await version(server);
  const latest = `${project.dir}/models/latest/model.json`;
  const failed = server.waitFor((l) => l.msg === "model load failed");
  await Deno.writeTextFile(`${latest}.tmp`, '{"format":"mvd-model"');
  await Deno.rename(`${latest}.tmp`, latest);
  const line = await failed;
  assertEquals(line.level, "warn");
  assertEquals(line.serving, before);
  assertStringIncludes(String(line.error), "model.json is not valid JSON");
  assertEquals(await version(server), before);
  const res = await postJson(`${server.base}/predict`, ROW);
  assertEquals(res.status, 200);
  await res.body?.cancel();
  assertEquals((await fetch(`${server.base}/readyz`)).status, 200);
  assert(await reloads(server, "watch", "failure") >= 1);
});

Deno.test("SIGHUP reloads the model when watching is off", async () => {
  await using project = await withPlainLatestAndStaging();
  await using server = await startServer(project.dir, { env: { WATCH_MODEL: "false" } });
  const before = await version(server);
  const latest = `${project.dir}/models/latest/model.json`;
  await Deno.rename(`${project.dir}/models/staging/model.json`, latest);
  await new Promise((r) => setTimeout(r, 600));
  assertEquals(await version(server), before, "no reload without the watcher");
  const loaded = server.waitFor((l) => l.msg === "model loaded" && l.trigger === "signal");
  server.child.kill("SIGHUP");
  assertEquals((await loaded).previous, before);
  assert((await version(server)) !== before);
  assertEquals(await reloads(server, "signal", "success"), 1);
});

Deno.test("SIGTERM lets an in-flight request finish and exits 0", async () => {
  await using project = await withLatest();
  const server = await startServer(project.dir);
  let send!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (send = c) });
  const pending = fetch(`${server.base}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const text = new TextEncoder();
  send.enqueue(text.encode('{"f1":1,'));
  await new Promise((r) => setTimeout(r, 300));
  server.child.kill("SIGTERM");
  await server.waitFor((l) => l.msg === "shutting down");
  // draining: readiness fails so the load balancer moves away, liveness holds
  const ready = await fetch(`${server.base}/readyz`);
  assertEquals(ready.status, 503);
  assertEquals((await ready.json()).error.message, "Not ready: shutting down");
  const live = await fetch(`${server.base}/healthz`);
  assertEquals(live.status, 200);
  await live.body?.cancel();
  send.enqueue(text.encode('"f2":0}'));
  send.close();
  const res = await pending;
  assertEquals(res.status, 200, JSON.stringify(server.lines));
  assertEquals((await res.json()).prediction, 1);
  const status = await server.stop();
  assertEquals(status.code, 0);
  assert(server.lines.some((l) => l.msg === "stopped"), JSON.stringify(server.lines));
});

Deno.test("SIGTERM exits 0 within SHUTDOWN_TIMEOUT even if a request never ends", async () => {
  await using project = await withLatest();
  const server = await startServer(project.dir, { env: { SHUTDOWN_TIMEOUT: "1" } });
  const body = new ReadableStream<Uint8Array>({
    start: (c) => c.enqueue(new TextEncoder().encode('{"f1":')),
  });
  const pending = fetch(`${server.base}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  }).catch((err) => err);
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  server.child.kill("SIGTERM");
  const status = await server.stop();
  const took = Date.now() - started;
  assertEquals(status.code, 0);
  assert(took < 4000, `took ${took} ms`);
  assert(server.lines.some((l) => l.msg === "stopped with requests still running"));
  await pending;
});

Deno.test("API_TOKEN guards predictions; MAX_BODY_BYTES and MAX_BATCH_ROWS give 413", async () => {
  await using project = await withLatest();
  const token = "live-token-0123456789abcdef";
  await using server = await startServer(project.dir, {
    env: { API_TOKEN: token, MAX_BODY_BYTES: "200", MAX_BATCH_ROWS: "2" },
  });
  const auth = { authorization: `Bearer ${token}` };
  const denied = await postJson(`${server.base}/predict`, ROW);
  assertEquals(denied.status, 401);
  assertEquals((await denied.json()).error.code, "unauthorized");
  const ok = await postJson(`${server.base}/predict`, ROW, auth);
  assertEquals(ok.status, 200);
  await ok.body?.cancel();
  const rows = await postJson(`${server.base}/predict`, [ROW, ROW, ROW], auth);
  assertEquals(rows.status, 413);
  assertEquals((await rows.json()).error.code, "too_many_rows");
  const big = await postJson(
    `${server.base}/predict`,
    [ROW, { ...ROW, pad: "x".repeat(300) }],
    auth,
  );
  assertEquals(big.status, 413);
  assertEquals((await big.json()).error.code, "payload_too_large");
  const metrics = await fetch(`${server.base}/metrics`);
  assertEquals(metrics.status, 200);
  await metrics.body?.cancel();
  const listening = server.lines.find((l) => l.msg === "listening")!;
  assertEquals(listening.auth, "bearer");
  assert(!JSON.stringify(server.lines).includes(token), "the token is never logged");
});

Deno.test("PROTECT_META puts /model, /metrics, /openapi.json and /docs behind API_TOKEN; probes stay open", async () => {
  await using project = await withLatest();
  const token = "live-token-0123456789abcdef";
  await using server = await startServer(project.dir, {
    env: { API_TOKEN: token, PROTECT_META: "true" },
  });
  for (const path of ["/model", "/metrics", "/openapi.json", "/docs"]) {
    const denied = await fetch(`${server.base}${path}`);
    assertEquals(denied.status, 401, path);
    assertEquals((await denied.json()).error.code, "unauthorized");
    const ok = await fetch(`${server.base}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assertEquals(ok.status, 200, path);
    await ok.body?.cancel();
  }
  for (const path of ["/healthz", "/readyz"]) {
    const res = await fetch(`${server.base}${path}`);
    assertEquals(res.status, 200, path);
    await res.body?.cancel();
  }
  const listening = server.lines.find((l) => l.msg === "listening")!;
  assertEquals([listening.auth, listening.protect_meta], ["bearer", true]);
});

Deno.test("serve refuses bad configuration and a missing model with one line and exit 2", async () => {
  await using project = await makeProject();
  const cases: Array<[Record<string, string>, string[], string]> = [
    [
      { PORT: "abc" },
      [],
      'error: Invalid configuration: PORT: expected a whole number (got "abc")',
    ],
    [
      { API_TOKEN: "short" },
      [],
      "error: Invalid configuration: API_TOKEN: expected at least 16 characters",
    ],
    [{}, [], 'error: Cannot serve: no valid model in "models/latest"'],
  ];
  for (const [env, args, message] of cases) {
    const { code, stderr } = await project.deno(["task", "-q", "serve", ...args], undefined, env);
    assertEquals(code, 2, stderr);
    assertEquals(stderr.trim().split("\n").length, 1, stderr);
    assertStringIncludes(stderr, message);
    assert(!stderr.includes("short"), "the token is never echoed");
  }
});

Deno.test("serve refuses to start on a sealed run that does not match its manifest, or a link out of models/, exit 2", async () => {
  await using project = await makeProject();
  await project.trainAndPromote(["--iterations", "200"]);
  const file = `${project.dir}/models/latest/model.json`;
  // still a valid model, so only the seal can tell
  const text = await Deno.readTextFile(file);
  await Deno.writeTextFile(file, text.replace('"createdAt"', ' "createdAt"'));
  const run = await Deno.realPath(`${project.dir}/models/latest`);
  const serve = ["task", "-q", "serve", "--port", "0"];
  const child = await project.deno(serve);
  assertEquals(child.code, 2, child.stderr);
  assertEquals(
    child.stderr,
    'error: Cannot serve: no valid model in "models/latest" (see the log line above)\n',
  );
  const log = child.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(log.map((l) => [l.level, l.msg]), [["error", "model load failed"]]);
  assertEquals(
    log[0].error,
    `Cannot load model "${run}": model.json does not match its checksum in manifest.json`,
  );

  // a link in models/ to a directory outside it: refused where it leads, not served
  await Deno.rename(run, `${project.dir}/outside`);
  await Deno.remove(`${project.dir}/models/latest`);
  await Deno.symlink(`${project.dir}/outside`, `${project.dir}/models/latest`);
  const linked = await project.deno(serve);
  assertEquals(linked.code, 2);
  const line = JSON.parse(linked.stdout.trim());
  assertEquals(
    line.error,
    `Cannot load model "${project.dir}/outside": it lies outside models/ (symlinks and .. resolved): models are read only from the registry`,
  );
});

Deno.test("the serve task allows exactly the environment variables the config reads", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const command: string = config.tasks.serve.command;
  const allowed = /--allow-env=(\S+)/.exec(command)?.[1]?.split(",");
  assertEquals(allowed?.sort(), [...SERVE_ENV].sort());
  assertMatch(command, /--allow-read=models /);
  assert(!/--allow-all|\s-A\s/.test(command));
});

/**
 * Side-by-side load benchmark of `POST /predict` (run it under the shared
 * lock: `flock /tmp/mvd-bench.lock deno task bench:serve`).
 *
 * Starts, on 127.0.0.1, the reference bare `Deno.serve` handler, our server
 * at LOG_LEVEL=info and at LOG_LEVEL=warn (drift and prediction log off), at
 * warn with the drift window, the prediction log (every request) and both,
 * and the Python seed; then runs wrk
 * against each in interleaved rounds so machine noise hits all alike, and
 * prints a Markdown table of medians with the ratios the targets are set in.
 * `--watch` runs only the reference and the four drift/log variants.
 * `--soak SECONDS` instead loads our server at 64 connections for SECONDS, in
 * wrk runs of `--slice` seconds (30), with single rows or, with `--mix`, the
 * mixed valid/batch/invalid traffic of `bench/mixed.lua` (see `bench/soak.ts`).
 * @module
 */
import { parseArgs } from "node:util";
import { trainBenchModel } from "./_model.ts";
import { median, soak } from "./soak.ts";
import { wrk, type WrkResult } from "./wrk.ts";
import { SERVE_ENV } from "../lib/serve/config.ts";

const REFERENCE = "/work/shared/reference";
const ROOT = new URL("..", import.meta.url).pathname;
// serve reads models only from the registry under its working directory, models/:
// our servers run in bench/out, so the model lies in bench/out/models/
const OUT = `${ROOT}bench/out`;
const MODEL = `${OUT}/models/serve`;
const LOGS = `${ROOT}bench/out/logs`;
// every variable the server reads (lib/serve/config.ts), as the serve task allows them
const ENV_LIST = SERVE_ENV.join(",");

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "10" },
    soak: { type: "string" },
    slice: { type: "string", default: "30" },
    mix: { type: "boolean", default: false },
    "no-seed": { type: "boolean", default: false },
    watch: { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);

/** A side-by-side run: 32 connections, `seconds` long. */
const run = (url: string, script: string, seconds = duration) =>
  wrk(url, script, { connections: 32, seconds });

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 900; i++) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server at ${url} did not come up`);
}

/** The CPU seconds our server on `port` has used, from its `/metrics`. */
async function cpuSeconds(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^process_cpu_seconds_total ([\d.e+-]+)/m.exec(text)?.[1]);
}

/** Throws if something already listens on `port`. */
function assertFree(port: number): void {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  } catch (err) {
    throw new Error(`port ${port} is busy: ${err instanceof Error ? err.message : err}`);
  }
}

function spawn(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  cwd = ROOT,
): Deno.ChildProcess {
  return new Deno.Command(cmd, { args, env, stdout: "null", stderr: "inherit", cwd }).spawn();
}

/** What a server watches: the drift window, the prediction log (every request), both or neither. */
interface Watch {
  drift?: boolean;
  log?: boolean;
}

/** Our server; drift and the prediction log are off unless `watch` turns them on. */
function ours(port: number, level: string, watch: Watch = {}): Deno.ChildProcess {
  return spawn("deno", [
    "run",
    "--no-prompt",
    "--allow-net",
    `--allow-read=${OUT}/models`,
    `--allow-env=${ENV_LIST}`,
    `--allow-write=${LOGS}`,
    `${ROOT}serve.ts`,
  ], {
    PORT: String(port),
    HOST: "127.0.0.1",
    MODEL_DIR: "models/serve",
    LOG_LEVEL: level,
    WATCH_MODEL: "false",
    DRIFT_WINDOW: watch.drift ? "1000" : "0",
    ...(watch.log
      ? {
        PREDICTION_LOG: `${LOGS}/predictions-${port}.jsonl`,
        PREDICTION_LOG_SAMPLE: "1",
        PREDICTION_LOG_MAX_BYTES: String(50 * 2 ** 20),
      }
      : {}),
  }, OUT);
}

await trainBenchModel(MODEL);
await Deno.remove(LOGS, { recursive: true }).catch(() => {});

const children: Deno.ChildProcess[] = [];
try {
  if (values.soak) {
    // a port of its own: other benchmarks use 8200-8202 and a busy port would
    // send the load to someone else's server
    const port = 8291;
    assertFree(port);
    const server = ours(port, "info");
    children.push(server);
    const base = `http://127.0.0.1:${port}`;
    await waitUp(`${base}/healthz`);
    let finished = false;
    const exited = server.status.then((s) => {
      if (!finished) {
        // serve.ts exits 0 only from its SIGTERM/SIGINT handler, and this script sends none yet
        const why = s.code === 0
          ? "exit code 0: another process sent it SIGTERM or SIGINT"
          : s.signal ?? `exit code ${s.code}`;
        throw new Error(`the server exited during the soak (${why})`);
      }
    });
    const report = await Promise.race([
      soak(base, {
        seconds: Number(values.soak),
        slice: Number(values.slice),
        script: values.mix ? `${ROOT}bench/mixed.lua` : `${REFERENCE}/predict.lua`,
        mix: values.mix,
      }),
      exited.then(() => ""),
    ]);
    finished = true;
    console.log(report);
  } else {
    // --watch: only the reference and the four drift/prediction-log variants
    const watchOnly = values.watch;
    const servers = [
      { name: "bare `Deno.serve` (reference ceiling)", port: 8200, rows: 1 },
      ...(watchOnly
        ? []
        : [{ name: "ours, LOG_LEVEL=info (a JSON line per request)", port: 8201, rows: 1 }]),
      { name: "ours, LOG_LEVEL=warn (drift and prediction log off)", port: 8202, rows: 1 },
      { name: "ours, LOG_LEVEL=warn, DRIFT_WINDOW=1000", port: 8204, rows: 1 },
      { name: "ours, LOG_LEVEL=warn, PREDICTION_LOG (every request)", port: 8205, rows: 1 },
      {
        name: "ours, LOG_LEVEL=warn, DRIFT_WINDOW=1000 + PREDICTION_LOG (every request)",
        port: 8203,
        rows: 1,
      },
      ...(watchOnly ? [] : [
        { name: "ours, 1,000-row batches, LOG_LEVEL=info", port: 8201, rows: 1000 },
        { name: "ours, 1,000-row batches, LOG_LEVEL=warn", port: 8202, rows: 1000 },
      ]),
    ];
    for (const port of new Set(servers.map((s) => s.port))) assertFree(port);
    children.push(
      spawn("deno", ["run", "--allow-net=127.0.0.1", `${REFERENCE}/bare_serve.ts`, "8200"]),
      ...(watchOnly ? [] : [ours(8201, "info")]),
      ours(8202, "warn"),
      ours(8204, "warn", { drift: true }),
      ours(8205, "warn", { log: true }),
      ours(8203, "warn", { drift: true, log: true }),
    );
    const withSeed = !values["no-seed"] && !watchOnly;
    if (withSeed) children.push(spawn("bash", [`${REFERENCE}/run-seed.sh`, "8100"]));
    for (const port of new Set(servers.map((s) => s.port))) {
      if (port !== 8200) await waitUp(`http://127.0.0.1:${port}/healthz`);
    }
    if (withSeed) await waitUp("http://127.0.0.1:8100/docs");
    const loadBefore = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
    const results = servers.map(() => [] as WrkResult[]);
    const scriptFor = (rows: number) =>
      rows === 1 ? `${REFERENCE}/predict.lua` : `${ROOT}bench/batch.lua`;
    // warm up the JITs
    for (const s of servers) {
      await run(`http://127.0.0.1:${s.port}/predict`, scriptFor(s.rows), 2);
    }
    // our servers' CPU time per request (from their /metrics): steadier than throughput
    // on a shared machine, since a neighbour's load slows a server without costing it CPU
    const cpu = servers.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      // each round starts one server later, so no server always follows the same one
      for (let j = 0; j < servers.length; j++) {
        const i = (j + r) % servers.length, s = servers[i]!;
        const before = s.port === 8200 ? NaN : await cpuSeconds(s.port);
        const result = await run(`http://127.0.0.1:${s.port}/predict`, scriptFor(s.rows));
        results[i]!.push(result);
        if (s.port !== 8200) {
          cpu[i]!.push(((await cpuSeconds(s.port)) - before) * 1e6 / result.requests);
        }
      }
    }
    let seed: WrkResult | undefined;
    if (withSeed) {
      await run("http://127.0.0.1:8100/predict", `${REFERENCE}/predict.lua`, 2);
      seed = await run("http://127.0.0.1:8100/predict", `${REFERENCE}/predict.lua`);
    }
    const bare = median(results[0]!.map((x) => x.rps));
    const lines = [
      `Deno ${Deno.version.deno}, wrk -t2 -c32 -d${duration}s, ${rounds} interleaved rounds, each starting one server later (medians), 127.0.0.1, ${
        new Date().toISOString().slice(0, 16)
      }Z`,
      "",
      "| server | requests/s | rows/s | vs bare | vs seed | p50 | p99 | errors |",
      "|---|---|---|---|---|---|---|---|",
    ];
    const row = (name: string, rs: WrkResult[], rows: number) => {
      const rps = median(rs.map((x) => x.rps));
      const errors = rs.reduce((a, x) => a + x.errors, 0);
      lines.push(
        `| ${name} | ${rps.toFixed(0)} | ${(rps * rows).toFixed(0)} | ${
          rows === 1 ? `${((rps / bare) * 100).toFixed(1)}%` : ""
        } | ${seed && rows === 1 ? `${(rps / seed.rps).toFixed(1)}×` : ""} | ${
          median(rs.map((x) => x.p50)).toFixed(2)
        } ms | ${median(rs.map((x) => x.p99)).toFixed(2)} ms | ${errors} |`,
      );
    };
    servers.forEach((s, i) => row(s.name, results[i]!, s.rows));
    const rpsAt = (port: number) =>
      median(results[servers.findIndex((s) => s.port === port && s.rows === 1)]!.map((x) => x.rps));
    if (seed) row("Python seed (FastAPI + uvicorn)", [seed], 1);
    console.log(lines.join("\n"));
    const off = rpsAt(8202);
    const p99At = (port: number) =>
      median(results[servers.findIndex((s) => s.port === port && s.rows === 1)]!.map((x) => x.p99));
    const watched = [
      ["drift", 8204],
      ["prediction log", 8205],
      ["drift + prediction log", 8203],
    ] as const;
    const cpuAt = (port: number) =>
      median(cpu[servers.findIndex((s) => s.port === port && s.rows === 1)]!);
    console.log(
      "\n| watching (LOG_LEVEL=warn) | requests/s | vs off | p99 | server CPU µs/request | vs off |\n|---|---|---|---|---|---|",
    );
    for (const [what, port] of [["nothing (off)", 8202] as const, ...watched]) {
      const on = rpsAt(port);
      console.log(
        `| ${what} | ${on.toFixed(0)} | ${((on / off) * 100).toFixed(1)}% | ${
          p99At(port).toFixed(2)
        } ms | ${cpuAt(port).toFixed(1)} | ${((cpuAt(port) / cpuAt(8202)) * 100).toFixed(1)}% |`,
      );
    }
    // each round's ratio, so a noisy round shows
    const perRound = (port: number) =>
      results[servers.findIndex((s) => s.port === port && s.rows === 1)]!.map((x, r) =>
        `${
          ((x.rps / results[servers.findIndex((s) => s.port === 8202)]![r]!.rps) * 100).toFixed(1)
        }%`
      ).join(" / ");
    const pairedMedian = (port: number) => {
      const offRuns = results[servers.findIndex((s) => s.port === 8202)]!;
      const runs = results[servers.findIndex((s) => s.port === port && s.rows === 1)]!;
      return median(runs.map((x, r) => x.rps / offRuns[r]!.rps));
    };
    console.log(
      `\nmedian of the per-round ratios: ${
        watched.map(([what, port]) => `${what} ${(pairedMedian(port) * 100).toFixed(1)}%`).join(
          "; ",
        )
      }`,
    );
    console.log(
      `per round vs off: ${watched.map(([what, port]) => `${what} ${perRound(port)}`).join("; ")}`,
    );
    const logged = await Deno.stat(`${LOGS}/predictions-8203.jsonl`).then((s) => s.size, () => 0);
    const load = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
    console.log(
      `prediction log (both on) now ${
        (logged / 2 ** 20).toFixed(1)
      } MiB (rotating at 50 MiB); load average (1, 5, 15 min) ${loadBefore} before, ${load} after`,
    );
    console.log(
      "\nper round req/s:",
      servers.map((s, i) =>
        `${s.port}/${s.rows}: ${results[i]!.map((x) => x.rps.toFixed(0)).join(", ")}`
      )
        .join(" | "),
    );
  }
} finally {
  for (const child of children) {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await child.status;
  }
}

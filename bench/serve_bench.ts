/**
 * Side-by-side load benchmark of `POST /predict` (run it under the shared
 * lock: `flock /tmp/mvd-bench.lock deno task bench:serve`).
 *
 * Starts, on 127.0.0.1, the reference bare `Deno.serve` handler, our server
 * at LOG_LEVEL=info and at LOG_LEVEL=warn, and the Python seed; then runs wrk
 * against each in interleaved rounds so machine noise hits all alike, and
 * prints a Markdown table of medians with the ratios the targets are set in.
 * `--soak SECONDS` instead runs one long run at 64 connections against our
 * server and reports errors and resident memory at start and end.
 * @module
 */
import { parseArgs } from "node:util";

const REFERENCE = "/work/shared/reference";
const ROOT = new URL("..", import.meta.url).pathname;
const MODEL = `${ROOT}bench/out/model`;
const ENV_LIST =
  "PORT,HOST,MODEL_DIR,API_TOKEN,LOG_LEVEL,MAX_BODY_BYTES,MAX_BATCH_ROWS,SHUTDOWN_TIMEOUT,BODY_TIMEOUT,WATCH_MODEL";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "10" },
    soak: { type: "string" },
    "no-seed": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

async function wrk(
  url: string,
  script: string,
  options: { connections?: number; seconds?: number } = {},
): Promise<Result> {
  const out = await new Deno.Command("wrk", {
    args: [
      "-t2",
      `-c${options.connections ?? 32}`,
      `-d${options.seconds ?? duration}s`,
      "--latency",
      "-s",
      script,
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const grab = (re: RegExp) => re.exec(text)?.[1] ?? "";
  const non2xx = Number(grab(/Non-2xx or 3xx responses: (\d+)/) || 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: Number(grab(/Requests\/sec:\s+([\d.]+)/)),
    p50: ms(grab(/^\s+50%\s+(\S+)/m)),
    p99: ms(grab(/^\s+99%\s+(\S+)/m)),
    errors: non2xx + socketErrors,
    requests: Number(grab(/(\d+) requests in/)),
  };
}

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

function spawn(cmd: string, args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(cmd, { args, env, stdout: "null", stderr: "inherit", cwd: ROOT })
    .spawn();
}

function ours(port: number, level: string): Deno.ChildProcess {
  return spawn("deno", [
    "run",
    "--no-prompt",
    "--allow-net",
    `--allow-read=${MODEL}`,
    `--allow-env=${ENV_LIST}`,
    "serve.ts",
  ], {
    PORT: String(port),
    HOST: "127.0.0.1",
    MODEL_DIR: MODEL,
    LOG_LEVEL: level,
    WATCH_MODEL: "false",
  });
}

/** Resident memory as the server itself reports it (Deno refuses /proc/PID without -A). */
async function rss(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const train = await new Deno.Command("deno", {
  args: ["run", "--allow-read", `--allow-write=${ROOT}bench/out`, "train.ts", "--out", MODEL],
  cwd: ROOT,
  stdout: "null",
}).output();
if (!train.success) throw new Error("training the benchmark model failed");

const children: Deno.ChildProcess[] = [];
try {
  if (values.soak) {
    const seconds = Number(values.soak);
    const server = ours(8201, "info");
    children.push(server);
    await waitUp("http://127.0.0.1:8201/healthz");
    const url = "http://127.0.0.1:8201/predict";
    await wrk(url, `${REFERENCE}/predict.lua`, { connections: 64, seconds: 10 });
    const before = await rss("http://127.0.0.1:8201");
    // sample resident memory while the load runs, to tell a leak from warm-up
    const samples: number[] = [before];
    const sampler = setInterval(async () => {
      samples.push(await rss("http://127.0.0.1:8201").catch(() => NaN));
    }, Math.max(1000, (seconds * 1000) / 10));
    const r = await wrk(url, `${REFERENCE}/predict.lua`, { connections: 64, seconds });
    clearInterval(sampler);
    const after = await rss("http://127.0.0.1:8201");
    samples.push(after);
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    console.log(
      `| soak | seconds | connections | requests | errors | req/s | p99 | RSS start | RSS end | growth |
|---|---|---|---|---|---|---|---|---|---|
| ours, LOG_LEVEL=info | ${seconds} | 64 | ${r.requests} | ${r.errors} | ${r.rps.toFixed(0)} | ${
        r.p99.toFixed(2)
      } ms | ${mib(before)} MiB | ${mib(after)} MiB | ${
        ((after / before - 1) * 100).toFixed(1)
      }% |`,
    );
    console.log(`\nRSS samples (MiB, every ${seconds / 10} s): ${samples.map(mib).join(", ")}`);
  } else {
    const servers = [
      { name: "bare `Deno.serve` (reference ceiling)", port: 8200, rows: 1 },
      { name: "ours, LOG_LEVEL=info (a JSON line per request)", port: 8201, rows: 1 },
      { name: "ours, LOG_LEVEL=warn", port: 8202, rows: 1 },
      { name: "ours, 1,000-row batches, LOG_LEVEL=info", port: 8201, rows: 1000 },
      { name: "ours, 1,000-row batches, LOG_LEVEL=warn", port: 8202, rows: 1000 },
    ];
    children.push(
      spawn("deno", ["run", "--allow-net=127.0.0.1", `${REFERENCE}/bare_serve.ts`, "8200"]),
      ours(8201, "info"),
      ours(8202, "warn"),
    );
    const withSeed = !values["no-seed"];
    if (withSeed) children.push(spawn("bash", [`${REFERENCE}/run-seed.sh`, "8100"]));
    await waitUp("http://127.0.0.1:8201/healthz");
    await waitUp("http://127.0.0.1:8202/healthz");
    if (withSeed) await waitUp("http://127.0.0.1:8100/docs");
    const results = servers.map(() => [] as Result[]);
    const scriptFor = (rows: number) =>
      rows === 1 ? `${REFERENCE}/predict.lua` : `${ROOT}bench/batch.lua`;
    // warm up the JITs
    for (const s of servers) {
      await wrk(`http://127.0.0.1:${s.port}/predict`, scriptFor(s.rows), { seconds: 2 });
    }
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of servers.entries()) {
        results[i]!.push(await wrk(`http://127.0.0.1:${s.port}/predict`, scriptFor(s.rows)));
      }
    }
    let seed: Result | undefined;
    if (withSeed) {
      await wrk("http://127.0.0.1:8100/predict", `${REFERENCE}/predict.lua`, { seconds: 2 });
      seed = await wrk("http://127.0.0.1:8100/predict", `${REFERENCE}/predict.lua`);
    }
    const bare = median(results[0]!.map((x) => x.rps));
    const lines = [
      `Deno ${Deno.version.deno}, wrk -t2 -c32 -d${duration}s, ${rounds} interleaved rounds (medians), 127.0.0.1, ${
        new Date().toISOString().slice(0, 16)
      }Z`,
      "",
      "| server | requests/s | rows/s | vs bare | vs seed | p50 | p99 | errors |",
      "|---|---|---|---|---|---|---|---|",
    ];
    const row = (name: string, rs: Result[], rows: number) => {
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
    if (seed) row("Python seed (FastAPI + uvicorn)", [seed], 1);
    console.log(lines.join("\n"));
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

/**
 * Peak memory of the server under hostile request bodies (run it under the
 * shared lock: `flock /tmp/mvd-bench.lock deno run --allow-run=deno,cat
 * --allow-read --allow-write=bench/out --allow-net=127.0.0.1 bench/body_memory.ts`).
 *
 * For each kind of worst-case body it starts a fresh server, waits for one
 * normal answer, reads its resident memory, then sends `--concurrency` copies
 * of the body at once, `--rounds` times, and reports the peak resident memory
 * (VmHWM) and the slowest answer. Prints a Markdown table.
 * @module
 */
import { parseArgs } from "node:util";
import { trainBenchModel } from "./_model.ts";
import { SERVE_ENV } from "../lib/serve/config.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MODEL = `${ROOT}bench/out/memory-model`;
// every variable the server reads (lib/serve/config.ts), as the serve task allows them
const ENV_LIST = SERVE_ENV.join(",");

const { values } = parseArgs({
  args: Deno.args,
  options: {
    bytes: { type: "string", default: String(1 << 20) },
    concurrency: { type: "string", default: "16" },
    rounds: { type: "string", default: "3" },
    kinds: { type: "string" },
    "v8-flags": { type: "string" },
  },
});
const BYTES = Number(values.bytes);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

/** Repeats `unit` between `head` and `tail` to fill `bytes`, dropping a trailing separator. */
function fill(head: string, unit: string, tail: string, bytes = BYTES): string {
  const n = Math.max(1, Math.floor((bytes - head.length - tail.length) / unit.length));
  const body = unit.repeat(n);
  return head + (unit.endsWith(",") ? body.slice(0, -1) : body) + tail;
}

function nested(open: string, inner: string, close: string): string {
  const n = Math.floor((BYTES - inner.length) / (open.length + close.length));
  return open.repeat(n) + inner + close.repeat(n);
}

// the toy model trained by trainBenchModel is named after its file, toy.csv
const V2 = "/v2/models/toy/infer";

/** Worst-case bodies of about BYTES bytes each, and where they go. */
const KINDS: Record<string, { path: string; body: () => string }> = {
  // the control: a body no handler reads
  "unread (404)": { path: "/nope", body: () => " ".repeat(BYTES) },
  "whitespace around a row": {
    path: "/predict",
    body: () => fill("", " ", '{"f1":1,"f2":0}'),
  },
  "nested arrays": { path: "/predict", body: () => nested("[", "1", "]") },
  "nested objects": { path: "/predict", body: () => nested('{"a":', "1", "}") },
  "flat array of numbers": { path: "/predict", body: () => fill("[", "0,", "]") },
  "array of empty objects": { path: "/predict", body: () => fill("[", "{},", "]") },
  "array of empty arrays": { path: "/predict", body: () => fill("[", "[],", "]") },
  "one object with many keys": {
    path: "/predict",
    body: () => {
      const parts: string[] = [];
      let size = 2;
      for (let i = 0; size < BYTES - 32; i++) {
        const part = `"k${i}":0`;
        parts.push(part);
        size += part.length + 1;
      }
      return `{${parts.join(",")}}`;
    },
  },
  "valid rows over the row limit": {
    path: "/predict",
    body: () => fill("[", '{"f1":1,"f2":0},', "]"),
  },
  "one long string": { path: "/predict", body: () => fill('{"f1":"', "x", '","f2":0}') },
  "V2 data as flat numbers": {
    path: V2,
    body: () =>
      fill('{"inputs":[{"name":"f1","shape":[1],"datatype":"FP64","data":[', "0,", "]}]}"),
  },
  "V2 data as nested arrays": {
    path: V2,
    body: () => {
      const head = '{"inputs":[{"name":"f1","shape":[1],"datatype":"FP64","data":';
      const n = Math.floor((BYTES - head.length - 10) / 2);
      return head + "[".repeat(n) + "]".repeat(n) + "}]}";
    },
  },
};

interface Started {
  child: Deno.ChildProcess;
  base: string;
}

async function start(): Promise<Started> {
  const child = new Deno.Command("deno", {
    args: [
      "run",
      ...(values["v8-flags"] ? [`--v8-flags=${values["v8-flags"]}`] : []),
      "--no-prompt",
      "--allow-net",
      `--allow-read=${MODEL}`,
      `--allow-env=${ENV_LIST}`,
      "serve.ts",
    ],
    cwd: ROOT,
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      MODEL_DIR: MODEL,
      LOG_LEVEL: "info",
      WATCH_MODEL: "false",
      MAX_BODY_BYTES: String(BYTES),
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes('"listening"')) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server exited before listening");
    text += value;
  }
  // keep draining stdout so the server never blocks on a full pipe
  (async () => {
    while (!(await reader.read()).done);
  })();
  const port = /"port":(\d+)/.exec(text)?.[1];
  return { child, base: `http://127.0.0.1:${port}` };
}

/** A field of /proc/<pid>/status in bytes (through cat: Deno reads /proc only with --allow-all). */
async function status(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
  const text = new TextDecoder().decode(out.stdout);
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1];
  return Number(kb) * 1024;
}

async function post(base: string, path: string, body: string): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  await res.body?.cancel();
  return res.status;
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

await trainBenchModel(MODEL);
const wanted = values.kinds?.split(",") ?? Object.keys(KINDS);
console.log(
  `${CONCURRENCY} concurrent bodies of ${BYTES} bytes, ${ROUNDS} rounds, MAX_BODY_BYTES=${BYTES}\n`,
);
console.log("| body | status | RSS before, MB | peak RSS, MB | slowest answer, ms |");
console.log("| ---- | ------ | -------------- | ------------ | ------------------ |");
for (const name of wanted) {
  const kind = KINDS[name];
  if (!kind) throw new Error(`unknown kind "${name}"; kinds: ${Object.keys(KINDS).join(", ")}`);
  const body = kind.body();
  if (body.length > BYTES) throw new Error(`${name}: ${body.length} bytes, over ${BYTES}`);
  const server = await start();
  try {
    await post(server.base, "/predict", '{"f1":1,"f2":0}');
    const before = await status(server.child.pid, "VmRSS");
    const statuses = new Set<number>();
    let slowest = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        const t = performance.now();
        statuses.add(await post(server.base, kind.path, body));
        slowest = Math.max(slowest, performance.now() - t);
      }));
    }
    const peak = await status(server.child.pid, "VmHWM");
    console.log(
      `| ${name} | ${[...statuses].join(", ")} | ${mb(before)} | ${mb(peak)} | ${
        slowest.toFixed(0)
      } |`,
    );
  } finally {
    server.child.kill("SIGKILL");
    await server.child.status;
  }
}

/**
 * In-process CPU cost of watching `/predict` rows, without HTTP: a loop of
 * parse → predict → answer → `Monitor.one`, with drift and the prediction
 * log off, each alone and both, in alternating rounds; prints CPU ns per row.
 * `deno run --allow-read --allow-write=bench/out --allow-run=deno bench/monitor_cost.ts`
 * @module
 */
import process from "node:process";
import { Registry } from "prom-client";
import { serveModel } from "../lib/http/holder.ts";
import { answerEncoder } from "../lib/http/predict.ts";
import { parseModel } from "../lib/model/model.ts";
import { createMonitor } from "../lib/monitor/monitor.ts";
import { trainBenchModel } from "./_model.ts";
import { median } from "./soak.ts";

const OUT = new URL("out", import.meta.url).pathname;
const DIR = `${OUT}/models/monitor_cost`;
const ROWS = 300_000;

await trainBenchModel(DIR);
const model = parseModel(JSON.parse(await Deno.readTextFile(`${DIR}/model.json`)), DIR);
const served = await serveModel(model, DIR);
const encoder = answerEncoder(model);
const body = '{"f1":1,"f2":0}';

/** CPU ns per row of one variant. */
async function cost(name: string, drift: number, log: boolean): Promise<number> {
  const monitor = createMonitor({
    registry: new Registry(),
    driftWindow: drift,
    journal: log
      ? { path: `${OUT}/monitor_cost-${name}.jsonl`, sample: 1, maxBytes: 1 << 30 }
      : undefined,
  });
  monitor.swap(served);
  let next = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < ROWS; i++) {
    const row = JSON.parse(body);
    const k = model.predictOne(row, encoder.scratch);
    const answer = encoder.one(k, encoder.scratch);
    monitor.one(served, row, k, answer, monitor.needsIds ? `id-${(next++).toString(36)}` : "");
    // let the log's timer run, as the event loop would between requests
    if ((i & 4095) === 0) await new Promise((r) => setTimeout(r, 0));
  }
  await monitor.close();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) / ROWS) * 1000;
}

const variants = [["off", 0, false], ["drift", 1000, false], ["log", 0, true], [
  "both",
  1000,
  true,
]] as const;
const ns = variants.map(() => [] as number[]);
for (let round = 0; round < 5; round++) {
  for (const [i, [name, drift, log]] of variants.entries()) {
    const x = await cost(name, drift, log);
    if (round > 0) ns[i]!.push(x); // round 0 warms up the JIT
  }
}
const off = median(ns[0]!);
console.log("| watching | CPU ns per row | more than off |\n|---|---|---|");
for (const [i, [name]] of variants.entries()) {
  const m = median(ns[i]!);
  console.log(`| ${name} | ${m.toFixed(0)} | ${(m - off).toFixed(0)} |`);
}

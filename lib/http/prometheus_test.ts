import { Registry } from "prom-client";
import { TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assert, assertEquals, assertStringIncludes } from "../_testing/assert.ts";
import { ModelHolder, serveModel } from "./holder.ts";
import { createApp } from "./app.ts";
import { collectProcessMetrics } from "./prometheus.ts";
import { LabelledCounter, LabelledHistogram } from "./series.ts";

Deno.test("LabelledHistogram exposes cumulative buckets, sum and count per label set", async () => {
  const registry = new Registry();
  const h = new LabelledHistogram({
    name: "t_seconds",
    help: "test",
    labelNames: ["route"] as const,
    buckets: [0.1, 1],
    registry,
  });
  const a = h.labels({ route: "/a" });
  a.observe(0.05);
  a.observe(0.5);
  a.observe(5);
  h.labels({ route: "/b" }).observe(0.1);
  const text = await registry.metrics();
  for (
    const line of [
      "# TYPE t_seconds histogram",
      't_seconds_bucket{route="/a",le="0.1"} 1',
      't_seconds_bucket{route="/a",le="1"} 2',
      't_seconds_bucket{route="/a",le="+Inf"} 3',
      't_seconds_sum{route="/a"} 5.55',
      't_seconds_count{route="/a"} 3',
      't_seconds_bucket{route="/b",le="0.1"} 1',
    ]
  ) assertStringIncludes(text, line);
});

Deno.test("LabelledCounter series and direct inc() add to the same value", async () => {
  const registry = new Registry();
  const c = new LabelledCounter({
    name: "t_total",
    help: "test",
    labelNames: ["k"] as const,
    registry,
  });
  c.labels({ k: "x" }).inc();
  c.inc({ k: "x" }, 2);
  assertStringIncludes(await registry.metrics(), 't_total{k="x"} 3');
  c.reset();
  assert(!(await registry.metrics()).includes('t_total{k="x"}'));
});

Deno.test("process metrics report resident memory without reading /proc", async () => {
  const registry = new Registry();
  collectProcessMetrics(registry);
  const text = await registry.metrics();
  const rss = Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
  assert(rss > 1_000_000, `resident memory ${rss}`);
  assert(!text.includes("process_open_fds"), "metrics Deno cannot read are left out");
});

Deno.test("process metrics report the peak resident memory since start, without reading /proc", async () => {
  const registry = new Registry();
  collectProcessMetrics(registry);
  const read = async () => {
    const text = await registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
    return {
      rss: value("process_resident_memory_bytes"),
      peak: value("mvd_peak_resident_memory_bytes"),
    };
  };
  const before = await read();
  assert(before.peak >= before.rss, `peak ${before.peak} below current ${before.rss}`);
  // 64 MiB touched and dropped: the current figure may fall back, the peak keeps it
  let block: Uint8Array | null = new Uint8Array(64 * 2 ** 20).fill(1);
  const during = await read();
  block = null;
  assert(during.peak >= before.rss + 60 * 2 ** 20, `peak ${during.peak}, before ${before.rss}`);
  assert((await read()).peak >= during.peak);
  void block;
});

const promtool = (() => {
  try {
    return Deno.statSync("/usr/bin/promtool").isFile ? "/usr/bin/promtool" : null;
  } catch {
    return null;
  }
})();

Deno.test({
  name: "GET /metrics passes promtool check metrics",
  ignore: promtool === null,
  async fn() {
    const { model } = await trainOn(TOY_CSV);
    const registry = new Registry();
    collectProcessMetrics(registry);
    const app = createApp({ holder: new ModelHolder(await serveModel(model, "t")), registry });
    const post = () =>
      app.request("/predict", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '[{"f1":1,"f2":0},{"f1":0,"f2":1}]',
      });
    await post();
    await app.request("/nope");
    await app.request("/predict", { method: "POST", body: "{" });
    const text = await (await app.request("/metrics")).text();
    const child = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
    const out = await child.output();
    const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, said);
    assertEquals(said.trim(), "", said);
  },
});

// deploy/monitoring/: the alert rules pass `promtool check rules` and their
// unit tests (`promtool test rules`), and every metric the rules and the
// Grafana dashboard query is one the server exports.
import { Registry } from "prom-client";
import { assert, assertEquals } from "../lib/_testing/assert.ts";
import { TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { createApp } from "../lib/http/app.ts";
import { ModelHolder, serveModel } from "../lib/http/holder.ts";
import { collectProcessMetrics, createHttpMetrics } from "../lib/http/prometheus.ts";
import { createMonitor } from "../lib/monitor/monitor.ts";

const DIR = new URL("../deploy/monitoring/", import.meta.url).pathname;

const promtool = await new Deno.Command("promtool", { args: ["--version"] }).output()
  .then((o) => o.success, () => false);
const noPromtool = promtool ? "" : " (skipped: promtool not found; install Prometheus' promtool)";

async function run(args: string[]): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command("promtool", { args, cwd: DIR }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, text: decode(out.stdout) + decode(out.stderr) };
}

Deno.test({
  name: `promtool check rules accepts the alert rules${noPromtool}`,
  ignore: !promtool,
  fn: async () => {
    const { code, text } = await run(["check", "rules", "alerts.yaml"]);
    assertEquals(code, 0, text);
    assert(text.includes("SUCCESS: 6 rules found"), text);
  },
});

Deno.test({
  name: `promtool test rules: each alert fires when it should and not before${noPromtool}`,
  ignore: !promtool,
  fn: async () => {
    const { code, text } = await run(["test", "rules", "alerts_test.yaml"]);
    assertEquals(code, 0, text);
  },
});

/** The metric names an app with a monitor exports, histograms' series included. */
async function exportedNames(): Promise<Set<string>> {
  const { model } = await trainOn(TOY_CSV);
  const holder = new ModelHolder(await serveModel(model, "test"));
  const registry = new Registry();
  collectProcessMetrics(registry);
  const metrics = createHttpMetrics(registry);
  const monitor = createMonitor({ registry, driftWindow: 10, ready: () => holder.ready });
  const app = createApp({ holder, registry, metrics, monitor });
  const text = await (await app.request("/metrics")).text();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === "histogram") {
      for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
    }
  }
  return names;
}

// PromQL words that are not metric names
const PROMQL = new Set(
  "sum min max avg count rate irate increase histogram_quantile label_values by without on ignoring group_left group_right and or unless bool"
    .split(" "),
);

/** Metric names a PromQL expression reads: identifiers outside label matchers, groupings and ranges. */
function metricNames(expr: string): string[] {
  const bare = expr
    // Grafana's label_values(metric, label): the second is a label
    .replace(/label_values\(([^,]+),[^)]*\)/g, "$1")
    .replace(/"(?:[^"\\]|\\.)*"/g, "")
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) =>
    !PROMQL.has(w) && !/^\d/.test(w)
  );
}

Deno.test("every metric the dashboard and the alert rules query is one the server exports", async () => {
  const exported = await exportedNames();
  const dashboard = JSON.parse(await Deno.readTextFile(`${DIR}dashboard.json`));
  const exprs: string[] = dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) =>
    p.targets.map((t) => t.expr)
  );
  exprs.push(
    ...dashboard.templating.list.flatMap((v: { definition?: string }) =>
      v.definition ? [v.definition] : []
    ),
  );
  const rules = await Deno.readTextFile(`${DIR}alerts.yaml`);
  // each rule's expr is a YAML block scalar: its indented lines after `expr: |`
  for (const [, block] of rules.matchAll(/expr: (?:\|\n)?((?:.+\n?)(?:^ {10,}.+\n?)*)/gm)) {
    exprs.push(block!);
  }
  assert(exprs.length >= 15, `found ${exprs.length} queries`);
  const named = new Set(exprs.flatMap(metricNames));
  for (
    const wanted of [
      "mvd_feature_drift_psi",
      "mvd_predictions_total",
      "mvd_ready",
      "mvd_http_request_duration_seconds_bucket",
      "mvd_model_reloads_total",
    ]
  ) {
    assert(named.has(wanted), `${wanted} is queried`);
  }
  const unknown = [...named].filter((n) => !exported.has(n));
  assertEquals(unknown, [], "queried but not exported");
  // and the check can fail: a metric the server does not export is caught
  assertEquals(metricNames('rate(mvd_nonexistent_total{a="b"}[5m])'), ["mvd_nonexistent_total"]);
});

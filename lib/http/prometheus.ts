/**
 * The service's Prometheus metrics, all on one prom-client Registry that the
 * caller owns (tests make a fresh one each). Label values are bounded:
 * route templates (never raw paths), known methods, the model's classes.
 * @module
 */
import process from "node:process";
import { collectDefaultMetrics, Counter, Gauge, type Registry } from "prom-client";
import type { ServedModel } from "./holder.ts";
import {
  type CounterSeries,
  type HistogramSeries,
  LabelledCounter,
  LabelledHistogram,
} from "./series.ts";

/** The metrics the HTTP app and the model reloader record. */
export interface HttpMetrics {
  /** Requests by method, route template and status. */
  requests: LabelledCounter<"method" | "route" | "status">;
  /** Request latency by method, route template and status. */
  duration: LabelledHistogram<"method" | "route" | "status">;
  /** Predicted rows by class label. */
  predictions: LabelledCounter<"class">;
  /** Rows per prediction request. */
  rows: LabelledHistogram<never>;
  /** Values of categorical features not seen in training, by feature (never by value). */
  unseenCategories: LabelledCounter<"feature">;
  /** Requests refused for their content (400, 413, 415, 422) by route and status. */
  validationFailures: LabelledCounter<"route" | "code">;
  /** 1 for the model being served, labelled with its identity. */
  modelInfo: Gauge<"name" | "version" | "created_at">;
  /** Model loads by trigger and result. */
  reloads: Counter<"trigger" | "result">;
}

const LABELS = ["method", "route", "status"] as const;

/** Registers the metrics on `registry`. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const registers = [registry];
  return {
    requests: new LabelledCounter({
      name: "mvd_http_requests_total",
      help: "HTTP requests handled, by method, route template and status",
      labelNames: LABELS,
      registry,
    }),
    duration: new LabelledHistogram({
      name: "mvd_http_request_duration_seconds",
      help: "HTTP request latency in seconds, by method, route template and status",
      labelNames: LABELS,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registry,
    }),
    predictions: new LabelledCounter({
      name: "mvd_predictions_total",
      help: "Rows predicted, by predicted class label",
      labelNames: ["class"] as const,
      registry,
    }),
    rows: new LabelledHistogram<never>({
      name: "mvd_prediction_rows",
      help: "Rows per prediction request",
      labelNames: [],
      buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000],
      registry,
    }),
    unseenCategories: new LabelledCounter({
      name: "mvd_unseen_categories_total",
      help:
        "Categorical values not seen in training, answered as none of the categories, by feature",
      labelNames: ["feature"] as const,
      registry,
    }),
    validationFailures: new LabelledCounter({
      name: "mvd_validation_failures_total",
      help: "Requests refused for their content, by route template and status code",
      labelNames: ["route", "code"] as const,
      registry,
    }),
    modelInfo: new Gauge({
      name: "mvd_model_info",
      help: "The model being served (value 1): name, content version and training time",
      labelNames: ["name", "version", "created_at"] as const,
      registers,
    }),
    reloads: new Counter({
      name: "mvd_model_reloads_total",
      help: "Model loads by trigger (startup, signal, watch) and result (success, failure)",
      labelNames: ["trigger", "result"] as const,
      registers,
    }),
  };
}

/** Points `model_info` at `served`, dropping the previous model's series. */
export function setModelInfo(metrics: HttpMetrics, served: ServedModel): void {
  metrics.modelInfo.reset();
  metrics.modelInfo.set({
    name: served.name,
    version: served.version,
    created_at: served.model.file.createdAt,
  }, 1);
}

// prom-client reads the process_* ones from /proc/self, which Deno opens only
// under --allow-all (without it they report a misleading 0); the nodejs_active_*
// gauges end in _total, which `promtool check metrics` rejects for non-counters
const DROPPED = [
  "process_resident_memory_bytes",
  "process_virtual_memory_bytes",
  "process_heap_bytes",
  "process_open_fds",
  "process_max_fds",
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/**
 * Registers prom-client's default process metrics on `registry`, with
 * resident memory taken from `Deno.memoryUsage()` (no permission needed)
 * instead of `/proc/self`, and without the few that cannot be right here;
 * plus the peak resident memory since start (`getrusage`, no permission
 * needed either), which tells how close the process came to its limit.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED) registry.removeSingleMetric(name);
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
  new Gauge({
    name: "mvd_peak_resident_memory_bytes",
    help: "Most resident memory the process has used since it started, in bytes.",
    registers: [registry],
    collect() {
      // getrusage's ru_maxrss, in kilobytes on Linux
      this.set(process.resourceUsage().maxRSS * 1024);
    },
  });
}

/** The prediction counters of a model: a series per class, and rows per request. */
export function predictionCounters(
  metrics: HttpMetrics,
  served: ServedModel,
): { byClass: CounterSeries[]; rows: HistogramSeries } {
  let counters = countersByModel.get(served);
  if (!counters) {
    counters = {
      byClass: served.model.classes.map((c) => metrics.predictions.labels({ class: String(c) })),
      rows: metrics.rows.labels({}),
    };
    countersByModel.set(served, counters);
  }
  return counters;
}
const countersByModel = new WeakMap<
  ServedModel,
  { byClass: CounterSeries[]; rows: HistogramSeries }
>();

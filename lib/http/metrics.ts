/**
 * The service's Prometheus metrics, all on one prom-client Registry that the
 * caller owns (tests make a fresh one each).
 * @module
 */
import { Counter, Histogram, type Registry } from "prom-client";

/** The metrics the HTTP app records. */
export interface HttpMetrics {
  /** Requests by method, route template and status. */
  requests: Counter<"method" | "route" | "status">;
  /** Request latency by method, route template and status. */
  duration: Histogram<"method" | "route" | "status">;
}

const LABELS = ["method", "route", "status"] as const;

/** Registers the HTTP metrics on `registry`. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    requests: new Counter({
      name: "mvd_http_requests_total",
      help: "HTTP requests handled, by method, route template and status",
      labelNames: LABELS,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "mvd_http_request_duration_seconds",
      help: "HTTP request latency in seconds, by method, route template and status",
      labelNames: LABELS,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

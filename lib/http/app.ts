/**
 * The HTTP app: `createApp(deps)` builds it; only `serve.ts` listens.
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Registry } from "prom-client";
import { checkPayload, issuesLine } from "../inputs.ts";
import type { Model } from "../model.ts";
import { ApiError, type ErrorBody } from "./errors.ts";
import { createHttpMetrics } from "./metrics.ts";

/** What the app needs: the model to serve and the registry to report on. */
export interface AppDeps {
  /** The model that answers predictions. */
  model: Model;
  /** The Prometheus registry `/metrics` exposes. */
  registry: Registry;
}

/** Builds the Hono app for `deps`. */
export function createApp(deps: AppDeps): Hono {
  const { model, registry } = deps;
  const metrics = createHttpMetrics(registry);
  const app = new Hono();

  app.use(async function recordRequest(c, next) {
    const start = performance.now();
    await next();
    // route templates, never raw paths, keep label cardinality bounded
    const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
    const labels = { method: c.req.method, route, status: String(c.res.status) };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, (performance.now() - start) / 1000);
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  // minimal readiness (issue 6): a model is loaded once the app exists; issue 4 owns drain
  app.get("/readyz", (c) => c.json({ status: "ready" }));

  app.get("/metrics", async (c) => {
    return c.body(await registry.metrics(), 200, { "content-type": registry.contentType });
  });

  app.post("/predict", async (c) => {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
    }
    let payload: unknown;
    try {
      payload = JSON.parse(await c.req.text());
    } catch {
      throw new ApiError(400, "malformed_json", "Request body is not valid JSON");
    }
    const checked = checkPayload(payload, model.rowSchema);
    if (!checked.ok) {
      throw new ApiError(
        422,
        "invalid_input",
        `Invalid input: ${issuesLine(checked.issues)}`,
        checked.issues,
      );
    }
    const labels = Array.from(model.predictRows(checked.rows).classes, (k) => model.classes[k]!);
    return checked.batch ? c.json({ predictions: labels }) : c.json({ prediction: labels[0] });
  });

  app.notFound((c) => c.json(new ApiError(404, "not_found", "No such route").body, 404));

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.body, err.status);
    if (err instanceof HTTPException) {
      const body: ErrorBody = {
        error: { code: "http_error", message: err.message || "Request failed" },
      };
      return c.json(body, err.status);
    }
    // unexpected: log it, tell the client nothing about internals
    console.error(JSON.stringify({ level: "error", msg: "unhandled error", error: String(err) }));
    const body: ErrorBody = { error: { code: "internal", message: "Internal server error" } };
    return c.json(body, 500);
  });

  return app;
}

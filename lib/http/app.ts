/**
 * The HTTP app: `createApp(deps)` builds it; only `serve.ts` listens.
 * @module
 */
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import type { Registry } from "prom-client";
import type { ModelHolder, ServedModel } from "../holder.ts";
import { checkItems, issuesLine, payloadItems } from "../inputs.ts";
import { bearerAuth } from "./auth.ts";
import { readJson } from "./body.ts";
import { DOCS_HTML, DOCS_JS } from "./docs.ts";
import { ApiError, type ErrorBody } from "./errors.ts";
import { kserveRoutes } from "./kserve.ts";
import { Logger } from "./log.ts";
import { createHttpMetrics, type HttpMetrics, setModelInfo } from "./metrics.ts";
import { modelDescription, openApiDocument } from "./openapi.ts";
import { answerEncoder } from "./predict.ts";

/** Request limits and access control. */
export interface AppOptions {
  /** Largest request body in bytes (413 above). Default 1 MiB. */
  maxBodyBytes?: number;
  /** Most rows in one batch (413 above). Default 10,000. */
  maxBatchRows?: number;
  /** When set, prediction routes need `Authorization: Bearer <token>`. */
  token?: string;
}

/** What the app needs: the model holder, the registry, and options. */
export interface AppDeps {
  /** Holds the model that answers predictions; reloads swap it. */
  holder: ModelHolder;
  /** The Prometheus registry `/metrics` exposes. */
  registry: Registry;
  /** Metrics already registered on `registry`; created when absent. */
  metrics?: HttpMetrics;
  /** Where log lines go; silent when absent. */
  logger?: Logger;
  /** Limits and auth. */
  options?: AppOptions;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const CONTENT_ERRORS = new Set([400, 413, 415, 422]);
const JSON_HEADERS = { "content-type": "application/json" };

/** Builds the Hono app for `deps`. */
export function createApp(deps: AppDeps): Hono {
  const { holder, registry } = deps;
  const metrics = deps.metrics ?? createHttpMetrics(registry);
  const logger = deps.logger ?? new Logger("error", () => {});
  const maxBodyBytes = deps.options?.maxBodyBytes ?? 1 << 20;
  const maxBatchRows = deps.options?.maxBatchRows ?? 10_000;
  if (holder.current) setModelInfo(metrics, holder.current);
  holder.onSwap((served) => setModelInfo(metrics, served));
  const ids = requestIds();
  const app = new Hono();

  app.use(async function observe(c, next) {
    const start = performance.now();
    const id = ids(c.req.header("x-request-id"));
    c.header("x-request-id", id);
    await next();
    // route templates, never raw paths, keep label cardinality bounded
    const template = routePath(c, -1);
    const route = template === "/*" ? "unmatched" : template;
    const method = METHODS.has(c.req.method) ? c.req.method : "other";
    const status = c.res.status;
    const seconds = (performance.now() - start) / 1000;
    const labels = { method, route, status: String(status) };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, seconds);
    if (CONTENT_ERRORS.has(status)) {
      metrics.validationFailures.inc({ route, code: String(status) });
    }
    if (logger.requests) logger.request(method, route, status, seconds * 1000, id);
  });

  if (deps.options?.token) {
    const auth = bearerAuth(deps.options.token);
    app.use("/predict", auth);
    app.use("/v2/models/:name/infer", auth);
    app.use("/v2/models/:name/versions/:version/infer", auth);
  }

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", (c) => {
    const served = holder.current;
    if (!holder.ready || !served) {
      const reason = holder.draining ? "shutting down" : "no model loaded";
      return c.json(apiBody("not_ready", `Not ready: ${reason}`), 503);
    }
    return c.json({ status: "ready", model: { name: served.name, version: served.version } });
  });

  app.get("/metrics", async (c) => {
    return c.body(await registry.metrics(), 200, { "content-type": registry.contentType });
  });

  app.get("/model", (c) => c.json(modelDescription(servedOr503(holder))));

  app.post("/predict", async (c) => {
    const served = servedOr503(holder);
    const payload = await readJson(c.req.raw, maxBodyBytes);
    const split = payloadItems(payload);
    if (split.items.length > maxBatchRows) {
      throw new ApiError(
        413,
        "too_many_rows",
        `Batch has ${split.items.length} rows, more than the limit of ${maxBatchRows}`,
      );
    }
    const model = served.model;
    const checked = checkItems(split, model.rowSchema);
    if (!checked.ok) {
      throw new ApiError(
        422,
        "invalid_input",
        `Invalid input: ${issuesLine(checked.issues)}`,
        checked.issues,
      );
    }
    const predictions = model.predictRows(checked.rows);
    countPredictions(metrics, served, predictions.classes);
    const encoder = answerEncoder(model);
    const body = checked.batch ? encoder.batch(predictions) : encoder.row(predictions, 0);
    return c.body(body, 200, JSON_HEADERS);
  });

  kserveRoutes(app, { holder, metrics, maxBodyBytes, maxBatchRows, servedOr503 });

  app.get("/openapi.json", (c) => c.json(openApiDocument(holder.current)));
  app.get("/docs", (c) => {
    c.header("content-security-policy", "default-src 'self'; style-src 'self' 'unsafe-inline'");
    return c.html(DOCS_HTML);
  });
  app.get("/docs/app.js", (c) => c.body(DOCS_JS, 200, { "content-type": "text/javascript" }));

  app.notFound((c) => c.json(apiBody("not_found", "No such route"), 404));

  app.onError((err, c) => errorResponse(err, c, logger));

  return app;
}

/** The served model, or a 503 when none is loaded. */
function servedOr503(holder: ModelHolder): ServedModel {
  const served = holder.current;
  if (!served) throw new ApiError(503, "model_unavailable", "No model is loaded");
  return served;
}

/** Counts predicted rows by class, with label objects cached per model. */
function countPredictions(metrics: HttpMetrics, served: ServedModel, classes: Int32Array): void {
  let labels = classLabels.get(served);
  if (!labels) {
    labels = served.model.classes.map((c) => ({ class: String(c) }));
    classLabels.set(served, labels);
  }
  metrics.rows.observe(classes.length);
  if (classes.length === 1) return metrics.predictions.inc(labels[classes[0]!]!);
  const counts = new Array<number>(labels.length).fill(0);
  for (const k of classes) counts[k]!++;
  counts.forEach((n, k) => n && metrics.predictions.inc(labels[k]!, n));
}
const classLabels = new WeakMap<ServedModel, Array<{ class: string }>>();

function apiBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

function errorResponse(err: Error, c: Context, logger: Logger): Response {
  if (err instanceof ApiError) {
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
    return c.json(err.body, err.status);
  }
  if (err instanceof HTTPException) {
    return c.json(apiBody("http_error", err.message || "Request failed"), err.status);
  }
  // unexpected: log it, tell the client nothing about internals
  logger.log("error", "unhandled error", { error: String(err) });
  return c.json(apiBody("internal", "Internal server error"), 500);
}

/** Request ids: the client's `x-request-id` when sane, else a cheap unique one. */
function requestIds(): (given: string | undefined) => string {
  const prefix = crypto.randomUUID().slice(0, 8);
  let next = 0;
  return (given) => {
    if (given && given.length <= 128 && /^[\w.:-]+$/.test(given)) return given;
    return `${prefix}-${(next++).toString(36)}`;
  };
}

/**
 * The HTTP app: `createApp(deps)` builds it; only `serve.ts` listens.
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import type { Registry } from "prom-client";
import type { Row } from "../model/features.ts";
import type { ModelHolder, ServedModel } from "./holder.ts";
import {
  checkItems,
  issuesLine,
  MAX_ISSUES,
  payloadItems,
  type UnseenCategory,
  unseenFinder,
  visible,
} from "../model/inputs.ts";
import { bearerAuth, bearerCheck } from "./auth.ts";
import { type BodyLimits, BodySlots, type JsonShape, jsonShape, readJson } from "./body.ts";
import type { BodyDeadline } from "./deadline.ts";
import { DOCS_HTML, DOCS_JS } from "./docs.ts";
import { ApiError, type ErrorBody } from "./errors.ts";
import { kserveRoutes, v2ErrorShape } from "./kserve.ts";
import { Logger } from "../core/log.ts";
import {
  createHttpMetrics,
  type HttpMetrics,
  predictionCounters,
  setModelInfo,
} from "./prometheus.ts";
import { modelDescription, openApiDocument } from "./openapi.ts";
import { answerEncoder } from "./predict.ts";
import { explainedAnswers } from "../score/explain.ts";
import type { CounterSeries, HistogramSeries } from "./series.ts";
import type { Monitor } from "../monitor/monitor.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The request's id, given (`x-request-id`) or made: for logs and the prediction log. */
    requestId: string;
  }
}

/** Request limits and access control. */
export interface AppOptions {
  /** Largest request body in bytes (413 above). Default 1 MiB. */
  maxBodyBytes?: number;
  /** Most rows in one batch (413 above). Default 10,000. */
  maxBatchRows?: number;
  /** When set, prediction routes need `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * With `token`: `/model`, `/metrics`, `/openapi.json`, `/docs` and V2 model
   * metadata need it too. Health and readiness stay open for probes.
   */
  protectMeta?: boolean;
  /** Turns for bodies over 64 KiB: 4 read at once and 32 waiting by default. */
  largeBodies?: { parallel?: number; queue?: number };
  /**
   * A categorical value training never saw: answered as none of the
   * categories with `"warnings"` (`warn`, the default), or refused with 422.
   */
  unseenCategories?: "warn" | "reject";
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
  /** Time limit on receiving request bodies (408); none when absent. */
  deadline?: BodyDeadline;
  /** Drift window and prediction log, fed by `POST /predict`; none when absent. */
  monitor?: Monitor;
}

/** What the served model is, how it does, and the API: behind the token with `protectMeta`. */
const META_ROUTES = [
  "/model",
  "/metrics",
  "/openapi.json",
  "/docs",
  "/docs/*",
  "/v2/models/:name",
  "/v2/models/:name/versions/:version",
];

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const CONTENT_ERRORS = new Set([400, 413, 415, 422]);
// one content-type header keeps Deno on its fast response path
const JSON_INIT: ResponseInit = { headers: { "content-type": "application/json" } };

/**
 * Builds the Hono app for `deps`.
 *
 * `POST /predict`, the hot route, is dispatched before Hono's router and
 * context, which cost throughput measurably (see docs/benchmarks.md); it shares
 * the metrics, log line, auth and error shape with every other route, and
 * `app.request()` goes through it like a socket does.
 */
export function createApp(deps: AppDeps): Hono {
  const { holder, registry } = deps;
  const metrics = deps.metrics ?? createHttpMetrics(registry);
  const logger = deps.logger ?? new Logger("error", () => {});
  const bodyLimits: BodyLimits = {
    maxBytes: deps.options?.maxBodyBytes ?? 1 << 20,
    deadline: deps.deadline,
    slots: new BodySlots(deps.options?.largeBodies),
  };
  const maxBatchRows = deps.options?.maxBatchRows ?? 10_000;
  const shapes = new WeakMap<ServedModel, JsonShape>();
  const shapeFor = (served: ServedModel): JsonShape => {
    let shape = shapes.get(served);
    if (!shape) {
      shape = jsonShape(served.model.file.features.length, maxBatchRows);
      shapes.set(served, shape);
    }
    return shape;
  };
  const token = deps.options?.token;
  if (deps.options?.protectMeta && !token) {
    throw new TypeError("createApp() needs a token to protect the metadata routes with");
  }
  const checkAuth = token ? bearerCheck(token) : null;
  if (holder.current) setModelInfo(metrics, holder.current);
  holder.onSwap((served) => setModelInfo(metrics, served));
  const monitor = deps.monitor;
  if (monitor) {
    if (holder.current) monitor.swap(holder.current);
    holder.onSwap((served) => monitor.swap(served));
  }
  const ids = requestIds();
  const record = recorder(metrics, logger);
  const app = new Hono();

  app.use(async function observe(c, next) {
    const start = performance.now();
    const given = c.req.header("x-request-id");
    const id = ids(given);
    c.set("requestId", id);
    // echoing costs a header on every response, so only for callers that trace
    if (given !== undefined) c.header("x-request-id", id);
    holder.enter();
    try {
      await next();
    } finally {
      holder.leave();
    }
    // while draining, every answer closes its connection: the client opens a
    // new one for its next request, which the load balancer sends elsewhere
    if (holder.draining) c.header("connection", "close");
    // route templates, never raw paths, keep label cardinality bounded
    const template = routePath(c, -1);
    record(c.req.method, template === "/*" ? "unmatched" : template, c.res.status, start, id);
  });

  // before the V2 routes' auth, so that its 401s take the protocol's error shape too
  app.use("/v2/*", v2ErrorShape);

  if (token) {
    const auth = bearerAuth(token);
    app.use("/v2/models/:name/infer", auth);
    app.use("/v2/models/:name/versions/:version/infer", auth);
    if (deps.options?.protectMeta) {
      for (const path of META_ROUTES) app.use(path, auth);
    }
  }

  /** `POST /predict`: a plain function of the request, used by the fast path. */
  async function predict(req: Request, id: string): Promise<Response> {
    checkAuth?.(req.headers.get("authorization"));
    const served = servedOr503(holder);
    const payload = await readJson(req, bodyLimits, hotFor(served).shape);
    const model = served.model;
    const explain = explainWanted(req.url);
    // the common case, one valid row, skips splitting and the result objects
    if (!explain && model.rowAccepts(payload)) return predictOne(served, payload, id);
    const split = payloadItems(payload);
    if (split.items.length > maxBatchRows) {
      throw new ApiError(
        413,
        "too_many_rows",
        `Batch has ${split.items.length} rows, more than the limit of ${maxBatchRows}`,
      );
    }
    const checked = checkItems(split, model.rowSchema, { accepts: model.rowAccepts });
    if (!checked.ok) {
      throw new ApiError(
        422,
        "invalid_input",
        `Invalid input: ${issuesLine(checked.issues)}`,
        checked.issues,
      );
    }
    if (!checked.batch && !explain) return predictOne(served, checked.rows[0]!, id);
    const { counts, encoder } = hotFor(served);
    const unseen = unseenOf(served, checked.rows, checked.batch);
    const predictions = model.predictRows(checked.rows);
    const tally = new Array<number>(counts.byClass.length).fill(0);
    for (const k of predictions.classes) tally[k]!++;
    tally.forEach((n, k) => n && counts.byClass[k]!.inc(n));
    counts.rows.observe(predictions.classes.length);
    monitor?.batch(
      served,
      checked.rows,
      predictions.classes,
      (i) => encoder.row(predictions, i),
      id,
    );
    if (explain) {
      const answers = explainedAnswers(model, checked.rows, predictions);
      const body = JSON.stringify(checked.batch ? { predictions: answers } : answers[0]);
      return new Response(withWarnings(body, unseen), JSON_INIT);
    }
    return new Response(withWarnings(encoder.batch(predictions), unseen), JSON_INIT);
  }

  function predictOne(served: ServedModel, row: Row, id: string): Response {
    const { counts, encoder } = hotFor(served);
    const unseen = unseenOf(served, [row], false);
    const k = served.model.predictOne(row, encoder.scratch);
    counts.byClass[k]!.inc();
    counts.rows.observe(1);
    const answer = withWarnings(encoder.one(k, encoder.scratch), unseen);
    monitor?.one(served, row, k, answer, id);
    return new Response(answer, JSON_INIT);
  }

  /** The rows' unseen categories, counted by feature; refused with 422 under `reject`. */
  function unseenOf(served: ServedModel, rows: readonly Row[], batch: boolean) {
    const unseen = unseenFinder(served.model.file.features)(rows, batch);
    if (unseen.length === 0) return unseen;
    if (deps.options?.unseenCategories === "reject") {
      const issues = unseen.map((u) => ({
        path: u.row === undefined ? visible(u.feature) : `[${u.row}].${visible(u.feature)}`,
        message: u.message,
      }));
      throw new ApiError(
        422,
        "unseen_category",
        `Unseen category: ${issuesLine(issues)}`,
        issues.slice(0, MAX_ISSUES),
      );
    }
    for (const u of unseen) metrics.unseenCategories.labels({ feature: u.feature }).inc();
    return unseen;
  }

  // the per-model helpers, looked up once per swap rather than per request
  let hotServed: ServedModel | null = null;
  let hot: Hot | null = null;
  function hotFor(served: ServedModel): Hot {
    if (served !== hotServed || !hot) {
      hot = {
        counts: predictionCounters(metrics, served),
        encoder: answerEncoder(served.model),
        shape: shapeFor(served),
      };
      hotServed = served;
    }
    return hot;
  }
  const recordPredict = record.route("POST", "/predict");

  async function fastPredict(req: Request): Promise<Response> {
    const start = performance.now();
    const given = req.headers.get("x-request-id") ?? undefined;
    // an id is only needed to echo or to log
    const id = given !== undefined || logger.requests || monitor?.needsIds ? ids(given) : "";
    let res: Response;
    holder.enter();
    try {
      res = await predict(req, id);
    } catch (err) {
      res = errorResponse(err, logger);
    } finally {
      holder.leave();
    }
    if (holder.draining) res.headers.set("connection", "close");
    if (given !== undefined) res.headers.set("x-request-id", id);
    recordPredict(res.status, start, id);
    return res;
  }

  // also routed, so a request reaching Hono (e.g. a sub-app mount) still works;
  // the fast path answers first
  app.post("/predict", (c) => predict(c.req.raw, c.get("requestId")));

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

  kserveRoutes(app, {
    holder,
    metrics,
    bodyLimits,
    shapeFor,
    maxBatchRows,
    servedOr503,
    unseen: (served, rows) => unseenOf(served, rows, true),
    observe: monitor &&
      ((served, rows, predictions, id) =>
        monitor.batch(
          served,
          rows,
          predictions.classes,
          (i) => hotFor(served).encoder.row(predictions, i),
          id,
        )),
  });

  app.get("/openapi.json", (c) => c.json(openApiDocument(holder.current)));
  app.get("/docs", (c) => {
    c.header("content-security-policy", "default-src 'self'; style-src 'self' 'unsafe-inline'");
    return c.html(DOCS_HTML);
  });
  app.get("/docs/app.js", (c) => c.body(DOCS_JS, 200, { "content-type": "text/javascript" }));

  app.notFound((c) => c.json(apiBody("not_found", "No such route"), 404));

  app.onError((err) => errorResponse(err, logger));

  const routed = app.fetch;
  app.fetch = (req, env, ctx) =>
    req.method === "POST" && pathOf(req.url) === "/predict"
      ? fastPredict(req)
      : routed(req, env, ctx);
  return app;
}

/**
 * Whether `POST /predict` asks for explanations (`?explain=true`, lib/score/explain.ts);
 * a URL without a query is not parsed.
 */
function explainWanted(url: string): boolean {
  if (!url.includes("?")) return false;
  const value = new URL(url).searchParams.get("explain");
  if (value === null || value === "false") return false;
  if (value === "true") return true;
  throw new ApiError(400, "invalid_query", "Invalid query: explain must be true or false");
}

/** An answer's JSON object with `"warnings": [...]` added when there are any. */
function withWarnings(body: string, warnings: readonly UnseenCategory[]): string {
  return warnings.length ? `${body.slice(0, -1)},"warnings":${JSON.stringify(warnings)}}` : body;
}

/** The path of an absolute URL, without parsing all of it. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

interface Hot {
  counts: ReturnType<typeof predictionCounters>;
  encoder: ReturnType<typeof answerEncoder>;
  shape: JsonShape;
}

interface Series {
  requests: CounterSeries;
  duration: HistogramSeries;
  failures: CounterSeries | null;
}

/** Finishes one request of a known route: metrics and the log line. */
type RouteRecorder = (status: number, start: number, id: string) => void;

/**
 * Records finished requests: metrics and the log line. `route()` gives a
 * recorder bound to one method and route, for the hot path.
 */
function recorder(metrics: HttpMetrics, logger: Logger) {
  const routes = new Map<string, RouteRecorder>();
  const route = (rawMethod: string, template: string): RouteRecorder => {
    const method = METHODS.has(rawMethod) ? rawMethod : "other";
    const key = `${method} ${template}`;
    let bound = routes.get(key);
    if (bound) return bound;
    const byStatus = new Map<number, Series>();
    let lastStatus = -1;
    let last: Series | null = null;
    bound = (status, start, id) => {
      const ms = performance.now() - start;
      if (status !== lastStatus || !last) {
        let s = byStatus.get(status);
        if (!s) {
          const labels = { method, route: template, status: String(status) };
          s = {
            requests: metrics.requests.labels(labels),
            duration: metrics.duration.labels(labels),
            failures: CONTENT_ERRORS.has(status)
              ? metrics.validationFailures.labels({ route: template, code: String(status) })
              : null,
          };
          byStatus.set(status, s);
        }
        last = s;
        lastStatus = status;
      }
      last.requests.inc();
      last.duration.observe(ms / 1000);
      last.failures?.inc();
      if (logger.requests) logger.request(method, template, status, ms, id);
    };
    routes.set(key, bound);
    return bound;
  };
  const record = (method: string, template: string, status: number, start: number, id: string) =>
    route(method, template)(status, start, id);
  return Object.assign(record, { route });
}

/** The served model, or a 503 when none is loaded. */
function servedOr503(holder: ModelHolder): ServedModel {
  const served = holder.current;
  if (!served) throw new ApiError(503, "model_unavailable", "No model is loaded");
  return served;
}

function apiBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

function errorResponse(err: unknown, logger: Logger): Response {
  if (err instanceof ApiError) {
    return Response.json(err.body, { status: err.status, headers: err.headers });
  }
  if (err instanceof HTTPException) {
    return Response.json(apiBody("http_error", err.message || "Request failed"), {
      status: err.status,
    });
  }
  // unexpected: log it, tell the client nothing about internals
  logger.log("error", "unhandled error", { error: String(err) });
  return Response.json(apiBody("internal", "Internal server error"), { status: 500 });
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

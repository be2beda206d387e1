/**
 * The Open Inference Protocol (KServe V2) REST subset: health, model
 * metadata and readiness, and `infer` with the spec's tensor JSON. Inputs are
 * either one tensor per feature (`shape [N]` or `[N, 1]`, named after the
 * feature) or one `[N, F]` tensor whose columns follow the model's feature
 * order. Tensor names are unique, and every value must be an element of its
 * tensor's datatype (`INT8` takes integers from -128 to 127, `BYTES` strings,
 * …); the rows then go through the same validation as `/predict`.
 * @module
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import type { ModelHolder, ServedModel } from "./holder.ts";
import {
  checkItems,
  type InputIssue,
  issuesLine,
  MAX_ISSUES,
  type UnseenCategory,
  visible,
} from "../model/inputs.ts";
import type { Row } from "../model/features.ts";
import type { Predictions } from "../model/model.ts";
import { type BodyLimits, type JsonShape, readJson } from "./body.ts";
import { ApiError } from "./errors.ts";
import { type HttpMetrics, predictionCounters } from "./prometheus.ts";

/** Tensor element types of the protocol. */
export const Datatype = z.enum([
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
]);

/** Tensor element types of the protocol. */
export type Datatype = z.infer<typeof Datatype>;

/** One input tensor of an inference request. */
export const InferInput = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()).min(1),
  datatype: Datatype,
  parameters: z.record(z.string(), z.unknown()).optional(),
  data: z.array(z.unknown()),
});

/** An inference request, `POST /v2/models/{name}/infer`. */
export const InferRequest = z.object({
  id: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z.array(InferInput).min(1),
  outputs: z.array(
    z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() }),
  ).optional(),
});
/** An inference request, `POST /v2/models/{name}/infer`. */
export type InferRequest = z.infer<typeof InferRequest>;

/** One output tensor of an inference response. */
export const InferOutput = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: Datatype,
  data: z.array(z.union([z.number(), z.string()])),
});

/** An inference response. */
export const InferResponse = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string().optional(),
  /**
   * The protocol's parameters (string, number or boolean values): with
   * categories training never saw, `unseen_categories` (how many) and
   * `warnings`, the JSON text of the warnings `/predict` gives.
   */
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  outputs: z.array(InferOutput),
});
/** An inference response. */
export type InferResponse = z.infer<typeof InferResponse>;

/** What the V2 routes need from the app. */
export interface KserveDeps {
  /** The served model. */
  holder: ModelHolder;
  /** Prediction counters. */
  metrics: HttpMetrics;
  /** Body size and time limits. */
  bodyLimits: BodyLimits;
  /** What parsing a body for this model may cost. */
  shapeFor(served: ServedModel): JsonShape;
  /** Row limit per request. */
  maxBatchRows: number;
  /** The served model or a 503. */
  servedOr503(holder: ModelHolder): ServedModel;
  /**
   * The rows' categories training never saw, counted as `/predict` counts
   * them (or refused, under UNSEEN_CATEGORIES=reject); none when absent.
   */
  unseen?(served: ServedModel, rows: readonly Row[]): UnseenCategory[];
  /** Called with every predicted batch, as `/predict` calls the monitor (drift, prediction log). */
  observe?(served: ServedModel, rows: readonly Row[], predictions: Predictions, id: string): void;
}

const OUTPUTS = ["label", "probabilities"] as const;

/** Adds the V2 routes to `app`. */
export function kserveRoutes(app: Hono, deps: KserveDeps): void {
  const { holder } = deps;
  const named = (c: Context): ServedModel => {
    const served = deps.servedOr503(holder);
    const version = c.req.param("version");
    if (c.req.param("name") !== served.name || (version && version !== served.version)) {
      throw new ApiError(
        404,
        "model_not_found",
        `No model "${c.req.param("name")}"${
          version ? ` version "${version}"` : ""
        }; this server serves "${served.name}" version "${served.version}"`,
      );
    }
    return served;
  };

  app.get("/v2", (c) => c.json({ name: "mvd", version: "1", extensions: [] }));
  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", (c) => c.json({ ready: holder.ready }, holder.ready ? 200 : 503));

  for (const base of ["/v2/models/:name", "/v2/models/:name/versions/:version"]) {
    app.get(base, (c) => c.json(metadata(named(c))));
    app.get(`${base}/ready`, (c) => {
      const served = named(c);
      return c.json({ name: served.name, ready: holder.ready }, holder.ready ? 200 : 503);
    });
    app.post(`${base}/infer`, async (c) => {
      const served = named(c);
      const payload = await readJson(c.req.raw, deps.bodyLimits, deps.shapeFor(served));
      const parsed = InferRequest.safeParse(payload);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({
          path: i.path.join("."),
          message: i.message,
        }));
        throw invalid(issues);
      }
      const request = parsed.data;
      const rows = tensorRows(request, served);
      if (rows.length > deps.maxBatchRows) {
        throw new ApiError(
          413,
          "too_many_rows",
          `Batch has ${rows.length} rows, more than the limit of ${deps.maxBatchRows}`,
        );
      }
      const wanted = request.outputs?.map((o) => o.name) ?? [...OUTPUTS];
      const unknown = wanted.filter((n) => !(OUTPUTS as readonly string[]).includes(n));
      if (unknown.length) {
        throw invalid(unknown.map((n) => ({ path: "outputs", message: `unknown output "${n}"` })));
      }
      const checked = checkItems({ items: rows, batch: true, prefix: "" }, served.model.rowSchema, {
        accepts: served.model.rowAccepts,
      });
      if (!checked.ok) throw invalid(checked.issues);
      const unseen = deps.unseen?.(served, checked.rows) ?? [];
      const p = served.model.predictRows(checked.rows);
      const classes = served.model.classes;
      const counters = predictionCounters(deps.metrics, served);
      const tally = new Array<number>(classes.length).fill(0);
      for (const k of p.classes) tally[k]!++;
      tally.forEach((n, k) => n && counters.byClass[k]!.inc(n));
      counters.rows.observe(p.classes.length);
      deps.observe?.(served, checked.rows, p, c.get("requestId"));
      const outputs = wanted.map((name) =>
        name === "label"
          ? {
            name,
            shape: [p.classes.length],
            datatype: labelType(served),
            data: Array.from(p.classes, (k) => classes[k]!),
          }
          : {
            name,
            shape: [p.classes.length, classes.length],
            datatype: "FP64" as const,
            // finite: the model refuses rows whose scores are not (Model.rowAccepts)
            data: Array.from(p.probabilities),
          }
      );
      const body: InferResponse = {
        model_name: served.name,
        model_version: served.version,
        ...(request.id === undefined ? {} : { id: request.id }),
        // parameter values are scalars in the protocol: the warnings travel as JSON text
        ...(unseen.length
          ? { parameters: { unseen_categories: unseen.length, warnings: JSON.stringify(unseen) } }
          : {}),
        outputs,
      };
      return c.json(body);
    });
  }
}

/**
 * The protocol's error shape on the V2 routes: `{"error": "<message>"}`, and
 * 400 where our own routes say 422 (bad input). Wraps every `/v2/*` route and
 * its auth, so any error they answer (401, 404, 413, 415, 503, …) is
 * rewritten from our shape, keeping its status and headers.
 */
export const v2ErrorShape: MiddlewareHandler = async function v2ErrorShape(c, next) {
  await next();
  if (c.res.status < 400) return;
  const body = await c.res.clone().json().catch(() => null) as
    | { error?: { message?: unknown } }
    | null;
  const message = body?.error?.message;
  // not our error shape (a readiness answer, say): left as it is
  if (typeof message !== "string") return;
  const status = c.res.status === 422 ? 400 : c.res.status;
  const headers = new Headers(c.res.headers);
  c.res = new Response(JSON.stringify({ error: message }), { status, headers });
};

/** The model metadata response. */
function metadata(served: ServedModel) {
  const features = served.model.file.features;
  return {
    name: served.name,
    versions: [served.version],
    platform: "mvd-logistic-regression",
    inputs: features.map((f) => ({
      name: f.name,
      datatype: f.type === "numeric" ? "FP64" : "BYTES",
      shape: [-1],
    })),
    outputs: [
      { name: "label", datatype: labelType(served), shape: [-1] },
      { name: "probabilities", datatype: "FP64", shape: [-1, served.model.classes.length] },
    ],
  };
}

function labelType(served: ServedModel): "BYTES" | "INT64" | "FP64" {
  const classes = served.model.classes;
  if (classes.some((c) => typeof c === "string")) return "BYTES";
  return classes.every((c) => Number.isInteger(c)) ? "INT64" : "FP64";
}

function invalid(issues: InputIssue[]): ApiError {
  return new ApiError(422, "invalid_input", `Invalid input: ${issuesLine(issues)}`, issues);
}

/** Turns the request's tensors into rows, or throws a 422 naming the tensor. */
function tensorRows(request: InferRequest, served: ServedModel): unknown[] {
  const features = served.model.file.features;
  const issues: InputIssue[] = [];
  const seen = new Map<string, number>();
  const tensors = request.inputs.map((t, j) => {
    const first = seen.get(t.name);
    if (first === undefined) seen.set(t.name, j);
    else {
      issues.push({
        path: `inputs[${j}].name`,
        message: `duplicate tensor name ${quoted(t.name)} (also inputs[${first}])`,
      });
    }
    const data = flatten(t.data, t.shape.length - 1);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      issues.push({
        path: `inputs[${j}].data`,
        message: `expected ${size} values for shape [${t.shape.join(", ")}], got ${data.length}`,
      });
    } else checkElements(data, t.datatype, `inputs[${j}].data`, issues);
    return { ...t, data };
  });
  if (issues.length) throw invalid(capped(issues));

  const only = tensors[0]!;
  const byName = new Set(features.map((f) => f.name));
  // one [N, F] tensor not named after a feature: columns in feature order
  if (tensors.length === 1 && only.shape.length === 2 && !byName.has(only.name)) {
    const [n, width] = only.shape as [number, number];
    if (width !== features.length) {
      throw invalid([{
        path: "inputs[0].shape",
        message: `expected [N, ${features.length}] (one column per feature), got [${
          only.shape.join(", ")
        }]`,
      }]);
    }
    const rows: Row[] = [];
    for (let i = 0; i < n; i++) {
      const row: Record<string, unknown> = {};
      features.forEach((f, k) => (row[f.name] = only.data[i * width + k]));
      rows.push(row as Row);
    }
    return rows;
  }

  // a tensor named as the model's target is ignored, as a row's target field is
  const target = served.model.file.target;
  const inputs = byName.has(target) ? tensors : tensors.filter((t) => t.name !== target);
  let n: number | undefined;
  inputs.forEach((t) => {
    const j = tensors.indexOf(t);
    if (!byName.has(t.name)) {
      issues.push({ path: `inputs[${j}].name`, message: `unknown feature ${quoted(t.name)}` });
    } else if (t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1)) {
      issues.push({
        path: `inputs[${j}].shape`,
        message: `expected [N] or [N, 1], got [${t.shape.join(", ")}]`,
      });
    } else if (n !== undefined && t.shape[0] !== n) {
      issues.push({
        path: `inputs[${j}].shape`,
        message: `expected ${n} rows like the first input, got ${t.shape[0]}`,
      });
    }
    n ??= t.shape[0];
  });
  if (issues.length) throw invalid(issues);
  const rows: Record<string, unknown>[] = Array.from({ length: n ?? 0 }, () => ({}));
  for (const t of inputs) t.data.forEach((v, i) => (rows[i]![t.name] = v));
  return rows;
}

/**
 * Flattens tensor data nested up to `levels` deep (the spec allows data
 * flat or nested along its shape) one level at a time: never recursion as
 * deep as the client's nesting. Arrays nested deeper stay values, which row
 * validation refuses.
 */
function flatten(data: unknown[], levels: number): unknown[] {
  let out = data;
  for (let level = 0; level < levels && out.some(Array.isArray); level++) out = out.flat(1);
  return out;
}

/** What a tensor of each datatype may hold, in the JSON of the REST protocol. */
const ELEMENTS: Record<Datatype, { accepts(value: unknown): boolean; expected: string }> = {
  BOOL: { accepts: (v) => typeof v === "boolean", expected: "true or false" },
  UINT8: integer(8, false),
  UINT16: integer(16, false),
  UINT32: integer(32, false),
  UINT64: integer(64, false),
  INT8: integer(8, true),
  INT16: integer(16, true),
  INT32: integer(32, true),
  INT64: integer(64, true),
  // the largest finite half and single precision values
  FP16: magnitude(65504),
  FP32: magnitude(3.4028234663852886e38),
  FP64: {
    accepts: (v) => typeof v === "number" && Number.isFinite(v),
    expected: "a finite number",
  },
  BYTES: { accepts: (v) => typeof v === "string", expected: "a string" },
};

function integer(bits: number, signed: boolean) {
  const min = signed ? -(2n ** BigInt(bits - 1)) : 0n;
  const max = (signed ? 2n ** BigInt(bits - 1) : 2n ** BigInt(bits)) - 1n;
  // 64-bit bounds round to a double just outside the range: compare below the next power of two
  const low = Number(min), high = Number(max + 1n);
  return {
    accepts: (v: unknown) => Number.isInteger(v) && (v as number) >= low && (v as number) < high,
    expected: `an integer from ${min} to ${max}`,
  };
}

function magnitude(max: number) {
  return {
    accepts: (v: unknown) => typeof v === "number" && Math.abs(v) <= max,
    expected: `a number of magnitude at most ${max}`,
  };
}

/** Adds an issue for each value of `data` that is not a `datatype`, up to the issue limit. */
function checkElements(
  data: readonly unknown[],
  datatype: Datatype,
  path: string,
  issues: InputIssue[],
): void {
  const { accepts, expected } = ELEMENTS[datatype];
  for (let i = 0; i < data.length && issues.length <= MAX_ISSUES; i++) {
    if (!accepts(data[i])) {
      issues.push({
        path: `${path}[${i}]`,
        message: `expected ${datatype} (${expected}), got ${shown(data[i])}`,
      });
    }
  }
}

function shown(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A client's name for a message: quoted, on one line, not too long. */
function quoted(name: string): string {
  const short = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return `"${visible(short)}"`;
}

function capped(issues: InputIssue[]): InputIssue[] {
  if (issues.length <= MAX_ISSUES) return issues;
  return [
    ...issues.slice(0, MAX_ISSUES),
    { path: "", message: `more problems not listed (only the first ${MAX_ISSUES} are)` },
  ];
}

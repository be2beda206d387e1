/**
 * The Open Inference Protocol (KServe V2) REST subset: health, model
 * metadata and readiness, and `infer` with the spec's tensor JSON. Inputs are
 * either one tensor per feature (`shape [N]` or `[N, 1]`, named after the
 * feature) or one `[N, F]` tensor whose columns follow the model's feature
 * order. Rows go through the same validation as `/predict`.
 * @module
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { ModelHolder, ServedModel } from "./holder.ts";
import { checkItems, type InputIssue, issuesLine } from "../model/inputs.ts";
import type { Row } from "../model/features.ts";
import { type BodyLimits, readJson } from "./body.ts";
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
  /** Row limit per request. */
  maxBatchRows: number;
  /** The served model or a 503. */
  servedOr503(holder: ModelHolder): ServedModel;
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
      const parsed = InferRequest.safeParse(await readJson(c.req.raw, deps.bodyLimits));
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
      const p = served.model.predictRows(checked.rows);
      const classes = served.model.classes;
      const counters = predictionCounters(deps.metrics, served);
      const tally = new Array<number>(classes.length).fill(0);
      for (const k of p.classes) tally[k]!++;
      tally.forEach((n, k) => n && counters.byClass[k]!.inc(n));
      counters.rows.observe(p.classes.length);
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
            data: Array.from(p.probabilities, (v) => (Number.isFinite(v) ? v : 0)),
          }
      );
      const body: InferResponse = {
        model_name: served.name,
        model_version: served.version,
        ...(request.id === undefined ? {} : { id: request.id }),
        outputs,
      };
      return c.json(body);
    });
  }
}

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
  const tensors = request.inputs.map((t, j) => {
    const data = flatten(t.data, t.shape.length - 1);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      issues.push({
        path: `inputs[${j}].data`,
        message: `expected ${size} values for shape [${t.shape.join(", ")}], got ${data.length}`,
      });
    }
    return { ...t, data };
  });
  if (issues.length) throw invalid(issues);

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

  let n: number | undefined;
  tensors.forEach((t, j) => {
    if (!byName.has(t.name)) {
      issues.push({ path: `inputs[${j}].name`, message: `unknown feature "${t.name}"` });
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
  for (const t of tensors) t.data.forEach((v, i) => (rows[i]![t.name] = v));
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

/**
 * `GET /model` and `GET /openapi.json`: what the served model is, and the
 * API described from the very zod schemas that validate requests.
 * @module
 */
import { z } from "zod";
import type { ServedModel } from "./holder.ts";
import { exampleRow as trainingExample, mostFrequent } from "../model/features.ts";
import { InferRequest, InferResponse } from "./kserve.ts";

/** The error shape, as a schema for the document. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** One answer of `POST /predict`, as the document describes it. */
const Prediction = z.object({
  prediction: z.any(),
  probabilities: z.record(z.string(), z.number()),
  /** With `?explain=true` (lib/score/explain.ts). */
  explanation: z.object({
    class: z.any(),
    logit: z.number(),
    base: z.number(),
    contributions: z.record(z.string(), z.number()),
  }).optional(),
  /** Categories training never saw (lib/model/inputs.ts); a batch has them at its top level. */
  warnings: z.array(z.object({
    feature: z.string(),
    value: z.string(),
    message: z.string(),
    /** In a batch: the row's index. */
    row: z.number().int().optional(),
  })).optional(),
});

/** `GET /model`: name, version, features, classes, metrics, data hash, times. */
export function modelDescription(served: ServedModel) {
  const file = served.model.file;
  return {
    name: served.name,
    version: served.version,
    target: file.target,
    createdAt: file.createdAt,
    loadedAt: served.loadedAt,
    classes: file.classes,
    probability: file.probability,
    features: file.features.map((f) =>
      f.type === "numeric"
        ? {
          name: f.name,
          type: f.type,
          required: f.missing === 0,
          mean: f.mean,
          min: f.min,
          max: f.max,
        }
        : f.type === "date"
        ? { name: f.name, type: f.type, required: f.missing === 0, example: f.example }
        : {
          name: f.name,
          type: f.type,
          required: f.missing === 0,
          categories: f.categories,
          mostFrequent: mostFrequent(f),
        }
    ),
    metrics: file.metrics,
    training: {
      // the file's name only: model.json may hold the full path it had on the training machine
      data: baseName(file.training.data),
      sha256: file.training.sha256,
      rows: file.training.rows,
      trainRows: file.training.trainRows,
      testRows: file.training.testRows,
      seed: file.training.seed,
    },
  };
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

const documents = new WeakMap<ServedModel, object>();
let withoutModel: object | undefined;

/** The OpenAPI 3.1 document for the served model (or a generic one). */
export function openApiDocument(served: ServedModel | null): object {
  if (!served) return (withoutModel ??= buildDocument(null));
  let doc = documents.get(served);
  if (!doc) {
    doc = buildDocument(served);
    documents.set(served, doc);
  }
  return doc;
}

function schema(s: z.ZodType, io: "input" | "output" = "output"): Record<string, unknown> {
  const out = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/**
 * The row schema with each categorical feature's known values as its `enum`
 * (any other string is answered with a warning, or 422 under
 * UNSEEN_CATEGORIES=reject).
 */
function withCategories(
  row: Record<string, unknown>,
  model: ServedModel["model"],
): Record<string, unknown> {
  const properties = row.properties as Record<string, Record<string, unknown>> | undefined;
  for (const f of model.file.features) {
    const property = properties?.[f.name];
    if (f.type !== "categorical" || !property) continue;
    const branches = (property.anyOf as Record<string, unknown>[] | undefined) ?? [property];
    for (const b of branches) if (b.type === "string") b.enum = f.categories;
    property.description =
      "Known values listed; any other string is answered as none of them, with a warning";
  }
  return row;
}

function buildDocument(served: ServedModel | null) {
  const model = served?.model;
  const row = model ? withCategories(schema(model.rowSchema, "input"), model) : { type: "object" };
  const label = model
    ? schema(z.literal(model.classes as Array<string | number>))
    : { type: ["string", "number"] };
  const example = model ? exampleRow(served!) : {};
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const json = (s: unknown, ex?: unknown) => ({
    "application/json": { schema: s, ...(ex === undefined ? {} : { example: ex }) },
  });
  const error = (description: string) => ({ description, content: json(ref("Error")) });
  const clientErrors = {
    "400": error("Malformed JSON, or an explain query other than true or false"),
    "413": error("Body or batch over the limit"),
    "415": error("Content-Type is not application/json"),
    "422": error("Invalid input; every problem listed with its path"),
    "503": error("No model loaded"),
  };
  const secured = [{}, { bearer: [] }];
  const modelPath = "/v2/models/{name}";
  const nameParam = {
    name: "name",
    in: "path",
    required: true,
    description: "The served model's name: the run's, by default its training file's base name",
    schema: { type: "string" },
    ...(served ? { example: served.name } : {}),
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "mvd model server",
      version: served?.version ?? "none",
      description: served
        ? `Serving model "${served.name}" version ${served.version}, predicting "${
          model!.file.target
        }".`
        : "No model loaded.",
    },
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "Needed on prediction routes when the server has API_TOKEN set; with PROTECT_META also on /model, /metrics, /openapi.json, /docs and V2 model metadata",
        },
      },
      schemas: {
        Row: row,
        Label: label,
        Prediction: schema(Prediction),
        Error: schema(ErrorBodySchema),
        InferRequest: schema(InferRequest, "input"),
        InferResponse: schema(InferResponse),
      },
    },
    paths: {
      "/predict": {
        post: {
          summary: 'Predict one row, an array of rows, or {"instances": [...]}',
          security: secured,
          parameters: [{
            name: "explain",
            in: "query",
            required: false,
            schema: { type: "boolean", default: false },
            description:
              "true adds each row's explanation: the predicted class's logit, its base and each feature's contribution (base + Σ contributions = logit)",
          }],
          requestBody: {
            required: true,
            content: json(
              {
                oneOf: [
                  ref("Row"),
                  { type: "array", items: ref("Row") },
                  {
                    type: "object",
                    properties: { instances: { type: "array", items: ref("Row") } },
                    required: ["instances"],
                    additionalProperties: false,
                  },
                ],
              },
              example,
            ),
          },
          responses: {
            "200": {
              description: 'A prediction, or {"predictions": [...]} for a batch, in order',
              content: json({
                oneOf: [ref("Prediction"), {
                  type: "object",
                  properties: {
                    predictions: { type: "array", items: ref("Prediction") },
                    warnings: { $ref: "#/components/schemas/Prediction/properties/warnings" },
                  },
                }],
              }),
            },
            "401": error("Missing or wrong bearer token (only with API_TOKEN)"),
            ...clientErrors,
          },
        },
      },
      "/model": {
        get: {
          summary: "The served model: features, classes, metrics, data hash",
          responses: {
            "200": { description: "Model description" },
            "503": error("No model loaded"),
          },
        },
      },
      "/healthz": { get: { summary: "Liveness", responses: { "200": { description: "Alive" } } } },
      "/readyz": {
        get: {
          summary: "Readiness: 200 while a model is loaded and the server is not draining",
          responses: { "200": { description: "Ready" }, "503": error("Not ready") },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics",
          responses: { "200": { description: "Prometheus text format" } },
        },
      },
      "/v2/health/live": {
        get: { summary: "KServe V2 liveness", responses: { "200": { description: "Alive" } } },
      },
      "/v2/health/ready": {
        get: {
          summary: "KServe V2 readiness",
          responses: { "200": { description: "Ready" }, "503": { description: "Not ready" } },
        },
      },
      [modelPath]: {
        get: {
          summary: "KServe V2 model metadata",
          parameters: [nameParam],
          responses: { "200": { description: "Metadata" }, "404": error("No such model") },
        },
      },
      [`${modelPath}/ready`]: {
        get: {
          summary: "KServe V2 model readiness",
          parameters: [nameParam],
          responses: { "200": { description: "Ready" }, "404": error("No such model") },
        },
      },
      [`${modelPath}/infer`]: {
        post: {
          summary: "KServe V2 inference: one tensor per feature, or one [N, F] tensor",
          security: secured,
          parameters: [nameParam],
          requestBody: {
            required: true,
            content: json(ref("InferRequest"), served ? inferExample(served) : undefined),
          },
          responses: {
            "200": {
              description: "Outputs label and probabilities",
              content: json(ref("InferResponse")),
            },
            "401": error("Missing or wrong bearer token (only with API_TOKEN)"),
            "404": error("No such model"),
            ...clientErrors,
          },
        },
      },
    },
  };
}

/** A plausible row for the docs: {@link trainingExample}, its numbers to 3 significant digits. */
export function exampleRow(served: ServedModel): Record<string, number | string> {
  const row: Record<string, number | string> = {};
  for (const [name, value] of Object.entries(trainingExample(served.model.file.features))) {
    row[name] = typeof value === "number" ? Number(value.toPrecision(3)) : value ?? "";
  }
  return row;
}

function inferExample(served: ServedModel) {
  return {
    inputs: Object.entries(exampleRow(served)).map(([name, value]) => ({
      name,
      shape: [1],
      datatype: typeof value === "number" ? "FP64" : "BYTES",
      data: [value],
    })),
  };
}

/**
 * Shared pieces of the fuzz suites: how many cases to run, the invariants
 * every answer must keep, and generators of hostile JSON bodies.
 *
 * The suites assert invariants, not today's exact bodies, so that they stay
 * true as the API grows (more routes, probabilities in answers, body limits).
 * @module
 */
import fc from "fast-check";
import { z } from "zod";
import { assert, assertEquals } from "../lib/_testing/assert.ts";
import { dateParts, type Feature } from "../lib/model/features.ts";
import { binaryChar, isoDate, notDate } from "../lib/_testing/arbitraries.ts";
import { MAX_ISSUES } from "../lib/model/inputs.ts";
import type { Model } from "../lib/model/model.ts";

/**
 * Cases for a property: `short` in the default test run; with `FUZZ_RUNS`
 * set (the `fuzz` task sets it), `FUZZ_RUNS / cost` but never fewer than
 * `short`, so slow properties (subprocesses, training) scale down. Without
 * `--allow-env=FUZZ_RUNS` the default test run always uses `short`.
 */
export function fuzzRuns(short: number, cost = 1, variable = "FUZZ_RUNS"): number {
  const text = readEnv(variable);
  const runs = text === undefined ? NaN : Number(text);
  return Number.isInteger(runs) && runs > 0 ? Math.max(short, Math.floor(runs / cost)) : short;
}

/** fast-check parameters: the run count and, when `FUZZ_SEED` is set, a fixed seed. */
export function fuzzParams(short: number, cost = 1): fc.Parameters<unknown> {
  const seed = Number(readEnv("FUZZ_SEED"));
  return {
    numRuns: fuzzRuns(short, cost),
    ...(Number.isInteger(seed) ? { seed } : {}),
  };
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // the default test task grants no env access: use the short run
    return undefined;
  }
}

/** The API's one error shape; unknown extra fields are refused. */
/** The Open Inference Protocol's error body, which the `/v2/*` routes answer with. */
export const V2ErrorBody = z.strictObject({
  error: z.string().min(1).regex(/^[^\n\r\u2028\u2029]*$/),
});

export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().min(1),
    // one line, whatever keys the client sent
    message: z.string().min(1).regex(/^[^\n\r\u2028\u2029]*$/),
    // bounded, however many problems a huge body has
    issues: z.array(z.strictObject({ path: z.string(), message: z.string() }))
      .max(MAX_ISSUES + 1).optional(),
  }),
});

/** Text that would reveal internals: stack frames, module URLs, source paths. */
const LEAKS = [
  /\bat .+:\d+:\d+/,
  /file:\/\//,
  /\bext:/,
  /node_modules/,
  /\.ts\b/,
  /\/(?:work|home|tmp|root|usr)\//,
];

/**
 * Returns what in `text` looks like a leaked internal, ignoring whatever the
 * client sent itself (an unknown key is echoed back in the error).
 */
export function leakIn(text: string, sent: string): string | undefined {
  for (const pattern of LEAKS) {
    const found = pattern.exec(text);
    if (found && !sent.includes(found[0])) return found[0];
  }
  return undefined;
}

/** JSON values of every kind, deep and wide, with awkward numbers and strings. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.constantFrom(1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, -0),
    fc.string({ unit: binaryChar }),
    fc.constantFrom("NaN", "Infinity", "-Infinity", "1e999", "", " ", "0x10", "1_000"),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: binaryChar, maxLength: 8 }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

/** Rows a model with these `features` must accept: right names, right types. */
export function validRow(features: readonly Feature[]): fc.Arbitrary<Record<string, unknown>> {
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of features) {
    const value = f.type === "numeric"
      ? fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))
      : f.type === "date"
      ? fc.oneof(fc.constant(f.example), isoDate)
      : fc.oneof(fc.constantFrom(...f.categories), fc.string());
    entries[f.name] = f.missing > 0 ? fc.oneof(value, fc.constant(null)) : value;
  }
  return fc.record(entries, {
    requiredKeys: features.filter((f) => f.missing === 0).map((f) => f.name),
  });
}

/**
 * Payloads shaped like rows of a model with these `features`: valid rows,
 * rows with the right names and any values, alone, in batches (bare or as
 * `{"instances": [...]}`), or wrapped in the wrong container.
 */
export function rowLike(model: readonly Feature[]): fc.Arbitrary<unknown> {
  const features = model.map((f) => f.name);
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...features) },
    fc.string({ unit: binaryChar, maxLength: 6 }),
    fc.constantFrom(
      "__proto__",
      "constructor",
      "toString",
      "hasOwnProperty",
      "0",
      "a\nb",
      "\u001b[2J",
      "\u202e",
    ),
  );
  // dates that are none among the values, so a date feature meets them
  const value = fc.oneof({ weight: 6, arbitrary: anyJson }, notDate, isoDate);
  const row = fc.dictionary(key, value, { maxKeys: features.length + 2 });
  const good = validRow(model);
  return fc.oneof(
    good,
    fc.array(good, { minLength: 1, maxLength: 4 }),
    fc.array(fc.oneof(good, row), { minLength: 1, maxLength: 4 }),
    row,
    fc.array(row, { minLength: 0, maxLength: 4 }),
    fc.array(fc.array(row, { maxLength: 2 }), { maxLength: 2 }),
    // the {"instances": [...]} shape: valid, mixed, not an array, or with an extra key
    fc.record({ instances: fc.array(good, { minLength: 1, maxLength: 4 }) }),
    fc.record({ instances: fc.array(fc.oneof(good, row), { maxLength: 4 }) }),
    fc.record({ instances: anyJson }),
    fc.record({ instances: fc.array(good, { maxLength: 2 }), extra: anyJson }),
    anyJson,
  );
}

/**
 * Raw request bodies: valid JSON of the payloads, plus the texts JSON.stringify
 * never writes — duplicate keys, bare NaN, truncations, deep nesting, huge
 * strings and random bytes.
 */
export function rawBodies(
  model: readonly Feature[],
): fc.Arbitrary<string | Uint8Array<ArrayBuffer>> {
  const features = model.map((f) => f.name);
  const json = rowLike(model).map((v) => JSON.stringify(v) ?? "null");
  const name = fc.constantFrom(...features);
  return fc.oneof(
    { weight: 6, arbitrary: json },
    // duplicate keys: JSON.parse keeps the last one
    fc.tuple(name, anyJson, anyJson).map(([k, a, b]) =>
      `{${JSON.stringify(k)}:${JSON.stringify(a) ?? 0},${JSON.stringify(k)}:${
        JSON.stringify(b) ?? 0
      }}`
    ),
    // numbers JSON has no spelling for
    fc.tuple(name, fc.constantFrom("NaN", "Infinity", "-Infinity", "1e999", "-0", "01", ".5"))
      .map(([k, v]) => `{${JSON.stringify(k)}:${v}}`),
    // truncated JSON
    fc.tuple(json, fc.nat()).map(([text, cut]) => text.slice(0, cut % Math.max(1, text.length))),
    // deep nesting, as an array or as objects around a feature
    fc.integer({ min: 1, max: 20_000 }).map((n) => "[".repeat(n) + "]".repeat(n)),
    fc.tuple(name, fc.integer({ min: 1, max: 20_000 })).map(([k, n]) =>
      `{${JSON.stringify(k)}:${'{"a":'.repeat(n)}1${"}".repeat(n)}}`
    ),
    // a huge string and a huge number of keys
    fc.tuple(name, fc.integer({ min: 10_000, max: 300_000 })).map(([k, n]) =>
      `{${JSON.stringify(k)}:"${"x".repeat(n)}"}`
    ),
    fc.integer({ min: 100, max: 5_000 }).map((n) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])))
    ),
    fc.string({ unit: "grapheme" }),
    // random bytes, often not UTF-8
    fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array(b)),
  );
}

/** Content types a client might send, most of them wrong. */
export const contentTypes: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  fc.constantFrom(
    undefined,
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/json;",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "application/ld+json",
    "",
    "*/*",
  ),
);

/** Whether the API must accept `value` as a row: written independently of lib/inputs.ts. */
function isValidRow(value: unknown, m: Model): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const row = value as Record<string, unknown>;
  const names = new Set(m.file.features.map((f) => f.name));
  if (Object.keys(row).some((k) => !names.has(k))) return false;
  const shaped = m.file.features.every((f) => {
    const has = Object.hasOwn(row, f.name);
    const v = row[f.name];
    if (!has || v === null) return f.missing > 0;
    if (f.type === "numeric") return typeof v === "number" && Number.isFinite(v);
    return typeof v === "string" && (f.type !== "date" || isCalendarDate(v));
  });
  return shaped && scoresFinite(row, m);
}

/**
 * Whether `text` is an ISO 8601 date or date-time of a real day and time,
 * judged by `Date` rather than by lib/model/features.ts.
 */
function isCalendarDate(text: string): boolean {
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/
      .exec(text.trim());
  if (!m) return false;
  const day = new Date(`${m[1]}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== m[1]) return false;
  return m[2] === undefined || (Number(m[2]) <= 23 && Number(m[3]) <= 59);
}

/** Whether the row's class scores are finite: its values are in the model's range. */
function scoresFinite(row: Record<string, unknown>, m: Model): boolean {
  const x = [1];
  for (const f of m.file.features) {
    const v = row[f.name];
    if (f.type === "numeric") x.push(typeof v === "number" ? (v - f.mean) / f.scale : 0);
    else if (f.type === "date") {
      const parts = dateParts(v as string)!;
      f.parts.forEach((p, k) => x.push((parts[k]! - p.mean) / p.scale));
    } else x.push(...f.categories.map((c) => (c === v ? 1 : 0)));
  }
  return m.file.estimator.classifiers.every((c) =>
    Number.isFinite(c.weights[0]!.reduce((z, w, j) => z + w * x[j]!, 0))
  );
}

/** Whether the answer to `payload` is a list: an array, or `{"instances": [...]}` alone. */
export function isBatch(payload: unknown): boolean {
  return Array.isArray(payload) || instancesOf(payload) !== undefined;
}

function instancesOf(payload: unknown): unknown[] | undefined {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return undefined;
  const keys = Object.keys(payload);
  const instances = (payload as Record<string, unknown>).instances;
  return keys.length === 1 && Array.isArray(instances) ? instances : undefined;
}

/** The rows of a payload the API must accept, or undefined if it must refuse it. */
export function validRows(payload: unknown, m: Model): unknown[] | undefined {
  const rows = Array.isArray(payload) ? payload : instancesOf(payload) ?? [payload];
  if (rows.length === 0 || !rows.every((r) => isValidRow(r, m))) return undefined;
  return rows;
}

/** Asserts every number under a probabilities-like field is a probability. */
export function checkProbabilities(value: unknown, where: string): void {
  if (typeof value === "number") {
    assert(Number.isFinite(value) && value >= 0 && value <= 1, `${where}: ${value}`);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) checkProbabilities(v, `${where}.${k}`);
  }
}

/**
 * Asserts that `body`, a 200 from `POST /predict`, answers `payload` right:
 * the payload is valid, every label is the model's, in the payload's shape,
 * and every probability is one. `shown` describes the exchange in failures.
 */
export function checkPrediction(body: unknown, payload: unknown, m: Model, shown: string): void {
  const rows = validRows(payload, m);
  assert(rows, `200 for an invalid payload: ${JSON.stringify(payload)?.slice(0, 200)} → ${shown}`);
  const expected = Array.from(m.predictRows(rows as never).classes, (k) => m.classes[k]);
  const answer = body as Record<string, unknown>;
  if (isBatch(payload)) {
    const answers = answer.predictions as Array<{ prediction: unknown; probabilities: unknown }>;
    assertEquals(answers.map((a) => a.prediction), expected, shown);
    for (const a of answers) checkProbabilities(a.probabilities, "probabilities");
  } else assertEquals(answer.prediction, expected[0], shown);
  if ("probabilities" in answer) checkProbabilities(answer.probabilities, "probabilities");
}

/** The body parsed as JSON, as a server would. */
export function parsed(text: string | Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    const t = typeof text === "string" ? text : new TextDecoder().decode(text);
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false };
  }
}

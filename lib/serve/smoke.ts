/**
 * The post-deploy smoke check: a handful of real requests against a running
 * server that prove it is ready, predicts, refuses bad input with a 4xx and
 * exposes its metrics. Used by the pipeline's smoke stage and by hand.
 * @module
 */
import { z } from "zod";
import { exampleRow, FeatureOutline } from "../model/features.ts";

/** The body sent when neither `--body` nor `GET /model` gives one: the seed's example. */
export const DEFAULT_BODY = '{"f1":1,"f2":0}';

/** A check that did not hold; its message is the one line a user reads. */
export class SmokeError extends Error {
  /** Creates a smoke failure with a one-line message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SmokeError";
  }
}

/** How to run the checks. */
export interface SmokeOptions {
  /** JSON for the valid `/predict`; by default built from `GET /model`, else {@link DEFAULT_BODY}. */
  body?: string;
  /** Per-request timeout in milliseconds (default 5000). */
  timeoutMs?: number;
}

/** One check that passed. */
export interface SmokeCheck {
  /** What was checked, such as `GET /readyz`. */
  name: string;
  /** The status the server answered. */
  status: number;
  /** Round-trip time in milliseconds. */
  ms: number;
}

// GET /model, if the server has it, describes the features it expects
const ModelInfo = z.object({ features: z.array(FeatureOutline).min(1) });

/** Runs every check against `base` in order; throws a {@link SmokeError} at the first failure. */
export async function runSmoke(base: URL, options: SmokeOptions = {}): Promise<SmokeCheck[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const checks: SmokeCheck[] = [];
  // a base with a path prefix (behind an ingress) keeps it: resolve against "prefix/"
  const root = new URL(base.href.endsWith("/") ? base.href : `${base.href}/`);
  const call = (name: string, path: string, init?: RequestInit) =>
    request(new URL(path, root), { name, init, timeoutMs });

  const ready = await call("GET /readyz", "readyz");
  expectStatus(ready, (s) => s === 200, "200");
  checks.push(ready);

  const body = options.body ?? await bodyFromModel(call) ?? DEFAULT_BODY;
  const post = (text: string): RequestInit => ({
    method: "POST",
    body: text,
    headers: { "content-type": "application/json" },
  });
  const valid = await call("POST /predict (valid)", "predict", post(body));
  expectStatus(valid, (s) => s === 200, "200");
  const answer = parseJson(valid);
  if (typeof answer !== "object" || answer === null || !("prediction" in answer)) {
    throw new SmokeError(`Smoke check "${valid.name}" failed: no "prediction" in ${valid.text}`);
  }
  checks.push(valid);

  // no model has zero features, so an empty object is invalid for every model
  const invalid = await call("POST /predict (invalid)", "predict", post("{}"));
  expectStatus(invalid, (s) => s >= 400 && s < 500, "a 4xx");
  checks.push(invalid);

  const metrics = await call("GET /metrics", "metrics");
  expectStatus(metrics, (s) => s === 200, "200");
  if (!metrics.text.includes("mvd_http_requests_total")) {
    throw new SmokeError(
      `Smoke check "${metrics.name}" failed: no mvd_http_requests_total in the exposition`,
    );
  }
  checks.push(metrics);
  return checks;
}

/** One line summing up passed checks. */
export function summary(base: URL, checks: readonly SmokeCheck[]): string {
  const parts = checks.map((c) => `${c.name} ${c.status} in ${c.ms.toFixed(0)} ms`);
  return `smoke ok: ${base.origin}${base.pathname}: ${parts.join("; ")}`;
}

interface Answer extends SmokeCheck {
  text: string;
}

async function request(
  url: URL,
  options: { name: string; init?: RequestInit; timeoutMs: number },
): Promise<Answer> {
  const start = performance.now();
  try {
    const res = await fetch(url, {
      ...options.init,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await res.text();
    return { name: options.name, status: res.status, ms: performance.now() - start, text };
  } catch (err) {
    const reason = err instanceof DOMException && err.name === "TimeoutError"
      ? `no answer within ${options.timeoutMs} ms`
      : `cannot connect to ${url.origin}: ${err instanceof Error ? err.message : String(err)}`;
    throw new SmokeError(`Smoke check "${options.name}" failed: ${reason}`, { cause: err });
  }
}

function expectStatus(answer: Answer, ok: (status: number) => boolean, wanted: string): void {
  if (ok(answer.status)) return;
  const excerpt = answer.text.slice(0, 200).replaceAll(/\s+/g, " ");
  throw new SmokeError(
    `Smoke check "${answer.name}" failed: status ${answer.status}, expected ${wanted}: ${excerpt}`,
  );
}

function parseJson(answer: Answer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new SmokeError(`Smoke check "${answer.name}" failed: the body is not JSON`);
  }
}

async function bodyFromModel(
  call: (name: string, path: string) => Promise<Answer>,
): Promise<string | undefined> {
  const answer = await call("GET /model", "model");
  if (answer.status !== 200) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    return undefined;
  }
  const info = ModelInfo.safeParse(json);
  return info.success ? JSON.stringify(exampleRow(info.data.features)) : undefined;
}

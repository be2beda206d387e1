/**
 * Server configuration from flags and environment, validated at startup.
 * Flags win over environment variables.
 * @module
 */
import { z } from "zod";
import { type Command, type Parsed, parseFlags } from "../core/flags.ts";
import { UsageError } from "../core/errors.ts";
import { LogLevel } from "../core/log.ts";

/** The environment variables the server reads (and `--allow-env` names). */
export const SERVE_ENV = [
  "PORT",
  "HOST",
  "MODEL_DIR",
  "API_TOKEN",
  "LOG_LEVEL",
  "MAX_BODY_BYTES",
  "MAX_BATCH_ROWS",
  "SHUTDOWN_TIMEOUT",
  "BODY_TIMEOUT",
  "WATCH_MODEL",
  "PROTECT_META",
  "UNSEEN_CATEGORIES",
  "DRIFT_WINDOW",
  "PREDICTION_LOG",
  "PREDICTION_LOG_SAMPLE",
  "PREDICTION_LOG_MAX_BYTES",
] as const;
/** One of the environment variables the server reads. */
export type ServeEnv = (typeof SERVE_ENV)[number];

const intText = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, "expected a whole number").transform(Number).pipe(
    z.number().int().min(min).max(max),
  );

const bool = z.enum(["true", "false", "1", "0"], "expected true or false").transform((v) =>
  v === "true" || v === "1"
);

/** Validated server settings. */
export const ServeConfig = z.object({
  port: intText(0, 65535),
  host: z.string().min(1),
  model: z.string().min(1),
  /** Bearer token required on prediction routes; unset means open. */
  token: z.string().min(16, "expected at least 16 characters").optional(),
  logLevel: LogLevel,
  maxBodyBytes: intText(1, 1 << 30),
  maxBatchRows: intText(1, 10_000_000),
  /** Seconds in-flight requests get to finish after SIGTERM/SIGINT. */
  shutdownTimeout: intText(0, 3600),
  /** Seconds a client gets to send its request body (408 after); 0 for no limit. */
  bodyTimeout: intText(0, 3600),
  /** Reload when the model directory changes. */
  watch: bool,
  /** Put /model, /metrics, /openapi.json and /docs behind the token too. */
  protectMeta: bool,
  /** A category training never saw: answered with a warning (`warn`), or refused with 422. */
  unseenCategories: z.enum(["warn", "reject"], "expected warn or reject"),
  /** Rows in the live drift window; 0 turns drift off. */
  driftWindow: intText(0, 1_000_000),
  /** The prediction log file; unset means no log. */
  predictionLog: z.string().min(1).optional(),
  /** Share of requests the prediction log records. */
  predictionLogSample: z.string().trim().regex(
    /^(\d+\.?\d*|\.\d+)$/,
    "expected a number from 0 to 1",
  )
    .transform(Number).pipe(z.number().min(0).max(1)),
  /** Size at which the prediction log rotates (3 old files are kept). */
  predictionLogMaxBytes: intText(1024, 2 ** 40),
}).superRefine((config, ctx) => {
  if (config.protectMeta && !config.token) {
    ctx.addIssue({
      code: "custom",
      path: ["protectMeta"],
      message: "needs API_TOKEN, the token to protect them with",
    });
  }
});
/** Validated server settings. */
export type ServeConfig = z.infer<typeof ServeConfig>;

const FLAGS = {
  port: { env: "PORT", value: "N", default: "8000", description: "Port to listen on" },
  host: { env: "HOST", value: "ADDR", default: "0.0.0.0", description: "Address to bind" },
  model: {
    env: "MODEL_DIR",
    value: "DIR",
    default: "models/latest",
    description: "Model directory (a directory or a symlink to one)",
  },
  token: {
    env: "API_TOKEN",
    value: "TOKEN",
    default: undefined,
    description: "Require `Authorization: Bearer TOKEN` on prediction routes",
  },
  logLevel: {
    env: "LOG_LEVEL",
    value: "LEVEL",
    default: "info",
    description: "debug, info (one line per request), warn or error",
  },
  maxBodyBytes: {
    env: "MAX_BODY_BYTES",
    value: "N",
    default: String(1 << 20),
    description: "Largest request body; bigger ones get 413",
  },
  maxBatchRows: {
    env: "MAX_BATCH_ROWS",
    value: "N",
    default: "10000",
    description: "Most rows in one batch; more get 413",
  },
  shutdownTimeout: {
    env: "SHUTDOWN_TIMEOUT",
    value: "SECONDS",
    default: "10",
    description: "Grace period for in-flight requests on SIGTERM/SIGINT",
  },
  bodyTimeout: {
    env: "BODY_TIMEOUT",
    value: "SECONDS",
    default: "30",
    description: "Time a client gets to send its request body; slower ones get 408 (0: no limit)",
  },
  watch: {
    env: "WATCH_MODEL",
    value: "BOOL",
    default: "true",
    description: "Reload when the model directory changes (SIGHUP always reloads)",
  },
  protectMeta: {
    env: "PROTECT_META",
    value: "BOOL",
    default: "false",
    description:
      "Require the token on /model, /metrics, /openapi.json and /docs too (needs a token)",
  },
  unseenCategories: {
    env: "UNSEEN_CATEGORIES",
    value: "warn|reject",
    default: "warn",
    description:
      "A category not seen in training: answer with a warning, or refuse the request with 422",
  },
  driftWindow: {
    env: "DRIFT_WINDOW",
    value: "ROWS",
    default: "1000",
    description: "Rows in the live drift window behind the mvd_*_drift_psi metrics (0: off)",
  },
  predictionLog: {
    env: "PREDICTION_LOG",
    value: "FILE",
    default: undefined,
    description: "Append a JSON line per predicted row to FILE (needs --allow-write on its folder)",
  },
  predictionLogSample: {
    env: "PREDICTION_LOG_SAMPLE",
    value: "SHARE",
    default: "1",
    description: "Share of /predict requests the prediction log records, 0 to 1",
  },
  predictionLogMaxBytes: {
    env: "PREDICTION_LOG_MAX_BYTES",
    value: "N",
    default: String(100 * 2 ** 20),
    description: "Rotate the prediction log at this size, keeping 3 old files",
  },
} as const satisfies Record<
  keyof ServeConfig,
  { env: ServeEnv; value: string; default: string | undefined; description: string }
>;

const command: Command = {
  usage: "deno task serve [flags]",
  summary:
    "Serves the model over HTTP (see docs/http-api.md). Flags override the environment variables named in brackets.",
  flags: Object.fromEntries(
    Object.entries(FLAGS).map(([name, f]) => [
      kebab(name),
      {
        type: "string",
        value: f.value,
        description: `${f.description} [${f.env}]${f.default ? ` (default: ${f.default})` : ""}`,
      },
    ]),
  ),
};

/** Reads the server settings from `args` and `env`. */
export function serveConfig(
  args: string[],
  env: (name: ServeEnv) => string | undefined,
): Parsed<ServeConfig> {
  const flags = parseFlags(
    args,
    command,
    z.record(z.string(), z.string().optional()),
  );
  if (flags.help) return flags;
  const raw: Record<string, string | undefined> = {};
  const source: Record<string, string> = {};
  for (const [name, f] of Object.entries(FLAGS)) {
    const flag = flags.options[kebab(name)];
    const fromEnv = env(f.env);
    raw[name] = flag ?? (fromEnv === "" ? undefined : fromEnv) ?? f.default;
    source[name] = flag !== undefined ? `--${kebab(name)}` : f.env;
  }
  const result = ServeConfig.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0]);
    // never echo the token back
    const shown = name === "token" ? "" : ` (got "${raw[name]}")`;
    throw new UsageError(`Invalid configuration: ${source[name]}: ${issue.message}${shown}`);
  }
  return { help: false, options: result.data };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

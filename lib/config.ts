/**
 * Server configuration from flags and environment, validated at startup.
 * Flags win over environment variables.
 * @module
 */
import { z } from "zod";
import { type Command, type Parsed, parseFlags } from "./cli.ts";
import { UsageError } from "./errors.ts";

/** The environment variables the server reads. */
export const SERVE_ENV = ["PORT", "HOST", "MODEL_DIR"] as const;

/** Validated server settings. */
export const ServeConfig = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  model: z.string().min(1),
});
/** Validated server settings. */
export type ServeConfig = z.infer<typeof ServeConfig>;

const command: Command = {
  usage: "deno task serve [flags]",
  summary:
    "Serves the model over HTTP: POST /predict, GET /metrics, GET /healthz. Flags override the environment variables named in brackets.",
  flags: {
    port: { type: "string", value: "N", description: "Port to listen on [PORT] (default: 8000)" },
    host: {
      type: "string",
      value: "ADDR",
      description: "Address to bind [HOST] (default: 0.0.0.0)",
    },
    model: {
      type: "string",
      value: "DIR",
      description: "Model directory [MODEL_DIR] (default: models/latest)",
    },
  },
};

/** Reads the server settings from `args` and `env`. */
export function serveConfig(
  args: string[],
  env: (name: (typeof SERVE_ENV)[number]) => string | undefined,
): Parsed<ServeConfig> {
  const flags = parseFlags(
    args,
    command,
    z.object({
      port: z.string().optional(),
      host: z.string().optional(),
      model: z.string().optional(),
    }),
  );
  if (flags.help) return flags;
  const raw = {
    port: flags.options.port ?? env("PORT") ?? "8000",
    host: flags.options.host ?? env("HOST") ?? "0.0.0.0",
    model: flags.options.model ?? env("MODEL_DIR") ?? "models/latest",
  };
  const result = ServeConfig.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new UsageError(
      `Invalid configuration: ${String(issue.path[0])}: ${issue.message} (got "${
        raw[issue.path[0] as keyof typeof raw]
      }")`,
    );
  }
  return { help: false, options: result.data };
}

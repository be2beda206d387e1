import { assertEquals, assertThrows } from "../_testing/assert.ts";
import { serveConfig } from "./config.ts";
import { UsageError } from "../core/errors.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("serveConfig() applies defaults, then env, then flags", () => {
  const defaults = serveConfig([], envOf({}));
  assertEquals(defaults.help, false);
  if (defaults.help) return;
  assertEquals(defaults.options, {
    port: 8000,
    host: "0.0.0.0",
    model: "models/latest",
    token: undefined,
    logLevel: "info",
    maxBodyBytes: 1048576,
    maxBatchRows: 10000,
    shutdownTimeout: 10,
    bodyTimeout: 30,
    watch: true,
    protectMeta: false,
    unseenCategories: "warn",
    driftWindow: 1000,
    predictionLog: undefined,
    predictionLogSample: 1,
    predictionLogMaxBytes: 100 * 2 ** 20,
  });
  const parsed = serveConfig(
    ["--port", "9000", "--watch", "false"],
    envOf({ PORT: "1", LOG_LEVEL: "warn", MAX_BATCH_ROWS: "5", API_TOKEN: "0123456789abcdef" }),
  );
  if (parsed.help) throw new Error("unexpected help");
  assertEquals(parsed.options.port, 9000);
  assertEquals(parsed.options.logLevel, "warn");
  assertEquals(parsed.options.maxBatchRows, 5);
  assertEquals(parsed.options.watch, false);
  assertEquals(parsed.options.token, "0123456789abcdef");
});

Deno.test("serveConfig() names the source of a bad value and never echoes the token", () => {
  assertThrows(
    () => serveConfig([], envOf({ MAX_BODY_BYTES: "1.5" })),
    UsageError,
    'Invalid configuration: MAX_BODY_BYTES: expected a whole number (got "1.5")',
  );
  assertThrows(
    () => serveConfig(["--shutdown-timeout", "99999"], envOf({})),
    UsageError,
    "Invalid configuration: --shutdown-timeout: Too big: expected number to be <=3600",
  );
  assertThrows(
    () => serveConfig(["--max-body-bytes", "0"], envOf({})),
    UsageError,
    "Invalid configuration: --max-body-bytes:",
  );
  assertThrows(
    () => serveConfig([], envOf({ LOG_LEVEL: "loud" })),
    UsageError,
    "Invalid configuration: LOG_LEVEL:",
  );
  const err = assertThrows(
    () => serveConfig([], envOf({ API_TOKEN: "secret" })),
    UsageError,
    "Invalid configuration: API_TOKEN: expected at least 16 characters",
  );
  assertEquals(err.message.includes("secret"), false);
});

Deno.test("serveConfig() takes PROTECT_META or --protect-meta, and refuses it without a token", () => {
  const token = "0123456789abcdef";
  for (
    const [args, env] of [
      [["--protect-meta", "true"], { API_TOKEN: token }],
      [[], { PROTECT_META: "1", API_TOKEN: token }],
    ] as const
  ) {
    const parsed = serveConfig([...args], envOf(env));
    if (parsed.help) throw new Error("unexpected help");
    assertEquals(parsed.options.protectMeta, true);
  }
  assertThrows(
    () => serveConfig([], envOf({ PROTECT_META: "true" })),
    UsageError,
    'Invalid configuration: PROTECT_META: needs API_TOKEN, the token to protect them with (got "true")',
  );
  assertThrows(
    () => serveConfig(["--protect-meta", "yes"], envOf({ API_TOKEN: token })),
    UsageError,
    'Invalid configuration: --protect-meta: expected true or false (got "yes")',
  );
});

Deno.test("serveConfig() takes UNSEEN_CATEGORIES warn or reject, and refuses anything else", () => {
  const parsed = serveConfig([], envOf({ UNSEEN_CATEGORIES: "reject" }));
  assertEquals(parsed.help ? "" : parsed.options.unseenCategories, "reject");
  assertThrows(
    () => serveConfig(["--unseen-categories", "ignore"], envOf({})),
    UsageError,
    'Invalid configuration: --unseen-categories: expected warn or reject (got "ignore")',
  );
});

/**
 * Command-line flags: the one module that parses them.
 *
 * It wraps `node:util` `parseArgs` (standing in for `@std/cli`, which lives on
 * JSR) and validates the result with a zod schema, so that switching parsers
 * touches this file only.
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { UsageError } from "./errors.ts";

/** One flag: its type, default and the line `--help` prints for it. */
export interface Flag {
  /** `string` flags take a value; `boolean` flags are switches. */
  type: "string" | "boolean";
  /** What the flag does, for `--help`. */
  description: string;
  /** Default value, shown in `--help`. */
  default?: string | boolean;
  /** Placeholder for the value in `--help`, such as `FILE`. */
  value?: string;
  /** A string flag that may be given more than once: its values arrive as an array. */
  multiple?: boolean;
}

/** What a program accepts: its usage line, summary and flags. */
export interface Command {
  /** The usage line, such as `deno task train [flags]`. */
  usage: string;
  /** One or two sentences on what the program does. */
  summary: string;
  /** Flags by long name, without the dashes. */
  flags: Record<string, Flag>;
  /**
   * True when the program takes positional arguments: they reach the schema
   * as `_`, an array of strings. Without it, any is refused.
   */
  positionals?: boolean;
}

/** The result of parsing: either the options or a request for help. */
export type Parsed<T> = { help: true; text: string } | {
  help: false;
  options: T;
};

/**
 * Parses `args` against `command` and validates them with `schema`.
 *
 * String flags arrive as strings; the schema coerces and checks them. Unknown
 * flags, stray positional arguments and invalid values throw a
 * {@link UsageError} naming the flag.
 */
export function parseFlags<S extends z.ZodType>(
  args: string[],
  command: Command,
  schema: S,
): Parsed<z.infer<S>> {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {
    help: { type: "boolean" },
  };
  for (const [name, flag] of Object.entries(command.flags)) {
    options[name] = flag.multiple ? { type: flag.type, multiple: true } : { type: flag.type };
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: command.positionals === true,
    }));
  } catch (err) {
    throw new UsageError(
      `Cannot parse flags: ${parseArgsMessage(err)} (see --help)`,
    );
  }
  if (values.help === true) return { help: true, text: helpText(command) };
  delete values.help;
  const raw: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(command.flags)) {
    raw[name] = values[name] ?? flag.default;
  }
  if (command.positionals) raw._ = positionals;
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.path[0];
    const flag = key === "_" ? "arguments" : key !== undefined ? `--${String(key)}` : "flags";
    throw new UsageError(
      `Invalid ${flag}: ${issue?.message ?? "invalid value"} (see --help)`,
    );
  }
  return { help: false, options: result.data };
}

/** A number flag: a finite number given as a string. */
export const numberFlag = z.string().trim().min(1, "expected a number")
  .transform((s, ctx) => {
    const n = Number(s);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: "custom", message: `expected a number, got "${s}"` });
      return z.NEVER;
    }
    return n;
  });

/** The `--help` text for a command. */
export function helpText(command: Command): string {
  const rows = Object.entries(command.flags).map(([name, flag]) => {
    const left = flag.type === "string"
      ? `--${name} ${flag.value ?? "VALUE"}${flag.multiple ? "…" : ""}`
      : `--${name}`;
    const def = flag.default !== undefined && flag.default !== false
      ? ` (default: ${flag.default})`
      : flag.multiple
      ? " (repeatable)"
      : "";
    return [left, `${flag.description}${def}`] as const;
  });
  rows.push(["--help", "Show this help and exit"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `Usage: ${command.usage}`,
    "",
    command.summary,
    "",
    "Flags:",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
  ].join("\n");
}

function parseArgsMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // node's messages carry a hint after a period; the first sentence is enough
  return (message.split(". ")[0] ?? message).replace(/\.$/, "");
}

/**
 * Expected failures and how an entry script reports them.
 *
 * Every error a user can cause by what they type or feed in is a
 * {@link UsageError} or an {@link InputError}: both exit with code 2 and a
 * one-line message. Anything else is a bug or an environment failure and
 * exits 1, still without a stack trace unless `DEBUG` is set.
 * @module
 */

/** Bad flags or arguments on the command line. */
export class UsageError extends Error {
  /** Creates a usage error with a one-line message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** Input data (a CSV, a JSON body, a model file) that cannot be used. */
export class InputError extends Error {
  /** Creates an input error with a one-line message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InputError";
  }
}

/** How many characters of a value from the input an error message echoes. */
export const ECHO_LIMIT = 40;

/**
 * A value from the input (a cell, a column name, a label, a path) as an
 * error message quotes it: a JSON string, so that it stays on one line, cut
 * to its first {@link ECHO_LIMIT} characters and `…`, with its full length,
 * when longer. A 10 MB cell makes a short message.
 *
 * @example
 * ```ts
 * quoteValue("x"); // '"x"'
 * quoteValue("9".repeat(1e6)); // '"9999999999999999999999999999999999999999…" (1,000,000 characters)'
 * ```
 */
export function quoteValue(value: string): string {
  let cut = -1;
  let characters = 0;
  for (let i = 0; i < value.length; i++) {
    // the second half of a surrogate pair is not a character of its own
    const unit = value.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff && i > 0) {
      const before = value.charCodeAt(i - 1);
      if (before >= 0xd800 && before <= 0xdbff) continue;
    }
    if (characters === ECHO_LIMIT) cut = i;
    characters++;
  }
  if (cut < 0) return JSON.stringify(value);
  return `${JSON.stringify(`${value.slice(0, cut)}…`)} (${
    characters.toLocaleString("en-US")
  } characters)`;
}

/** Exit code for an error: 2 for usage and input errors, 1 for the rest. */
export function exitCodeFor(err: unknown): number {
  return err instanceof UsageError || err instanceof InputError ? 2 : 1;
}

/** One line describing an error and its cause chain, without a stack trace. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 4; depth++) {
    const text = current instanceof Error ? current.message : String(current);
    const line = text.split("\n")[0] ?? "";
    if (line && !parts.some((p) => p.includes(line))) parts.push(line);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ") || "Unknown error";
}

/**
 * Prints `error: <message>` on stderr and exits with the matching code.
 *
 * Set `DEBUG=1` to also print the stack of an unexpected error.
 */
export function fail(err: unknown): never {
  console.error(`error: ${describeError(err)}`);
  const code = exitCodeFor(err);
  if (code === 1 && err instanceof Error && debugEnabled()) {
    console.error(err.stack);
  }
  Deno.exit(code);
}

function debugEnabled(): boolean {
  try {
    return Boolean(Deno.env.get("DEBUG"));
  } catch {
    // without --allow-env=DEBUG the answer is simply no
    return false;
  }
}

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

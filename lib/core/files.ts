/**
 * Reading and writing files: the few words every error message uses for why
 * a file could not be read or written, and reading a JSON document.
 * @module
 */

/** A file that could not be read as JSON; `missing` when it does not exist. */
export class FileError extends Error {
  /** True when the file does not exist. */
  readonly missing: boolean;

  /** Creates the error; `message` is the reason in a few words. */
  constructor(message: string, options: { missing: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "FileError";
    this.missing = options.missing;
  }
}

/** Why a file cannot be read, in a few words: `file not found`, `read permission denied (…)`. */
export function readProblem(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "file not found";
  if (err instanceof Deno.errors.NotCapable) {
    return "read permission denied (grant it with --allow-read)";
  }
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  return err instanceof Error ? err.message : String(err);
}

/** Why a file cannot be written, in a few words: `no space left on device`, without the OS code. */
export function writeProblem(err: unknown): string {
  if (err instanceof Deno.errors.NotCapable) {
    return "write permission denied (grant it with --allow-write)";
  }
  const text = err instanceof Error ? err.message : String(err);
  const reason = text.replace(/\s*\(os error \d+\).*$/s, "");
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

/**
 * Reads the JSON document at `path`. Throws a {@link FileError} whose
 * message names the file's base name: `model.json is not valid JSON`.
 */
export async function readJsonFile(path: string): Promise<unknown> {
  const name = path.slice(path.lastIndexOf("/") + 1);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    const missing = err instanceof Deno.errors.NotFound;
    throw new FileError(missing ? `no ${name} there` : readProblem(err), { missing, cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FileError(`${name} is not valid JSON`, { missing: false, cause: err });
  }
}

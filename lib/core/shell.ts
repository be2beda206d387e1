/**
 * Shell words: command lines that a POSIX shell splits back into exactly
 * the arguments they were made from, for commands people paste (the model
 * card's retrain command). Tested against a real `sh`.
 * @module
 */

/** A word made only of these characters means the same to every POSIX shell, unquoted. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes `arg` for a POSIX shell: as it is when every character is safe,
 * else in single quotes, inside which only `'` needs care (`'\''`).
 * A NUL cannot be part of any program argument and is not handled.
 */
export function shellQuote(arg: string): string {
  return SAFE.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A command line that gives the program exactly `args`, each shell-quoted. */
export function shellCommand(args: readonly string[]): string {
  return args.map(shellQuote).join(" ");
}

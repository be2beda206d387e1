/**
 * A real POSIX shell for tests of shell-quoted text: what `sh` makes of a
 * command line. Needs `--allow-run=sh` (the `test` task grants it).
 * @module
 */

/**
 * The arguments `sh` passes to a program when it runs `words`, a command
 * line without its program name; `cwd` is where anything a broken quote
 * runs would leave its traces.
 */
export async function shArgs(words: string, cwd: string): Promise<string[]> {
  // printf writes each argument it gets, NUL-terminated: nothing else can
  // end an argument, so newlines inside arguments come back intact
  const out = await new Deno.Command("sh", {
    args: ["-c", `printf '%s\\0' ${words}`],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { PATH: "/usr/bin:/bin", LC_ALL: "C.UTF-8" },
    clearEnv: true,
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success || stderr) throw new Error(`sh failed (${out.code}): ${stderr}`);
  const text = new TextDecoder().decode(out.stdout);
  if (!text.endsWith("\0")) throw new Error(`sh printed no arguments: ${JSON.stringify(text)}`);
  return text.slice(0, -1).split("\0");
}

/**
 * Runs an entry (train.ts or evaluate.ts) and dies abruptly at its Nth
 * change of the model directory's names (a rename, a symlink made or a path
 * removed), just before or just after it, so a test can stop the entry at
 * each commit point. `Deno.exit` runs no `catch` or `finally` block, like a
 * SIGKILL.
 *
 * Usage: deno run … tests/_crash.ts ENTRY N before|after [entry flags]
 * With N = 0 it never dies and prints `ops: <JSON list of [op, target name]>`
 * on stderr.
 * @module
 */
const [entry, n, when, ...args] = Deno.args;
const at = Number(n);
const ops: Array<[string, string]> = [];

/** Wraps `fn` so the Nth call of any wrapped function can die around it. */
function crashing<A extends unknown[], R>(
  name: string,
  target: (...a: A) => string | URL,
  fn: (...a: A) => Promise<R>,
): (...a: A) => Promise<R> {
  return async (...a: A) => {
    const path = String(target(...a));
    ops.push([name, path.slice(path.lastIndexOf("/") + 1)]);
    if (ops.length === at && when === "before") Deno.exit(137);
    const result = await fn(...a);
    if (ops.length === at && when === "after") Deno.exit(137);
    return result;
  };
}
Deno.rename = crashing("rename", (_, to) => to, Deno.rename);
Deno.symlink = crashing("symlink", (_, to) => to, Deno.symlink);
Deno.remove = crashing("remove", (path) => path, Deno.remove);

const { main } = await import(`../${entry}`);
const code = await main(args, () => undefined);
console.error(`ops: ${JSON.stringify(ops)}`);
Deno.exit(typeof code === "number" ? code : 0);

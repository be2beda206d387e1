/**
 * Runs train.ts and dies abruptly at its Nth rename, just before or just
 * after it, so a test can stop training at each commit point of writing a
 * run. `Deno.exit` runs no `catch` or `finally` block, like a SIGKILL.
 *
 * Usage: deno run … tests/_crash_train.ts N before|after [train flags]
 * With N = 0 it never dies and prints `renames: <count>` on stderr.
 * @module
 */
const [n, when, ...args] = Deno.args;
const at = Number(n);
let count = 0;
const rename = Deno.rename;
Deno.rename = async (from: string | URL, to: string | URL) => {
  count++;
  if (count === at && when === "before") Deno.exit(137);
  await rename(from, to);
  if (count === at && when === "after") Deno.exit(137);
};
const { main } = await import("../train.ts");
await main(args);
console.error(`renames: ${count}`);

/**
 * Drops coverage files that are not whole JSON before `deno coverage` reads
 * them. The test suite SIGKILLs `deno` children on purpose (crash-safety
 * tests), and a child killed while writing its coverage leaves a partial
 * file that would make `deno coverage` fail; what it covered is lost either way.
 *
 * Usage: deno run --allow-read=DIR --allow-write=DIR .ci/prune_coverage.ts DIR
 * @module
 */

const dir = Deno.args[0];
if (!dir) {
  console.error("error: Cannot prune coverage: usage: prune_coverage.ts DIR");
  Deno.exit(2);
}
let dropped = 0;
for await (const entry of Deno.readDir(dir)) {
  if (!entry.isFile || !entry.name.endsWith(".json")) continue;
  const path = `${dir}/${entry.name}`;
  try {
    JSON.parse(await Deno.readTextFile(path));
  } catch {
    await Deno.remove(path);
    dropped++;
  }
}
console.log(`coverage: dropped ${dropped} partial file(s) from ${dir}`);

// The README's layout map against the tree: every module of lib/ is named
// under its folder, and every name there is a module.
import { join } from "node:path";
import { assertEquals } from "../lib/_testing/assert.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** The README's `## Layout` code block. */
async function layoutBlock(): Promise<string[]> {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const block = /## Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("README.md has no ## Layout code block");
  return block.split("\n");
}

/** Folder → module names, as the map lists them under `lib/`. */
function libMap(lines: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let folder: string | null = null;
  for (const line of lines) {
    const head = /^ {2}(\w+)\/\s+[^:]*:\s*(.*)$/.exec(line);
    const more = /^ {13}(\S.*)$/.exec(line);
    const text = head?.[2] ?? (folder ? more?.[1] : undefined);
    if (head) folder = head[1]!;
    else if (!more) folder = null;
    if (folder === null || text === undefined) continue;
    const names = text.split(",").map((n) => n.trim()).filter(Boolean);
    map.set(folder, [...(map.get(folder) ?? []), ...names]);
  }
  return map;
}

Deno.test("the README's layout map names every module of lib/, and only those", async () => {
  const mapped = libMap(await layoutBlock());
  const actual = new Map<string, string[]>();
  for (const entry of Deno.readDirSync(join(ROOT, "lib"))) {
    if (!entry.isDirectory) continue;
    const modules = [...Deno.readDirSync(join(ROOT, "lib", entry.name))]
      .filter((f) => f.isFile && f.name.endsWith(".ts") && !f.name.endsWith("_test.ts"))
      .map((f) => f.name.slice(0, -3));
    actual.set(entry.name, modules.sort());
  }
  const sorted = (m: Map<string, string[]>) =>
    Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]).sort());
  assertEquals(sorted(mapped), sorted(actual));
});

Deno.test("the README's layout map names top-level files and folders that exist", async () => {
  const lines = await layoutBlock();
  const missing: string[] = [];
  for (const line of lines) {
    if (line.startsWith(" ") || line.trim() === "") continue;
    const first = line.split(/\s{2,}/)[0]!;
    for (const name of first.split(" ")) {
      if (!Deno.statSync(join(ROOT, name)).isFile && !name.endsWith("/")) missing.push(name);
    }
  }
  assertEquals(missing, []);
  // and no folder of lib/ holds more than about a dozen modules
  for (const [folder, names] of libMap(lines)) {
    assertEquals(names.length <= 12, true, `lib/${folder} has ${names.length} modules`);
  }
});

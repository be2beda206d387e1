// The two lockfiles (docs/dependencies.md): deno.lock holds only what the
// app runs on, so `deno task start` on an empty cache fetches nothing else;
// deno.dev.lock holds every dependency, for the tests and CI tools.
import { join } from "node:path";
import { assert, assertEquals } from "../lib/_testing/assert.ts";
import { TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { runtimeVersions } from "../lib/core/versions.ts";
import { modelCard } from "../lib/registry/card.ts";
import { expectedRuntimeLock, type Lockfile, npmSpecifiers } from "../.ci/runtime_lock.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
const readLock = async (name: string): Promise<Lockfile> =>
  JSON.parse(await Deno.readTextFile(join(ROOT, name)));

/** `npm:name@1.2.3` → `name`. */
const packageName = (specifier: string) => specifier.slice(4, specifier.lastIndexOf("@"));
const runtime = npmSpecifiers(config.imports);
const dev = Object.values(config.scopes as Record<string, Record<string, string>>)
  .flatMap((scope) => npmSpecifiers(scope));

Deno.test("deno.lock is the runtime part of deno.dev.lock, and nothing else", async () => {
  const lock = await readLock("deno.lock");
  for (const specifier of dev) {
    assert(
      !(specifier in lock.specifiers),
      `deno.lock holds ${specifier}, which only tests and CI use: a command without ` +
        "--lock=deno.dev.lock wrote it there; run `deno task lock` to rewrite deno.lock",
    );
  }
  assertEquals(Object.keys(lock.specifiers), runtime);
  assertEquals(
    lock,
    await expectedRuntimeLock(),
    "deno.lock differs from the runtime part of deno.dev.lock: run `deno task lock`",
  );
});

Deno.test("every dependency is named once in deno.json, pinned, and in deno.dev.lock", async () => {
  const all = [
    ...Object.values(config.imports as Record<string, string>),
    ...Object.values(config.scopes as Record<string, Record<string, string>>)
      .flatMap((scope) => Object.values(scope)),
  ];
  for (const value of all) {
    assert(/^npm:\/?(@[^/@]+\/)?[^/@]+@\d+\.\d+\.\d+(\/|$)/.test(value), `not pinned: ${value}`);
  }
  const names = [...runtime, ...dev].map(packageName);
  assertEquals(names.length, new Set(names).size, `named twice: ${names.join(", ")}`);
  const lock = await readLock("deno.dev.lock");
  assertEquals(Object.keys(lock.specifiers).sort(), [...runtime, ...dev].sort());
  // deno.json locks through the runtime lock, frozen: no command can add to it unnoticed
  assertEquals(config.lock, { path: "deno.lock", frozen: true });
});

Deno.test("the runtime tasks read deno.lock; the test and CI tasks read deno.dev.lock", () => {
  const tasks = config.tasks as Record<string, { command: string }>;
  for (const name of ["train", "evaluate", "infer", "serve", "smoke", "start"]) {
    assert(!tasks[name]!.command.includes("--lock"), `${name}: ${tasks[name]!.command}`);
  }
  for (const [name, task] of Object.entries(tasks)) {
    // every `deno test`, `deno check`, and `deno run` of a script outside the app
    const commands = task.command.split("&&").map((c) => c.trim());
    for (const command of commands) {
      const dev = /\bdeno (test|check)\b/.test(command) ||
        /\bdeno run\b.*\s(tests|bench|\.ci)\//.test(command);
      if (dev) {
        // (--no-lock: a script that imports no package, and must run while the locks are stale)
        assert(/--lock=deno\.dev\.lock|--no-lock/.test(command), `${name}: ${command}`);
      }
    }
  }
});

Deno.test("runtimeVersions() and the model card's Libraries line name the runtime libraries only", async () => {
  const versions = runtimeVersions();
  const libraries = Object.keys(versions).filter((k) => !["deno", "v8", "typescript"].includes(k));
  assertEquals(libraries.sort(), runtime.map(packageName).sort());
  const { file } = await trainOn(TOY_CSV);
  const line = modelCard(file).split("\n").find((l) => l.startsWith("- Libraries: ")) ?? "";
  const listed = line.slice("- Libraries: ".length).split(", ").sort();
  assertEquals(listed, runtime.map((s) => `${packageName(s)} ${s.slice(s.lastIndexOf("@") + 1)}`));
});

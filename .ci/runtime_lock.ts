/**
 * Writes deno.lock as the runtime part of deno.dev.lock: the second step of
 * `deno task lock`, after `deno install --lock=deno.dev.lock` has pinned
 * every dependency of deno.json in deno.dev.lock.
 *
 * deno.dev.lock pins every dependency (deno.json `imports` and `scopes`);
 * deno.lock holds only the packages that `imports` (what train, evaluate,
 * infer, serve and smoke use) reach, with the same versions and integrity,
 * so a run on an empty cache fetches nothing else. docs/dependencies.md has
 * the why and the steps for adding a dependency.
 * @module
 */
import { join } from "node:path";

/** The parts of a Deno lockfile (version 5) this reads and writes. */
export interface Lockfile {
  /** Lockfile format version. */
  version: string;
  /** Each `npm:name@range` specifier and the version it resolved to. */
  specifiers: Record<string, string>;
  /** Each package by `name@version` (and peer suffix), with its dependencies by name. */
  npm?: Record<string, { dependencies?: string[]; optionalDependencies?: string[] }>;
  /** What else Deno keeps: the workspace's dependency list, jsr and remote entries. */
  [other: string]: unknown;
}

const ROOT = new URL("..", import.meta.url).pathname;

/** The `npm:` specifiers of an import map's values, as a lockfile names them (`npm:name@version`). */
export function npmSpecifiers(imports: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const value of Object.values(imports)) {
    const match = /^npm:\/?((?:@[^/@]+\/)?[^/@]+@[^/]+)/.exec(value);
    if (match) out.add(`npm:${match[1]}`);
  }
  return [...out].sort();
}

/** The part of `dev` that `specifiers` reach: their entries and every package they depend on. */
export function runtimeLock(dev: Lockfile, specifiers: string[]): Lockfile {
  const npm = dev.npm ?? {};
  const ids = Object.keys(npm);
  const nameOf = (id: string) => id.slice(0, id.indexOf("@", 1));
  const resolve = (ref: string): string => {
    // a dependency is named by package name, or by name@version when the lock holds several
    const found = ref.indexOf("@", 1) > 0
      ? ids.filter((id) => id === ref || id.startsWith(`${ref}_`))
      : ids.filter((id) => nameOf(id) === ref);
    if (found.length !== 1) {
      throw new Error(`Cannot resolve "${ref}" in deno.dev.lock: ${found.length} packages match`);
    }
    return found[0]!;
  };
  const kept: Record<string, string> = {};
  const queue: string[] = [];
  for (const specifier of specifiers) {
    const version = dev.specifiers[specifier];
    if (version === undefined) {
      throw new Error(
        `Cannot find ${specifier} in deno.dev.lock: run deno install --lock=deno.dev.lock --frozen=false`,
      );
    }
    kept[specifier] = version;
    queue.push(`${nameOf(specifier.slice("npm:".length))}@${version}`);
  }
  const reached = new Set<string>();
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (reached.has(id)) continue;
    if (!(id in npm)) throw new Error(`Cannot find package ${id} in deno.dev.lock`);
    reached.add(id);
    const entry = npm[id]!;
    for (const ref of [...entry.dependencies ?? [], ...entry.optionalDependencies ?? []]) {
      queue.push(resolve(ref));
    }
  }
  // the same keys in the same order as deno.dev.lock, as Deno writes them
  return {
    ...dev,
    specifiers: Object.fromEntries(Object.entries(kept).sort(([a], [b]) => a < b ? -1 : 1)),
    npm: Object.fromEntries(ids.filter((id) => reached.has(id)).map((id) => [id, npm[id]!])),
  };
}

/** deno.lock as it should be for this checkout: the runtime part of deno.dev.lock. */
export async function expectedRuntimeLock(root = ROOT): Promise<Lockfile> {
  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  const dev: Lockfile = JSON.parse(await Deno.readTextFile(join(root, "deno.dev.lock")));
  return runtimeLock(dev, npmSpecifiers(config.imports ?? {}));
}

if (import.meta.main) {
  const lock = await expectedRuntimeLock();
  await Deno.writeTextFile(join(ROOT, "deno.lock"), `${JSON.stringify(lock, null, 2)}\n`);
  const packages = Object.keys(lock.npm ?? {}).length;
  console.log(`deno.lock: ${Object.keys(lock.specifiers).length} specifiers, ${packages} packages`);
}

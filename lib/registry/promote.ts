/**
 * Promotion and pruning: `models/latest` is a relative symlink to the
 * promoted run, switched by renaming a new symlink over the old one, which
 * rename(2) does atomically, so a reader sees the old run or the new one,
 * never a mix.
 * @module
 */
import { InputError } from "../core/errors.ts";
import { basename, dirname, isRunId, type RegistryOptions, registryRoot } from "./layout.ts";
import { latestRunId, listRuns } from "./runs.ts";
import { verifyRun } from "./seal.ts";

/** What {@link promote} did. */
export interface Promotion {
  /** The run now served. */
  runId: string;
  /** The run served before, if `latest` was a symlink. */
  previous: string | null;
  /** Where a legacy real `latest` directory was moved, if one was. */
  migrated: string | null;
}

/**
 * Makes the sealed run at `dir` the served one: verifies it, then points
 * `<root>/latest` at it by renaming a new symlink over the old. A legacy
 * `latest` that is a real directory is first moved into `runs/` (or removed
 * when it holds nothing but `.gitkeep`), never deleted with a model in it.
 */
export async function promote(dir: string, options: RegistryOptions = {}): Promise<Promotion> {
  const base = registryRoot(options);
  const runId = await runIdIn(dir, base);
  await verifyRun(dir);
  const previous = await latestRunId(options);
  const migrated = await migrateLegacyLatest(base);
  const temp = `${base}/.latest.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.symlink(`runs/${runId}`, temp);
  try {
    await Deno.rename(temp, `${base}/latest`);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  return { runId, previous, migrated };
}

/**
 * Deletes all but the newest `keep` runs, never the one `latest` points to,
 * and partial runs and temporary links older than an hour (a trainer or a
 * promotion that died). A run is
 * renamed out of sight before it is deleted, so a half-deleted run never
 * looks complete. Returns the ids deleted.
 */
export async function pruneRuns(
  keep: number,
  options: RegistryOptions = {},
): Promise<string[]> {
  const base = registryRoot(options);
  const ids = await listRuns(options);
  const latest = await latestRunId(options);
  const doomed = ids.slice(0, Math.max(0, ids.length - keep)).filter((id) => id !== latest);
  for (const id of doomed) {
    const hidden = `${base}/runs/.${id}.deleting`;
    await Deno.rename(`${base}/runs/${id}`, hidden);
    await Deno.remove(hidden, { recursive: true });
  }
  await removeStale(`${base}/runs`, /^\..*\.(partial-[0-9a-f]{8}|deleting)$/);
  // a promotion that died between making its symlink and renaming it
  await removeStale(base, /^\.latest\.[0-9a-f]{8}\.tmp$/);
  return doomed;
}

/** Removes entries of `dir` named like `pattern` and untouched for an hour. */
async function removeStale(dir: string, pattern: RegExp): Promise<void> {
  const hourAgo = Date.now() - 3600_000;
  for await (const entry of Deno.readDir(dir)) {
    if (!pattern.test(entry.name)) continue;
    const path = `${dir}/${entry.name}`;
    const info = await Deno.lstat(path);
    if ((info.mtime?.getTime() ?? 0) < hourAgo) await Deno.remove(path, { recursive: true });
  }
}

async function runIdIn(dir: string, base: string): Promise<string> {
  const notRun = (reason: string) =>
    new InputError(`Cannot promote "${dir}": ${reason}; only runs in ${base}/runs can be`);
  let real: string;
  let runs: string;
  try {
    real = await Deno.realPath(dir);
    runs = await Deno.realPath(`${base}/runs`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw notRun("not found");
    throw err;
  }
  const name = basename(real);
  if (dirname(real) !== runs || !isRunId(name)) throw notRun("it is not a run");
  return name;
}

async function migrateLegacyLatest(base: string): Promise<string | null> {
  const latest = `${base}/latest`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(latest);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  if (info.isSymlink) return null;
  if (!info.isDirectory) {
    throw new InputError(`Cannot promote: "${latest}" is a file, not a directory or symlink`);
  }
  const names: string[] = [];
  for await (const entry of Deno.readDir(latest)) names.push(entry.name);
  if (names.every((n) => n === ".gitkeep")) {
    await Deno.remove(latest, { recursive: true });
    return null;
  }
  const stamp = new Date().toISOString().replace(/[-:.]/g, "");
  const moved = `${base}/runs/legacy-${stamp}`;
  await Deno.mkdir(`${base}/runs`, { recursive: true });
  await Deno.rename(latest, moved);
  return moved;
}

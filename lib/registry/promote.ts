/**
 * Promotion and pruning: `models/latest` is a relative symlink to the
 * promoted run, switched by renaming a new symlink over the old one, which
 * rename(2) does atomically, so a reader sees the old run or the new one,
 * never a mix.
 * @module
 */
import { resolve } from "node:path";
import { describeError, InputError } from "../core/errors.ts";
import { readJsonFile } from "../core/files.ts";
import {
  basename,
  dirname,
  isRunId,
  MODEL_FILE,
  type RegistryOptions,
  registryRoot,
  runIdName,
} from "./layout.ts";
import { type LockOptions, withRegistryLock } from "./lock.ts";
import { latestRunId, listRuns } from "./runs.ts";
import { verifyRun } from "./seal.ts";

/** What {@link promoteRun} did. */
export interface PromoteOutcome extends Promotion {
  /** Runs deleted by pruning afterwards. */
  pruned: string[];
  /** Why pruning failed, when it did: the promotion stands all the same. */
  pruneProblem: string | null;
}

/** A run deleted by another promotion's pruning before this one could promote it. */
export class LostRaceError extends Error {
  /** Names the run. */
  constructor(dir: string) {
    super(
      `Cannot promote "${dir}": another promotion pruned it first (keep more runs with --keep)`,
    );
    this.name = "LostRaceError";
  }
}

/** True when nothing is at `path` any more. */
export function isGone(path: string): Promise<boolean> {
  return Deno.lstat(path).then(() => false, () => true);
}

/** Options for {@link promoteRun}. */
export interface PromoteOptions extends LockOptions {
  /** Runs of the same name to keep after the promotion. */
  keep: number;
  /**
   * Runs under the lock once the run is known to be there, before `latest`
   * switches: the gate writes its records of the promotion here.
   */
  record?: () => Promise<void>;
}

/**
 * Promotes the sealed run at `dir` and prunes old runs of its name down to
 * `keep`, all under the registry lock, so concurrent promotions take turns
 * and none can point `latest` at a run another one deleted. A run pruned
 * by a promotion that held the lock first is refused with one line (exit 1).
 */
export async function promoteRun(dir: string, options: PromoteOptions): Promise<PromoteOutcome> {
  const base = registryRoot(options);
  const lost = () => new LostRaceError(dir);
  // a run that vanished under us was pruned by a promotion that went first
  const lostIfGone = async (err: unknown): Promise<never> => {
    if (await isGone(dir) && (isRunId(basename(dir.replace(/\/+$/, ""))) || inRuns(dir, base))) {
      throw lost();
    }
    throw err;
  };
  // a tampered or incomplete directory is refused for what it is, run or not
  await verifyRun(dir, { within: base }).catch(lostIfGone);
  const runId = await runIdIn(dir, base).catch(lostIfGone);
  return await withRegistryLock(async () => {
    // verified above; under the lock it only has to be there still
    if (await isGone(`${base}/runs/${runId}`)) throw lost();
    await options.record?.();
    const promotion = await switchLatest(base, runId);
    let pruned: string[] = [];
    let pruneProblem: string | null = null;
    try {
      pruned = await pruneRuns(options.keep, { ...options, name: await runName(base, runId) });
    } catch (err) {
      // the promotion stands; old runs are only left for next time
      pruneProblem = describeError(err);
    }
    return { ...promotion, pruned, pruneProblem };
  }, options);
}

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
  await verifyRun(dir, { within: base });
  return await switchLatest(base, runId);
}

/** Points `<base>/latest` at the verified run `runId`. */
async function switchLatest(base: string, runId: string): Promise<Promotion> {
  const previous = await latestRunId({ root: base });
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
 * Deletes all but the newest `keep` runs of the model `name` (every run when
 * no name is given), never the one `latest` points to, and partial runs and
 * temporary links older than an hour (a trainer or a promotion that died).
 * A run is renamed out of sight before it is deleted, so a half-deleted run
 * never looks complete. Call it under the registry lock. Returns the ids
 * deleted.
 */
export async function pruneRuns(
  keep: number,
  options: RegistryOptions & { name?: string } = {},
): Promise<string[]> {
  const base = registryRoot(options);
  const ids = [];
  for (const id of await listRuns(options)) {
    if (options.name === undefined || await runName(base, id) === options.name) ids.push(id);
  }
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

/** The model name of run `id`: from the id, or for a run from before names, its model.json. */
async function runName(base: string, id: string): Promise<string> {
  const fromId = runIdName(id);
  if (fromId !== null) return fromId;
  try {
    const json = await readJsonFile(`${base}/runs/${id}/${MODEL_FILE}`);
    const name = (json as { name?: unknown } | null)?.name;
    return typeof name === "string" ? name : "";
  } catch {
    // an unreadable old run forms a group of its own
    return "";
  }
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

/** True when `dir`, as spelled, names a directory directly in `<base>/runs`. */
function inRuns(dir: string, base: string): boolean {
  return dirname(resolve(dir)) === resolve(`${base}/runs`);
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
  // any visible directory of runs/ is a run (a hidden one is partial or being deleted)
  if (dirname(real) !== runs || name.startsWith(".")) throw notRun("it is not a run");
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

/**
 * The model registry under `models/`: every training run in its own sealed
 * directory, `models/runs/<run-id>/`, and `models/latest`, a relative symlink
 * to the promoted run that promotion switches atomically.
 *
 * A run is written to a hidden `.<id>.partial-*` directory and renamed into
 * place only once complete, with a `manifest.json` of its files' SHA-256 that
 * promotion verifies; so a killed trainer never leaves a run that promotion
 * would accept, and the switch of `latest` (a new symlink renamed over the
 * old one, which rename(2) does atomically) shows a reader the old run or the
 * new one, never a mix.
 * @module
 */
import { z } from "zod";
import { METRICS_FILE, writeModelDir, writeProblem } from "./artifacts.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { sha256File } from "../data/dataset.ts";
import { InputError } from "../core/errors.ts";
import { loadModel, type Model, MODEL_FILE, type ModelFile } from "../model/model.ts";

/** The registry's root directory, relative to the working directory. */
export const MODELS_DIR = "models";
/** The sealed-run manifest inside a run directory. */
export const MANIFEST_FILE = "manifest.json";
/** Runs kept by default when pruning. */
export const DEFAULT_KEEP = 10;

/** The files a manifest seals; reports written later are not part of it. */
const SEALED_FILES = [MODEL_FILE, METRICS_FILE] as const;

/** `20261126T040512123Z-1a2b3c4d`: creation time to the millisecond, then a hash. */
const RUN_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

/** The sealed-run manifest. */
export const Manifest = z.object({
  runId: z.string().min(1),
  files: z.record(
    z.string(),
    z.object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().nonnegative(),
    }),
  ),
});
/** The sealed-run manifest. */
export type Manifest = z.infer<typeof Manifest>;

/** Where the registry lives; tests point it at a temporary directory. */
export interface RegistryOptions {
  /** The registry root (default `models`). */
  root?: string;
}

/** True for a name shaped like a run id. */
export function isRunId(name: string): boolean {
  return RUN_ID.test(name);
}

/**
 * A run id for a model document: its creation time (UTC, sortable) and the
 * first 8 hex digits of the SHA-256 of its data and parameters.
 */
export async function runIdFor(file: ModelFile): Promise<string> {
  const t = file.training;
  const inputs = JSON.stringify([t.sha256, file.target, t.seed, t.testSize, t.solver]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(inputs));
  const hash = [...new Uint8Array(digest).slice(0, 4)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  const stamp = new Date(file.createdAt).toISOString().replace(/[-:.]/g, "");
  return `${stamp}-${hash}`;
}

/**
 * Writes `file` as a new sealed run: to `out` when given, else to
 * `<root>/runs/<run-id>/`. Refuses to write over anything that exists and is
 * not an empty directory. Returns the run's directory.
 */
export async function writeRun(
  file: ModelFile,
  options: RegistryOptions & { out?: string } = {},
): Promise<string> {
  const runId = await runIdFor(file);
  const dir = trimSlash(options.out ?? `${root(options)}/runs/${runId}`);
  const parent = dirname(dir);
  let staging: string;
  try {
    await Deno.mkdir(parent, { recursive: true });
    await refuseExisting(dir);
    staging = `${parent}/.${basename(dir)}.partial-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.mkdir(staging);
  } catch (err) {
    // a full or read-only disk, or no permission: one line, nothing written
    if (err instanceof InputError) throw err;
    throw new Error(`Cannot write run "${dir}": ${writeProblem(err)}`);
  }
  try {
    await writeModelDir(staging, { ...file, runId });
    await seal(staging, runId);
    // the commit point: until this rename nothing looks like a run
    await Deno.rename(staging, dir).catch((err) => {
      // rename(2) replaces only an empty directory: something else got there first
      if (err instanceof Error && /not empty|ENOTEMPTY|os error 39/i.test(err.message)) {
        throw new InputError(`Cannot write run "${dir}": it appeared while training`);
      }
      throw err;
    });
  } catch (err) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    throw err;
  }
  return dir;
}

/**
 * Checks that `dir` is a complete, sealed run: its manifest is there and
 * every file it lists has the recorded size and SHA-256, and `model.json`
 * loads. Throws an {@link InputError} saying what is wrong.
 */
export async function verifyRun(dir: string): Promise<Manifest> {
  const manifest = await checkSeal(dir, `Cannot promote "${dir}"`);
  if (!manifest) {
    throw new InputError(
      `Cannot promote "${dir}": no ${MANIFEST_FILE}, so the run is incomplete (was training interrupted?)`,
    );
  }
  await loadModel(dir);
  return manifest;
}

/**
 * Checks a model directory's seal before it is served: a directory with a
 * `manifest.json` must match it (as {@link verifyRun} checks), one without
 * (a plain model directory) passes with `null`. Throws an
 * {@link InputError} `Cannot load model "<dir>": <reason>`.
 */
export function verifySeal(dir: string): Promise<Manifest | null> {
  return checkSeal(dir, `Cannot load model "${dir}"`);
}

/**
 * The model in `dir`, loaded after {@link verifySeal} passes: what `serve`
 * and `infer.ts --model` load. Refuses as `verifySeal` and `loadModel` do.
 */
export async function loadSealedModel(dir: string): Promise<Model> {
  await verifySeal(dir);
  return loadModel(dir);
}

/** The seal check itself; `null` when there is no manifest. */
async function checkSeal(dir: string, action: string): Promise<Manifest | null> {
  const fail = (reason: string) => new InputError(`${action}: ${reason}`);
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/${MANIFEST_FILE}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    // e.g. a symlink in models/ that leads outside what the task may read
    if (err instanceof Deno.errors.NotCapable) {
      throw fail("read permission denied (grant it with --allow-read)");
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail(`${MANIFEST_FILE} is not valid JSON`);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) throw fail(`${MANIFEST_FILE} is malformed`);
  const manifest = parsed.data;
  for (const name of SEALED_FILES) {
    if (!manifest.files[name]) throw fail(`${MANIFEST_FILE} does not list ${name}`);
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    let actual: { sha256: string; bytes: number };
    try {
      const path = `${dir}/${name}`;
      actual = { sha256: await sha256File(path), bytes: (await Deno.stat(path)).size };
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw fail(`${name} is missing`);
      throw err;
    }
    if (actual.sha256 !== expected.sha256 || actual.bytes !== expected.bytes) {
      throw fail(`${name} does not match its checksum in ${MANIFEST_FILE}`);
    }
  }
  return manifest;
}

/** Ids of the complete runs under `<root>/runs`, oldest first. */
export async function listRuns(options: RegistryOptions = {}): Promise<string[]> {
  const runs = `${root(options)}/runs`;
  const ids: string[] = [];
  try {
    for await (const entry of Deno.readDir(runs)) {
      if (entry.isDirectory && isRunId(entry.name)) ids.push(entry.name);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return ids.sort();
}

/** The id of the run `latest` points to; `null` when there is no `latest` symlink. */
export async function latestRunId(options: RegistryOptions = {}): Promise<string | null> {
  try {
    const target = await Deno.readLink(`${root(options)}/latest`);
    return basename(trimSlash(target));
  } catch (err) {
    // absent, or a legacy real directory
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.InvalidData) return null;
    // a real directory gives EINVAL, which Deno has no class for
    if (err instanceof Error && /invalid argument/i.test(err.message)) return null;
    throw err;
  }
}

/**
 * Resolves a `--model` value: `latest`, a run id under `<root>/runs`, or a
 * directory path as given.
 */
export async function resolveModel(
  value: string,
  options: RegistryOptions = {},
): Promise<string> {
  if (value === "latest") return `${root(options)}/latest`;
  if (!value.includes("/")) {
    const run = `${root(options)}/runs/${value}`;
    if (await isDirectory(run)) return run;
  }
  return trimSlash(value);
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
  const base = root(options);
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
  const base = root(options);
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

async function seal(dir: string, runId: string): Promise<void> {
  const files: Manifest["files"] = {};
  for (const name of SEALED_FILES) {
    const path = `${dir}/${name}`;
    files[name] = { sha256: await sha256File(path), bytes: (await Deno.stat(path)).size };
  }
  const manifest: Manifest = { runId, files };
  await writeFileAtomic(`${dir}/${MANIFEST_FILE}`, JSON.stringify(manifest, null, 2) + "\n");
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

async function refuseExisting(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(dir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  const refuse = (reason: string) => new InputError(`Cannot write run "${dir}": ${reason}`);
  if (info.isSymlink) {
    throw refuse("it is a symlink (models/latest is switched by promotion, not written)");
  }
  if (!info.isDirectory) throw refuse("it is a file");
  for await (const _ of Deno.readDir(dir)) {
    throw refuse("it exists and is not empty (choose another --out, or remove it)");
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

function root(options: RegistryOptions): string {
  return trimSlash(options.root ?? MODELS_DIR);
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : i === 0 ? "/" : ".";
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

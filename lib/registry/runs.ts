/**
 * Runs of the registry, `models/runs/<run-id>/`: writing a new one, listing
 * them, and resolving what a `--model` value names.
 *
 * A run is written to a hidden `.<id>.partial-*` directory and renamed into
 * place only once complete and sealed (`seal.ts`), so a killed trainer never
 * leaves a run that promotion would accept.
 * @module
 */
import { InputError, UsageError } from "../core/errors.ts";
import { readJsonFile, writeProblem } from "../core/files.ts";
import { isAbsolute, relative, resolve } from "node:path";
import { editDistance } from "../data/columns.ts";
import { shellCommand, shellQuote } from "../core/shell.ts";
import type { ModelFile } from "../model/model.ts";
import { ModelName } from "../model/name.ts";
import { writeModelDir } from "./artifacts.ts";
import {
  basename,
  byCreation,
  dirname,
  insideRegistry,
  isRunId,
  MANIFEST_FILE,
  MODEL_FILE,
  NoReadPermissionError,
  readGranted,
  type RegistryOptions,
  RegistryPathError,
  registryRoot,
  runIdStamp,
  timeStamp,
  trimSlash,
} from "./layout.ts";
import { Manifest, seal } from "./seal.ts";

/**
 * A run id for a model document: its name, its creation time (UTC,
 * sortable) and the first 8 hex digits of the SHA-256 of its data and
 * parameters.
 */
export async function runIdFor(file: ModelFile): Promise<string> {
  const t = file.training;
  const inputs = JSON.stringify([t.sha256, file.target, t.seed, t.testSize, t.solver]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(inputs));
  const hash = [...new Uint8Array(digest).slice(0, 4)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  const stamp = new Date(file.createdAt).toISOString().replace(/[-:.]/g, "");
  const name = ModelName.safeParse(file.name);
  return `${name.success ? `${name.data}-` : ""}${stamp}-${hash}`;
}

/**
 * Writes `file` as a new sealed run: to `out` when given, else to
 * `<root>/runs/<run-id>/`. Refuses to write over anything that exists and is
 * not an empty directory. Returns the run's directory.
 */
export async function writeRun(
  file: ModelFile,
  options: RegistryOptions & {
    /** Write exactly this directory instead. */
    out?: string;
    /** The program that asked, to say how to rerun it with the permission it lacked. */
    command?: { script: string; args: readonly string[] };
  } = {},
): Promise<string> {
  const runs = `${registryRoot(options)}/runs`;
  let runId = await runIdFor(file);
  const dir = trimSlash(options.out ?? `${runs}/${runId}`);
  const parent = dirname(dir);
  if (options.out !== undefined) {
    // a directory written into runs/ is a run like any other, named by its directory
    const inRuns = placeInRuns(dir, runs);
    if (inRuns === "run") runId = basename(dir);
    else if (inRuns !== null) {
      throw new UsageError(
        `Cannot write run "${dir}": ${inRuns}; name a run with --name NAME (runs/<NAME>-<time>-<hash>) or --out ${runs}/NAME`,
      );
    }
  }
  let staging: string;
  try {
    await Deno.mkdir(parent, { recursive: true });
    await refuseExisting(dir);
    staging = `${parent}/.${basename(dir)}.partial-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.mkdir(staging);
  } catch (err) {
    // a full or read-only disk, or no permission: one line, nothing written
    if (err instanceof InputError) throw err;
    if (err instanceof Deno.errors.NotCapable && options.command) {
      // a task's --allow-write stops at models/: say how to write elsewhere on purpose
      const { script, args } = options.command;
      throw new UsageError(
        `Cannot write run "${dir}": the task may write only under ${
          registryRoot(options)
        }/; to write there, run: deno run --allow-read --allow-write=${
          shellQuote(parent)
        } ${script} ${shellCommand(args)}`,
      );
    }
    throw new Error(`Cannot write run "${dir}": ${writeProblem(err)}`);
  }
  try {
    await writeModelDir(staging, { ...file, runId });
    await seal(staging, runId, file.createdAt);
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
 * Ids of the runs under `<root>/runs`, oldest first: every directory named
 * like a run id (sealed or not, so `runs` can say what is wrong), and every
 * other visible directory that holds a `manifest.json` (`--out
 * models/runs/NAME`), ordered by the creation time its manifest records.
 * Only those manifests are read, so listing stays cheap.
 */
export async function listRuns(options: RegistryOptions = {}): Promise<string[]> {
  const runs = `${registryRoot(options)}/runs`;
  const stamps = new Map<string, string | null>();
  const pending: Promise<void>[] = [];
  try {
    for await (const entry of Deno.readDir(runs)) {
      if (!entry.isDirectory || entry.name.startsWith(".")) continue;
      if (isRunId(entry.name)) stamps.set(entry.name, null);
      else {
        pending.push(
          sealedStamp(`${runs}/${entry.name}`).then((stamp) => {
            if (stamp !== undefined) stamps.set(entry.name, stamp);
          }),
        );
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  await Promise.all(pending);
  return [...stamps.keys()].sort((a, b) => byCreation(a, b, (id) => stamps.get(id) ?? null));
}

/**
 * The id of the run at `dir` when it lies directly in `<root>/runs` (its
 * directory's name, `latest` resolved); `null` for any other directory.
 */
export async function runIdOf(dir: string, options: RegistryOptions = {}): Promise<string | null> {
  try {
    const [real, runs] = await Promise.all([
      Deno.realPath(dir),
      Deno.realPath(`${registryRoot(options)}/runs`),
    ]);
    const name = basename(real);
    return dirname(real) === runs && !name.startsWith(".") ? name : null;
  } catch {
    return null;
  }
}

/**
 * The creation stamp of the sealed directory `dir` whose name is no run id:
 * from its manifest (`createdAt`, else the stamp of the id it records),
 * else `model.json`'s `createdAt`; `null` when neither says; `undefined`
 * when `dir` holds no manifest, so is no run.
 */
async function sealedStamp(dir: string): Promise<string | null | undefined> {
  const read = (name: string) => readJsonFile(`${dir}/${name}`).catch(() => undefined);
  const manifest = await read(MANIFEST_FILE);
  if (manifest === undefined) {
    // a manifest that exists but cannot be read still makes a run, listed with its problem
    return await Deno.lstat(`${dir}/${MANIFEST_FILE}`).then(() => null, () => undefined);
  }
  const parsed = Manifest.safeParse(manifest);
  const created = parsed.success
    ? (parsed.data.createdAt === undefined ? null : timeStamp(parsed.data.createdAt)) ??
      runIdStamp(parsed.data.runId)
    : null;
  if (created !== null) return created;
  const model = await read(MODEL_FILE) as { createdAt?: unknown } | undefined;
  return typeof model?.createdAt === "string" ? timeStamp(model.createdAt) : null;
}

/**
 * Where `dir` lies relative to `runs`, spelled as given: `"run"` directly
 * in it, a reason when it lies deeper or is hidden (no listing would show
 * it), `null` elsewhere.
 */
function placeInRuns(dir: string, runs: string): "run" | string | null {
  const inside = relative(resolve(runs), resolve(dir));
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) return null;
  if (inside.includes("/")) return `runs lie directly in ${runs}/, not deeper`;
  if (inside.startsWith(".")) {
    return `a run's name cannot start with "." (hidden, as partial runs are)`;
  }
  return "run";
}

/** The id of the run `latest` points to; `null` when there is no `latest` symlink. */
export async function latestRunId(options: RegistryOptions = {}): Promise<string | null> {
  try {
    const target = await Deno.readLink(`${registryRoot(options)}/latest`);
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
 * directory path. The directory must lie inside the registry once symlinks
 * and `..` are resolved; a bare name that is neither a run nor a directory
 * is an unknown run. Throws a {@link UsageError} naming the closest run ids.
 */
export async function resolveModel(
  value: string,
  options: RegistryOptions = {},
): Promise<string> {
  const root = registryRoot(options);
  let dir = trimSlash(value);
  if (value === "latest") dir = `${root}/latest`;
  else if (!value.includes("/")) {
    const run = `${root}/runs/${value}`;
    if (await isDirectory(run)) dir = run;
    else if (!await isDirectory(value)) {
      // a run may be there, unseen for want of permission
      if (!readGranted(root)) {
        throw new UsageError(
          `Cannot use model "${value}": it ${new NoReadPermissionError(root).message}`,
        );
      }
      const close = closest(value, ["latest", ...await listRuns(options)]);
      throw new UsageError(
        `Unknown run "${value}": no such run in ${root}/runs${
          close.length ? ` (closest: ${close.join(", ")})` : ""
        }; list them with: deno task runs`,
      );
    }
  }
  try {
    await insideRegistry(dir, root);
  } catch (err) {
    if (!(err instanceof RegistryPathError)) throw err;
    throw new UsageError(`Cannot use model "${value}": it ${err.message}`);
  }
  return dir;
}

/** Up to three of `candidates` nearest to `value` by edit distance, nearest first. */
export function closest(value: string, candidates: readonly string[]): string[] {
  const scored = candidates.map((c) => ({
    c,
    // a candidate that contains the value (a name, a time stamp) counts as near
    d: c.includes(value) ? 0 : editDistance(value.toLowerCase(), c.toLowerCase()),
  }));
  const limit = Math.max(3, Math.ceil(value.length / 2));
  return scored.filter((s) => s.d <= limit).sort((a, b) => a.d - b.d).slice(0, 3).map((s) => s.c);
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

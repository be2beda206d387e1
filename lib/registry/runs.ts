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
import { writeProblem } from "../core/files.ts";
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
  OutsideRegistryError,
  type RegistryOptions,
  registryRoot,
  trimSlash,
} from "./layout.ts";
import { seal } from "./seal.ts";

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
  const runId = await runIdFor(file);
  const dir = trimSlash(options.out ?? `${registryRoot(options)}/runs/${runId}`);
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

/** Ids of the complete runs under `<root>/runs`, oldest first. */
export async function listRuns(options: RegistryOptions = {}): Promise<string[]> {
  const runs = `${registryRoot(options)}/runs`;
  const ids: string[] = [];
  try {
    for await (const entry of Deno.readDir(runs)) {
      if (entry.isDirectory && isRunId(entry.name)) ids.push(entry.name);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return ids.sort(byCreation);
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
    if (!(err instanceof OutsideRegistryError)) throw err;
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

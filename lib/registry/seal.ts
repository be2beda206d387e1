/**
 * Sealed runs: a run's `manifest.json` records the SHA-256 and size of the
 * files it seals, so that promotion, serving and `infer.ts --model` refuse
 * a run that is incomplete or was edited after training.
 * @module
 */
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { FileError, readJsonFile } from "../core/files.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { sha256File } from "../data/hash.ts";
import type { Model } from "../model/model.ts";
import { loadModel } from "./artifacts.ts";
import {
  insideRegistry,
  MANIFEST_FILE,
  METRICS_FILE,
  MODEL_FILE,
  OutsideRegistryError,
  type RegistryOptions,
  registryRoot,
} from "./layout.ts";

/** The files a manifest seals; reports written later are not part of it. */
const SEALED_FILES = [MODEL_FILE, METRICS_FILE] as const;

/** The sealed-run manifest. */
export const Manifest = z.object({
  runId: z.string().min(1),
  files: z.record(
    // plain file names of the run directory: a manifest never points elsewhere
    z.string().regex(/^(?!\.\.?$)[^/\\]+$/),
    z.object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().nonnegative(),
    }),
  ),
});
/** The sealed-run manifest. */
export type Manifest = z.infer<typeof Manifest>;

/** Where the seal check may read. */
export interface SealOptions {
  /** Refuse a manifest, or a file it lists, that really lies outside this registry root. */
  within?: string;
}

/**
 * Checks that `dir` is a complete, sealed run: its manifest is there and
 * every file it lists has the recorded size and SHA-256, and `model.json`
 * loads. Throws an {@link InputError} saying what is wrong.
 */
export async function verifyRun(dir: string, options: SealOptions = {}): Promise<Manifest> {
  const manifest = await checkSeal(dir, `Cannot promote "${dir}"`, options);
  if (!manifest) {
    throw new InputError(
      `Cannot promote "${dir}": no ${MANIFEST_FILE}, so the run is incomplete (was training interrupted?)`,
    );
  }
  await loadModel(dir, options);
  return manifest;
}

/**
 * Checks a model directory's seal before it is served: a directory with a
 * `manifest.json` must match it (as {@link verifyRun} checks), one without
 * (a plain model directory) passes with `null`. Throws an
 * {@link InputError} `Cannot load model "<dir>": <reason>`.
 */
export function verifySeal(dir: string, options: SealOptions = {}): Promise<Manifest | null> {
  return checkSeal(dir, `Cannot load model "${dir}"`, options);
}

/**
 * The model in `dir`, loaded after {@link verifySeal} passes: what `serve`,
 * `infer.ts` and `evaluate` load. The directory and every file read from it
 * must really lie inside the registry (symlinks resolved). `label` names the
 * model in errors (default `dir`). Refuses as `verifySeal` and `loadModel` do.
 */
export async function loadSealedModel(
  dir: string,
  options: RegistryOptions & { label?: string } = {},
): Promise<Model> {
  const label = options.label ?? dir;
  const within = registryRoot(options);
  let real: string;
  try {
    real = await insideRegistry(dir, within) ?? dir;
  } catch (err) {
    if (err instanceof OutsideRegistryError) {
      throw new InputError(`Cannot load model "${label}": it ${err.message}`);
    }
    throw err;
  }
  await checkSeal(real, `Cannot load model "${label}"`, { within });
  return loadModel(real, { within, label });
}

/** The seal check itself; `null` when there is no manifest. */
async function checkSeal(
  dir: string,
  action: string,
  options: SealOptions,
): Promise<Manifest | null> {
  const fail = (reason: string) => new InputError(`${action}: ${reason}`);
  const locate = async (name: string): Promise<string | null> => {
    const path = `${dir}/${name}`;
    if (options.within === undefined) return path;
    try {
      return await insideRegistry(path, options.within);
    } catch (err) {
      if (err instanceof OutsideRegistryError) throw fail(`${name} ${err.message}`);
      throw err;
    }
  };
  let json: unknown;
  try {
    const path = await locate(MANIFEST_FILE);
    if (path === null) return null;
    json = await readJsonFile(path);
  } catch (err) {
    if (!(err instanceof FileError)) throw err;
    if (err.missing) return null;
    // e.g. a symlink in models/ that leads outside what the task may read
    throw fail(err.message);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) throw fail(`${MANIFEST_FILE} is malformed`);
  const manifest = parsed.data;
  for (const name of SEALED_FILES) {
    if (!manifest.files[name]) throw fail(`${MANIFEST_FILE} does not list ${name}`);
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    const path = await locate(name);
    if (path === null) throw fail(`${name} is missing`);
    let actual: { sha256: string; bytes: number };
    try {
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

/** Writes the manifest of the files in `dir` that a run seals. */
export async function seal(dir: string, runId: string): Promise<void> {
  const files: Manifest["files"] = {};
  for (const name of SEALED_FILES) {
    const path = `${dir}/${name}`;
    files[name] = { sha256: await sha256File(path), bytes: (await Deno.stat(path)).size };
  }
  const manifest: Manifest = { runId, files };
  await writeFileAtomic(`${dir}/${MANIFEST_FILE}`, JSON.stringify(manifest, null, 2) + "\n");
}

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
import { type Model, parseModel } from "../model/model.ts";
import { loadModel } from "./artifacts.ts";
import {
  insideRegistry,
  MANIFEST_FILE,
  METRICS_FILE,
  MODEL_FILE,
  NO_MODEL,
  type RegistryOptions,
  RegistryPathError,
  registryRoot,
} from "./layout.ts";

/** The files a manifest seals; reports written later are not part of it. */
const SEALED_FILES = [MODEL_FILE, METRICS_FILE] as const;

/** The sealed-run manifest. */
export const Manifest = z.object({
  runId: z.string().min(1),
  /** When the run was trained, ISO 8601: orders a run whose directory name carries no stamp. Absent in older manifests. */
  createdAt: z.string().optional(),
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
    if (err instanceof RegistryPathError) {
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
      if (err instanceof RegistryPathError) throw fail(`${name} ${err.message}`);
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

/** Imports of a model directory's JSON files by name, as `import(…, { with: { type: "json" } })`. */
export type JsonImports = Record<string, () => Promise<{ default: unknown }>>;

/**
 * The model whose files `imports` bring in, after its seal is checked:
 * what `infer.ts` loads by default, through JSON module imports that need
 * no `--allow-read`. Each sealed file must be present and match its
 * checksum once written out again exactly as the registry writes it; a
 * directory without a manifest loads as it is. `label` names it in errors.
 */
export async function loadImportedModel(imports: JsonImports, label: string): Promise<Model> {
  const fail = (reason: string) => new InputError(`Cannot load model "${label}": ${reason}`);
  const read = async (name: string): Promise<unknown> => {
    const load = imports[name];
    try {
      if (!load) throw new Deno.errors.NotFound(name);
      return (await load()).default;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || /not found/i.test(String(err))) return undefined;
      throw fail(`${name} is not valid JSON`);
    }
  };
  const json = await read(MODEL_FILE);
  if (json === undefined) throw fail(NO_MODEL);
  const manifestJson = await read(MANIFEST_FILE);
  if (manifestJson !== undefined) {
    const parsed = Manifest.safeParse(manifestJson);
    if (!parsed.success) throw fail(`${MANIFEST_FILE} is malformed`);
    for (const name of SEALED_FILES) {
      const expected = parsed.data.files[name];
      if (!expected) throw fail(`${MANIFEST_FILE} does not list ${name}`);
      const value = name === MODEL_FILE ? json : await read(name);
      if (value === undefined) throw fail(`${name} is missing`);
      const bytes = new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n");
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
      if (sha256 !== expected.sha256 || bytes.length !== expected.bytes) {
        throw fail(`${name} does not match its checksum in ${MANIFEST_FILE}`);
      }
    }
  }
  return parseModel(json, label);
}

/** Writes the manifest of the files in `dir` that a run seals, with the run's id and creation time. */
export async function seal(dir: string, runId: string, createdAt?: string): Promise<void> {
  const files: Manifest["files"] = {};
  for (const name of SEALED_FILES) {
    const path = `${dir}/${name}`;
    files[name] = { sha256: await sha256File(path), bytes: (await Deno.stat(path)).size };
  }
  const manifest: Manifest = { runId, ...(createdAt === undefined ? {} : { createdAt }), files };
  await writeFileAtomic(`${dir}/${MANIFEST_FILE}`, JSON.stringify(manifest, null, 2) + "\n");
}

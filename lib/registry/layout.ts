/**
 * The registry's layout on disk: where it lives, the names of the files in
 * a run directory, the shape of a run id, and the path helpers every
 * registry module uses.
 *
 * ```
 * models/
 *   latest -> runs/<run-id>        the served run (a relative symlink)
 *   runs/<run-id>/                 one sealed directory per training run
 *     model.json metrics.json model_card.md manifest.json
 *     evaluation.json evaluation.md confusion_matrix.svg promotion.json
 *     evaluations/<time>.json .md .svg   every evaluation, newest copied above
 * ```
 * @module
 */
import { resolve } from "node:path";
import { InputError } from "../core/errors.ts";

/** The registry's root directory, relative to the working directory. */
export const MODELS_DIR = "models";
/** Runs kept by default when pruning. */
export const DEFAULT_KEEP = 10;

/** The model document. */
export const MODEL_FILE = "model.json";
/** The seed's metrics file. */
export const METRICS_FILE = "metrics.json";
/** The model card. */
export const CARD_FILE = "model_card.md";
/** The sealed-run manifest: SHA-256 and size of the files it seals. */
export const MANIFEST_FILE = "manifest.json";
/** The gate's record of the newest evaluation. */
export const EVALUATION_FILE = "evaluation.json";
/** The newest evaluation, for people. */
export const EVALUATION_MD_FILE = "evaluation.md";
/** The record of the evaluation that promoted the run, kept when later ones overwrite `evaluation.json`. */
export const PROMOTION_FILE = "promotion.json";
/** The confusion-matrix picture. */
export const CONFUSION_SVG_FILE = "confusion_matrix.svg";
/** Every evaluation of the run, each as `<time>.json`, `.md` and `.svg`. */
export const EVALUATIONS_DIR = "evaluations";

/** Why a model directory holds no model, with what to do about it. */
export const NO_MODEL =
  `no ${MODEL_FILE} there (train and promote one: deno task train && deno task evaluate)`;

/**
 * `penguins-20261126T040512123Z-1a2b3c4d`: the model's name, the creation
 * time to the millisecond, then a hash. Runs written before names had no
 * name part.
 */
const RUN_ID = /^(?:([a-z0-9][a-z0-9._-]{0,62})-)?(\d{8}T\d{9}Z-[0-9a-f]{8})$/;

/** True for a name shaped like a run id. */
export function isRunId(name: string): boolean {
  return RUN_ID.test(name);
}

/** The model name a run id starts with; `null` for a run written before names. */
export function runIdName(id: string): string | null {
  return RUN_ID.exec(id)?.[1] ?? null;
}

/**
 * The creation stamp a run id carries, `20261126T040512123Z`; `null` for a
 * run directory named otherwise (`--out models/runs/churn-v2`).
 */
export function runIdStamp(id: string): string | null {
  return RUN_ID.exec(id)?.[2]?.slice(0, 19) ?? null;
}

/** The stamp of an ISO 8601 time, as run ids carry it; `null` for an unreadable time. */
export function timeStamp(iso: string): string | null {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? null : t.toISOString().replace(/[-:.]/g, "");
}

/**
 * Orders runs by creation time, oldest first, whatever their names: by
 * `stamp` (see {@link runIdStamp}), else the one in the id, then by id.
 */
export function byCreation(
  a: string,
  b: string,
  stamp: (id: string) => string | null = runIdStamp,
): number {
  const ka = stamp(a) ?? runIdStamp(a) ?? "";
  const kb = stamp(b) ?? runIdStamp(b) ?? "";
  return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** Where the registry lives; tests point it at a temporary directory. */
export interface RegistryOptions {
  /** The registry root (default `models`). */
  root?: string;
}

/** The registry root of `options`, without a trailing slash. */
export function registryRoot(options: RegistryOptions = {}): string {
  return trimSlash(options.root ?? MODELS_DIR);
}

/** `path` without trailing slashes (`/` stays `/`). */
export function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** The directory part of `path`: `.` for a bare name, `/` at the root. */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : i === 0 ? "/" : ".";
}

/** The last part of `path`. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Where `path` really is, once symlinks and `..` are resolved, provided that
 * lies inside the registry root `root`; `null` when `path` does not exist.
 * Throws an {@link OutsideRegistryError} for a path that leads elsewhere, a
 * symlinked file included: the tasks' `--allow-read=models` would not stop
 * a link from inside.
 */
export async function insideRegistry(path: string, root: string): Promise<string | null> {
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([
      Deno.realPath(path),
      // a task granted only a directory inside the registry may not resolve
      // the root itself: then it is taken as it is spelled
      Deno.realPath(root).catch((err) => {
        if (err instanceof Deno.errors.NotCapable) return resolve(root);
        throw err;
      }),
    ]);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    if (err instanceof Deno.errors.NotCapable) {
      // no permission to read the registry at all: say which flag grants it
      if (!readGranted(root) && isWithin(resolve(path), resolve(root))) {
        throw new NoReadPermissionError(root);
      }
      // the task may read only the registry: a path it may not read lies elsewhere
      throw new OutsideRegistryError(root);
    }
    throw err;
  }
  if (!isWithin(real, realRoot)) throw new OutsideRegistryError(root);
  return real;
}

/** True when the absolute path `path` is `root` or lies under it. */
function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/** True when this process may read `root` without asking. */
export function readGranted(root: string): boolean {
  return Deno.permissions.querySync({ name: "read", path: root }).state === "granted";
}

/** A model path refused by where it leads or what may be read; the message follows the path's name after "it". */
export class RegistryPathError extends InputError {
  /** The reason, worded to follow "it". */
  constructor(message: string) {
    super(message);
    this.name = "RegistryPathError";
  }
}

/** A model path inside the registry that this process has no permission to read. */
export class NoReadPermissionError extends RegistryPathError {
  /** Names the registry root and the flag that grants reading it. */
  constructor(root: string) {
    super(`needs permission to read ${root}/: run with --allow-read=${root}`);
    this.name = "NoReadPermissionError";
  }
}

/** A model path that leads outside the registry; the message says so after the path's name. */
export class OutsideRegistryError extends RegistryPathError {
  /** Names the registry root the path escapes. */
  constructor(root: string) {
    super(
      `lies outside ${root}/ (symlinks and .. resolved): models are read only from the registry`,
    );
    this.name = "OutsideRegistryError";
  }
}

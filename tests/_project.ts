/**
 * A throwaway copy of the project for subprocess tests, so that training in
 * a test never touches the checkout's own `models/`.
 * @module
 */
import type { ModelFile } from "../lib/model/model.ts";
import { writeRun } from "../lib/registry/runs.ts";
import { describeError, exitCodeFor } from "../lib/core/errors.ts";
import { gateOptions } from "../lib/gate/options.ts";
import { type GateOutcome, runGate } from "../lib/gate/run.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const COPIED = [
  "train.ts",
  "evaluate.ts",
  "infer.ts",
  "predict.ts",
  "serve.ts",
  "runs.ts",
  "drift.ts",
  "deno.json",
  "deno.lock",
  "data",
  "tests/_crash.ts",
  "tests/_setup.ts",
];

/** What a finished subprocess said. */
export interface Output {
  /** Exit code. */
  code: number;
  /** Standard output, decoded. */
  stdout: string;
  /** Standard error, decoded. */
  stderr: string;
}

/** A temporary project copy. */
export interface Project extends AsyncDisposable {
  /** Its directory. */
  dir: string;
  /** Runs `deno <args>` inside it, feeding `stdin`, with extra `env`. */
  deno(args: string[], stdin?: string, env?: Record<string, string>): Promise<Output>;
  /** Trains as `deno task train <args>` would, then gates and promotes the run, in one process; throws if either fails. */
  trainAndPromote(args?: string[]): Promise<void>;
}

/**
 * Copies the project's entries and data to a temporary directory, with `lib/`
 * linked (or copied, with `copySources`).
 *
 * With `setup`, the copy also holds the `models/` that running those
 * commands (`task -q train|evaluate …`, in turn, each exiting 0) leaves
 * behind. They run for real, in one process (tests/_setup.ts), the first
 * time a test module asks for that list, in a project of their own; every
 * project that asks again gets a copy of that result, so the tests of a
 * file share one trained model rather than each training the same one (each
 * test still has its own directory to change as it likes).
 */
export async function makeProject(
  options: { setup?: string[][]; copySources?: boolean } = {},
): Promise<Project> {
  const dir = await Deno.makeTempDir({ prefix: "mvd-test-" });
  for (const name of COPIED) await copy(`${ROOT}${name}`, `${dir}/${name}`);
  // the sources are only read: a link saves copying a hundred files a
  // project; a build context (tests/container_test.ts) needs them as files
  if (options.copySources) await copy(`${ROOT}lib`, `${dir}/lib`);
  else {
    await Deno.symlink(`${ROOT}lib`, `${dir}/lib`);
    await importLibFromRoot(`${dir}/deno.json`);
  }
  if (options.setup) await copyModels(await setUp(options.setup), `${dir}/models`);
  await Deno.mkdir(`${dir}/models`, { recursive: true });
  const deno = (args: string[], stdin?: string, env?: Record<string, string>) =>
    runDeno(args, { cwd: dir, stdin, env });
  return {
    dir,
    deno,
    trainAndPromote: (args = []) => runSetup(dir, promoted(args)),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/**
 * Maps the project's `./lib/` imports to the checkout's own `lib/` (the
 * files the link leads to), so that every project's processes load the
 * same module URLs: Deno keeps a link's path in a module's URL, and each
 * new project would otherwise transpile and code-cache all of `lib/` again,
 * for every program, in every test.
 */
async function importLibFromRoot(config: string): Promise<void> {
  const json = JSON.parse(await Deno.readTextFile(config));
  json.imports = { ...json.imports, "./lib/": `${ROOT}lib/` };
  await Deno.writeTextFile(config, JSON.stringify(json, null, 2));
}

/** What `trainAndPromote(args)` runs: `deno task train <args>`, then `deno task evaluate`. */
export function promoted(args: string[] = []): string[][] {
  return [["task", "-q", "train", ...args], ["task", "-q", "evaluate"]];
}

/**
 * Runs setup commands (`task -q train|evaluate …`) in the project at `dir`,
 * all in one `deno` process (tests/_setup.ts); throws with the failing
 * command's error if one fails.
 */
async function runSetup(dir: string, commands: string[][]): Promise<void> {
  const out = await runDeno(
    ["run", "--allow-read", "--allow-write", "tests/_setup.ts", JSON.stringify(commands)],
    { cwd: dir },
  );
  if (out.code !== 0) throw new Error(`setup exited ${out.code}: ${out.stderr}`);
}

/** Runs `deno` (the one on PATH, which --allow-run=deno names) with `args`. */
export async function runDeno(
  args: string[],
  options: { cwd: string; stdin?: string; env?: Record<string, string>; signal?: AbortSignal },
): Promise<Output> {
  const child = new Deno.Command("deno", {
    args,
    cwd: options.cwd,
    signal: options.signal,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

/**
 * Runs an entry's `main(args)` in this process and ends it as the entry's
 * `fail` would: the exit code and what it printed, as a subprocess's. Far
 * cheaper than a `deno` process for the many bad-input cases; each entry
 * keeps a subprocess test of its real exit. A `main` that returns its exit
 * code (evaluate, drift) gives that code. An entry imported from a project's
 * copy loads that copy's `lib/` (a link Deno does not resolve): pass its
 * errors module as `errors`, so its error classes are known.
 */
export async function runMain(
  main: (args: string[]) => Promise<void | number>,
  args: string[],
  errors: Pick<typeof import("../lib/core/errors.ts"), "describeError" | "exitCodeFor"> = {
    describeError,
    exitCodeFor,
  },
): Promise<Output> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { log, error } = console;
  console.log = (...parts: unknown[]) => void stdout.push(`${parts.join(" ")}\n`);
  console.error = (...parts: unknown[]) => void stderr.push(`${parts.join(" ")}\n`);
  let code = 0;
  try {
    code = (await main(args)) ?? 0;
  } catch (err) {
    console.error(`error: ${errors.describeError(err)}`);
    code = errors.exitCodeFor(err);
  } finally {
    console.log = log;
    console.error = error;
  }
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** SIGKILLs `child` unless it has already finished; resolves with how it ended. */
export async function killNow(child: Deno.ChildProcess): Promise<Deno.CommandStatus> {
  try {
    child.kill("SIGKILL");
  } catch {
    // it had already finished: its status says how
  }
  return await child.status;
}

/** The permission flags of a task, read from deno.json: the words between `deno run` and the script. */
export async function taskFlags(task: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const entry = config.tasks[task];
  const command: string = typeof entry === "string" ? entry : entry.command;
  const words = command.trim().split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new Error(`the ${task} task is not "deno run ...": ${command}`);
  }
  const script = words.findIndex((w, i) => i >= 2 && !w.startsWith("-"));
  if (script < 0) throw new Error(`no script in the ${task} task: ${command}`);
  return words.slice(2, script);
}

/** Each setup list a test module asked for, and where the `models/` it made is kept. */
const SETUPS = new Map<string, Promise<string>>();

/** Runs `setup` in a fresh project once per test module; resolves with a copy of its `models/`. */
function setUp(setup: string[][]): Promise<string> {
  const key = JSON.stringify(setup);
  const known = SETUPS.get(key);
  if (known) return known;
  const made = (async () => {
    await using project = await makeProject();
    await runSetup(project.dir, setup);
    const kept = await Deno.makeTempDir({ prefix: "mvd-setup-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(kept, { recursive: true }));
    await copyModels(`${project.dir}/models`, `${kept}/models`);
    return `${kept}/models`;
  })();
  SETUPS.set(key, made);
  // a failed setup fails the test that asked; the next one tries again
  made.catch(() => SETUPS.delete(key));
  return made;
}

/** Copies a `models/` tree as it is: files byte for byte, symlinks (`latest`) as symlinks. */
async function copyModels(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const [source, target] = [`${from}/${entry.name}`, `${to}/${entry.name}`];
    if (entry.isSymlink) await Deno.symlink(await Deno.readLink(source), target);
    else if (entry.isDirectory) await copyModels(source, target);
    else await Deno.copyFile(source, target);
  }
}

async function copy(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (!info.isDirectory) {
    await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
    return await Deno.copyFile(from, to);
  }
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    await copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

/** `file` as if trained `minute` minutes past midnight, written as a run of `project`; its id. */
export async function writeRunAt(
  project: Project,
  file: ModelFile,
  minute: number,
): Promise<string> {
  const at = new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  const dir = await writeRun({ ...file, createdAt: at }, { root: `${project.dir}/models` });
  return dir.slice(dir.lastIndexOf("/") + 1);
}

/**
 * What `deno task evaluate --json <args>` does, run in this process on
 * `project`'s registry, with `env` as MIN_ACCURACY and MIN_F1: the exit code,
 * the printed outcome (`null` on an error) and what went to stderr. The
 * test process's cwd is the repository root, so paths in `args` must be
 * absolute. For setup and the repeats of a case: each gate behaviour keeps
 * a real `deno task evaluate` check.
 */
export async function evaluateIn(
  project: Project,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ code: number; json: GateOutcome | null; stderr: string }> {
  try {
    const parsed = gateOptions(args, (name) => env[name]);
    if (parsed.help) throw new Error("evaluateIn prints no --help");
    const outcome = await runGate({ ...parsed.options, root: `${project.dir}/models` });
    const stderr = outcome.warnings.map((w) => `warning: ${w}\n`).join("");
    return { code: outcome.passed ? 0 : 1, json: JSON.parse(JSON.stringify(outcome)), stderr };
  } catch (err) {
    return { code: exitCodeFor(err), json: null, stderr: `error: ${describeError(err)}\n` };
  }
}

/**
 * Gates the newest run of `project` and promotes it, in this process, as
 * `deno task evaluate` with no flags does; throws if it fails the gate. For
 * tests that need a promoted model rather than test the evaluate task.
 */
export async function promoteNewest(project: Project): Promise<void> {
  const out = await evaluateIn(project);
  if (!out.json?.promoted) {
    throw new Error(`the gate refused: ${out.json?.failures.join("; ") ?? out.stderr}`);
  }
}

/**
 * infer.ts's `main`, imported from `project`'s copy so that its default model
 * is that project's `models/latest`, as for `deno run infer.ts` there: runs
 * it on `input` in this process, as {@link runMain} does. Each project's
 * first call loads its copy's modules (~0.1 s).
 */
export async function inferIn(
  project: Project,
): Promise<(input: string, args?: string[]) => Promise<Output>> {
  const { main }: typeof import("../infer.ts") = await import(`${project.dir}/infer.ts`);
  const errors: typeof import("../lib/core/errors.ts") = await import(
    `${project.dir}/lib/core/errors.ts`
  );
  return (input, args = []) => runMain((a) => main(a, () => Promise.resolve(input)), args, errors);
}

/**
 * Resolves `true` as soon as `ready()` holds, checked at once and again on
 * every change inotify reports in `dir` (no polling loop eating a core the
 * process under test needs), or `false` once `stop` settles first.
 */
export async function watchUntil(
  dir: string,
  ready: () => Promise<boolean>,
  stop: Promise<unknown>,
): Promise<boolean> {
  const watcher = Deno.watchFs(dir, { recursive: false });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    watcher.close();
  };
  stop.finally(close);
  try {
    if (await ready()) return true;
    for await (const _ of watcher) {
      if (await ready()) return true;
    }
    return false;
  } finally {
    close();
  }
}

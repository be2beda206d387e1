/**
 * A throwaway copy of the project for subprocess tests, so that training in
 * a test never touches the checkout's own `models/`.
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname;
const COPIED = [
  "train.ts",
  "evaluate.ts",
  "infer.ts",
  "serve.ts",
  "runs.ts",
  "deno.json",
  "deno.lock",
  "lib",
  "data",
  "tests/_crash.ts",
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
  /** Trains with `deno task train <args>`, then gates and promotes the run; throws if either fails. */
  trainAndPromote(args?: string[]): Promise<void>;
}

/** Copies the project's sources and data to a temporary directory. */
export async function makeProject(): Promise<Project> {
  const dir = await Deno.makeTempDir({ prefix: "mvd-test-" });
  for (const name of COPIED) await copy(`${ROOT}${name}`, `${dir}/${name}`);
  await Deno.mkdir(`${dir}/models`, { recursive: true });
  const deno = (args: string[], stdin?: string, env?: Record<string, string>) =>
    runDeno(args, { cwd: dir, stdin, env });
  return {
    dir,
    deno,
    async trainAndPromote(args = []) {
      for (const step of [["train", ...args], ["evaluate"]]) {
        const out = await deno(["task", "-q", ...step]);
        if (out.code !== 0) {
          throw new Error(`deno task ${step.join(" ")} exited ${out.code}: ${out.stderr}`);
        }
      }
    },
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
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

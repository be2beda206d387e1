/**
 * Replays the project's Dockerfile without a Docker engine, for the
 * container-contract test: each stage gets a directory standing in for its
 * root filesystem, COPY copies (the build context filtered by
 * .dockerignore), RUN runs the few commands the Dockerfile is allowed to use,
 * and the last stage's CMD is what the image would start.
 * @module
 */
import { dirname, join } from "node:path";

/** One instruction: its keyword and the rest of the line. */
export interface Instruction {
  /** The keyword, upper-cased: `FROM`, `COPY`, `RUN`, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
}

/** One build stage. */
export interface Stage {
  /** The base image. */
  from: string;
  /** The `AS` name, if any. */
  name?: string;
  /** The stage's instructions after `FROM`. */
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages, dropping comments and joining continuations. */
export function parseDockerfile(text: string): Stage[] {
  const lines = text.split("\n").filter((l) => !/^\s*#/.test(l));
  const joined = lines.join("\n").replaceAll(/\\\n/g, " ");
  const stages: Stage[] = [];
  for (const raw of joined.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`Cannot parse Dockerfile line "${line}"`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === "FROM") {
      const [from, as, name] = args.split(/\s+/);
      stages.push({
        from: from!,
        name: as?.toUpperCase() === "AS" ? name : undefined,
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Cannot parse Dockerfile: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args });
  }
  return stages;
}

/** The exec-form JSON array of an instruction such as `CMD ["run", ...]`. */
export function execForm(instruction: Instruction): string[] {
  const parsed: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === "string")) {
    throw new Error(`Cannot read ${instruction.keyword}: expected a JSON array of strings`);
  }
  return parsed;
}

/** The last instruction of a kind in a stage, if any. */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.findLast((i) => i.keyword === keyword);
}

/** A replayed stage: where its root is and what ENV and WORKDIR it ended with. */
export interface BuiltStage {
  /** The stage, as parsed. */
  stage: Stage;
  /** The directory standing in for `/`. */
  root: string;
  /** WORKDIR, as a container path. */
  workdir: string;
  /** ENV as set by the Dockerfile, container paths unchanged. */
  env: Record<string, string>;
}

/** Maps a container path in a built stage to the host directory standing in for it. */
export function hostPath(stage: BuiltStage, path: string): string {
  return join(stage.root, path.startsWith("/") ? path : join(stage.workdir, path));
}

/** ENV with absolute paths mapped into the stage's root, for processes run on the host. */
export function hostEnv(stage: BuiltStage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stage.env).map(([k, v]) => [k, v.startsWith("/") ? hostPath(stage, v) : v]),
  );
}

/** Replays every stage of `stages` in `root`, copying from `context`. */
export async function build(
  stages: Stage[],
  options: { context: string; root: string; ignore: string },
): Promise<BuiltStage[]> {
  const built: BuiltStage[] = [];
  const ignored = ignoreMatcher(options.ignore);
  for (const [index, stage] of stages.entries()) {
    const current: BuiltStage = {
      stage,
      root: join(options.root, `stage-${index}`),
      workdir: "/",
      env: {},
    };
    await Deno.mkdir(current.root, { recursive: true });
    built.push(current);
    for (const instruction of stage.instructions) {
      await apply(instruction, current, { built, context: options.context, ignored });
    }
  }
  return built;
}

async function apply(
  instruction: Instruction,
  stage: BuiltStage,
  options: { built: BuiltStage[]; context: string; ignored: (path: string) => boolean },
): Promise<void> {
  const { keyword, args } = instruction;
  switch (keyword) {
    case "ENV":
      for (const pair of args.split(/\s+/)) {
        const eq = pair.indexOf("=");
        if (eq < 1) throw new Error(`Cannot replay ENV "${args}": use KEY=VALUE`);
        stage.env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return;
    case "WORKDIR":
      stage.workdir = args.startsWith("/") ? args : join(stage.workdir, args);
      await Deno.mkdir(hostPath(stage, stage.workdir), { recursive: true });
      return;
    case "COPY":
      return await copyInstruction(args, stage, options);
    case "RUN":
      return await run(args, stage);
    case "USER":
    case "EXPOSE":
    case "CMD":
    case "LABEL":
    case "ARG":
      return;
    default:
      throw new Error(`Cannot replay ${keyword}: teach tests/_dockerfile.ts about it`);
  }
}

async function copyInstruction(
  args: string,
  stage: BuiltStage,
  options: { built: BuiltStage[]; context: string; ignored: (path: string) => boolean },
): Promise<void> {
  const words = args.split(/\s+/);
  let from: BuiltStage | undefined;
  while (words[0]?.startsWith("--")) {
    const flag = words.shift()!;
    const name = /^--from=(.+)$/.exec(flag)?.[1];
    if (!name) throw new Error(`Cannot replay COPY flag "${flag}"`);
    from = options.built.find((b) => b.stage.name === name);
    if (!from) throw new Error(`Cannot replay COPY --from=${name}: no such stage`);
  }
  const dest = words.pop();
  if (!dest || words.length === 0) throw new Error(`Cannot replay COPY "${args}"`);
  const target = hostPath(stage, dest);
  const intoDir = dest.endsWith("/") || words.length > 1;
  for (const src of words) {
    const source = from ? hostPath(from, src) : join(options.context, src);
    const info = await Deno.lstat(source);
    if (info.isDirectory) {
      // COPY dir dest copies the directory's contents into dest
      await copyTree(source, target, from ? () => false : (rel) => options.ignored(join(src, rel)));
    } else {
      if (!from && options.ignored(src)) {
        throw new Error(`Cannot COPY ${src}: .dockerignore drops it`);
      }
      const to = intoDir ? join(target, src.split("/").at(-1)!) : target;
      await Deno.mkdir(dirname(to), { recursive: true });
      await Deno.copyFile(source, to);
    }
  }
}

/** Copies a tree, symlinks as symlinks (as COPY does), skipping what `skip` names. */
async function copyTree(from: string, to: string, skip: (rel: string) => boolean, rel = "") {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (skip(childRel)) continue;
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isSymlink) await Deno.symlink(await Deno.readLink(src), dst);
    else if (entry.isDirectory) await copyTree(src, dst, skip, childRel);
    else await Deno.copyFile(src, dst);
  }
}

/** Copies a tree following symlinks, as `cp -rL` does. */
async function copyDereferenced(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (!info.isDirectory) return await Deno.copyFile(from, to);
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    await copyDereferenced(join(from, entry.name), join(to, entry.name));
  }
}

async function run(args: string, stage: BuiltStage): Promise<void> {
  if (/["'`$;|<>]/.test(args)) {
    throw new Error(`Cannot replay RUN "${args}": no quotes, variables, pipes or redirections`);
  }
  for (const command of args.split("&&")) {
    const [program, ...argv] = command.trim().split(/\s+/);
    const path = (p: string) => {
      if (p.startsWith("/")) throw new Error(`Cannot replay RUN "${command}": absolute path ${p}`);
      return hostPath(stage, p);
    };
    const flags = argv.filter((a) => a.startsWith("-")).join(" ");
    const operands = argv.filter((a) => !a.startsWith("-"));
    if (program === "deno") {
      const out = await new Deno.Command("deno", {
        args: argv,
        cwd: hostPath(stage, stage.workdir),
        env: { NO_COLOR: "1", ...hostEnv(stage) },
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) {
        throw new Error(`RUN ${command} failed: ${new TextDecoder().decode(out.stderr)}`);
      }
    } else if (program === "mkdir" && flags === "-p") {
      for (const p of operands) await Deno.mkdir(path(p), { recursive: true });
    } else if (program === "cp" && flags === "-rL" && operands.length === 2) {
      let to = path(operands[1]!);
      const exists = await Deno.stat(to).then((i) => i.isDirectory, () => false);
      if (exists) to = join(to, operands[0]!.split("/").at(-1)!);
      await copyDereferenced(path(operands[0]!), to);
    } else if (program === "rm" && flags === "-rf") {
      for (const p of operands) await Deno.remove(path(p), { recursive: true }).catch(() => {});
    } else if (program === "test" && flags === "-f" && operands.length === 1) {
      const ok = await Deno.stat(path(operands[0]!)).then((i) => i.isFile, () => false);
      if (!ok) throw new Error(`RUN test -f ${operands[0]} failed: no such file`);
    } else {
      throw new Error(`Cannot replay RUN "${command.trim()}": teach tests/_dockerfile.ts about it`);
    }
  }
}

/**
 * A .dockerignore matcher: `*`, `?` and `**` globs, `!` re-includes, the
 * last matching rule wins, and a rule matching a directory covers its contents.
 */
export function ignoreMatcher(text: string): (path: string) => boolean {
  const rules = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const glob = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
      const source = glob.split("/").map((part) =>
        part === "**" ? ".*" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*")
          .replaceAll("?", "[^/]")
      ).join("/").replaceAll(".*/", "(.*/)?");
      return { negate, re: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const parts = path.replace(/^\.?\/+/, "").split("/");
    let ignored = false;
    for (const rule of rules) {
      // the path itself or any of its parent directories
      for (let n = parts.length; n > 0; n--) {
        if (rule.re.test(parts.slice(0, n).join("/"))) {
          ignored = !rule.negate;
          break;
        }
      }
    }
    return ignored;
  };
}

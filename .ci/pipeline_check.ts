/**
 * `deno task ci:pipeline`: checks .gitlab-ci.yml the way GitLab would, on
 * this machine. gitlab-ci-local (pinned in deno.json, run under Deno since
 * Node 20 is too old for it) validates the file against GitLab's JSON schema,
 * then runs the lint, unit, train and evaluate jobs with the shell executor,
 * in a throwaway git snapshot of the working tree under .ci/.pipeline/.
 *
 * Exits 0 when the schema holds and every job passes with its artifacts,
 * 1 when not, 2 on bad usage. Needs git, bash and rsync on PATH.
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { type Command, parseFlags } from "../lib/core/flags.ts";
import { fail, UsageError } from "../lib/core/errors.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const WORK = join(ROOT, ".ci/.pipeline");
/** The jobs that can run without a registry, a cluster or a deployed URL. */
const LOCAL_JOBS = ["lint", "unit", "train", "evaluate"];
/** What each job must leave behind, relative to its artifacts. */
const EXPECTED_ARTIFACTS: Record<string, string[]> = {
  unit: ["reports/junit.xml", "coverage/lcov.info"],
  train: ["models/runs"],
  evaluate: ["reports/evaluation.json", "models/latest/model.json"],
};
// what gitlab-ci-local itself touches; its jobs run in bash, as on a runner
const TOOL_FLAGS = (snapshot: string) => [
  "--allow-read",
  `--allow-write=${snapshot}`,
  "--allow-env",
  "--allow-run=bash,git,rsync,id",
  "--allow-sys=cpus,uid,gid",
];

const command: Command = {
  usage: "deno task ci:pipeline [flags]",
  summary:
    "Validates .gitlab-ci.yml against GitLab's schema and runs its lint, unit, train and evaluate jobs locally with gitlab-ci-local's shell executor.",
  flags: {
    file: {
      type: "string",
      value: "FILE",
      default: ".gitlab-ci.yml",
      description: "Pipeline file to check, relative to the project",
    },
    "validate-only": { type: "boolean", description: "Check the schema, run no job" },
    jobs: {
      type: "string",
      value: "LIST",
      default: LOCAL_JOBS.join(","),
      description: "Comma-separated jobs to run",
    },
  },
};

const Options = z.object({
  file: z.string().min(1),
  "validate-only": z.boolean().optional(),
  jobs: z.string().transform((s) => s.split(",").map((j) => j.trim()).filter(Boolean)).pipe(
    z.array(z.string()).min(1, "expected at least one job"),
  ),
});

/** Checks the pipeline with command-line `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const parsed = parseFlags(args, command, Options);
  if (parsed.help) {
    console.log(parsed.text);
    return 0;
  }
  const o = parsed.options;
  if (ROOT.includes("/.ci/.pipeline/")) {
    // the unit job runs the test suite, which runs this check: stop at one level
    throw new UsageError(`Cannot check the pipeline from inside its own snapshot "${ROOT}"`);
  }
  await Deno.mkdir(WORK, { recursive: true });
  const snapshot = await Deno.makeTempDir({ dir: WORK, prefix: "run-" });
  try {
    await makeSnapshot(snapshot, o.file);
    const start = performance.now();
    const valid = await gitlabCiLocal(snapshot, ["--list-all"]);
    if (valid.code !== 0) {
      console.error(`error: Invalid ${o.file}: ${excerpt(valid.output)}`);
      return 1;
    }
    const schemaMs = performance.now() - start;
    if (o["validate-only"]) {
      console.log(`pipeline ok: ${o.file} matches GitLab's schema (${ms(schemaMs)})`);
      return 0;
    }
    const run = await gitlabCiLocal(snapshot, ["--force-shell-executor", ...o.jobs]);
    const log = join(WORK, `${snapshot.split("/").at(-1)}.log`);
    await Deno.writeTextFile(log, run.output);
    const failed = o.jobs.filter((job) =>
      !new RegExp(`^\\s*PASS\\s+${job}\\b`, "m").test(run.output)
    );
    if (run.code !== 0 || failed.length > 0) {
      console.error(
        `error: Pipeline jobs failed: ${failed.join(", ") || "gitlab-ci-local"} (log: ${log}): ${
          excerpt(run.output)
        }`,
      );
      return 1;
    }
    const missing: string[] = [];
    for (const job of o.jobs) {
      for (const path of EXPECTED_ARTIFACTS[job] ?? []) {
        const full = join(snapshot, ".gitlab-ci-local/artifacts", job, path);
        if (!await Deno.stat(full).then(() => true, () => false)) missing.push(`${job}: ${path}`);
      }
    }
    if (missing.length > 0) {
      console.error(`error: Pipeline jobs left no artifact: ${missing.join("; ")}`);
      return 1;
    }
    await Deno.remove(log);
    const total = performance.now() - start;
    console.log(
      `pipeline ok: ${o.file} matches GitLab's schema; ${
        o.jobs.join(", ")
      } passed with their artifacts (${ms(total)})`,
    );
    return 0;
  } finally {
    await Deno.remove(snapshot, { recursive: true });
  }
}

/** Copies the working tree's files (tracked and new, not ignored) into a fresh repo. */
async function makeSnapshot(dir: string, file: string): Promise<void> {
  const listed = await git(ROOT, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
  for (const path of listed.split("\0").filter(Boolean)) {
    const from = join(ROOT, path);
    // a tracked file deleted in the working tree is simply absent
    if (!await Deno.lstat(from).then((i) => i.isFile, () => false)) continue;
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.copyFile(from, join(dir, path));
  }
  if (file !== ".gitlab-ci.yml") await Deno.copyFile(join(ROOT, file), join(dir, ".gitlab-ci.yml"));
  // gitlab-ci-local reads the project's coordinates from git: give it a branch and a remote
  await git(dir, ["init", "-q", "-b", "main"]);
  await git(dir, ["add", "-A"]);
  await git(dir, ["commit", "-q", "--no-gpg-sign", "-m", "snapshot"]);
  await git(dir, ["remote", "add", "origin", "https://gitlab.example.com/mvd/mvd.git"]);
  await git(dir, ["update-ref", "refs/remotes/origin/main", "HEAD"]);
  await git(dir, ["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"]);
}

async function git(cwd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=pipeline-check", "-c", "user.email=pipeline-check@localhost", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`Cannot run git ${args[0]}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return text;
}

async function gitlabCiLocal(
  cwd: string,
  args: string[],
): Promise<{ code: number; output: string }> {
  const tool = import.meta.resolve("gitlab-ci-local");
  const out = await new Deno.Command("deno", {
    args: [
      "run",
      // a test and CI tool: pinned in deno.dev.lock, not in the runtime deno.lock
      "--lock=deno.dev.lock",
      ...TOOL_FLAGS(cwd),
      tool,
      "--json-schema-validation",
      "--no-color",
      ...args,
    ],
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, output: decode(out.stdout) + decode(out.stderr) };
}

/** The lines of gitlab-ci-local's output that say what went wrong, joined on one line. */
function excerpt(output: string): string {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  const telling = lines.filter((l) => /error|fail|invalid|must|should|not allowed/i.test(l));
  return (telling.length > 0 ? telling : lines).slice(-6).join(" | ").slice(0, 800);
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`;
}

if (import.meta.main) Deno.exit(await main(Deno.args).catch(fail));

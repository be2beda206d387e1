// The container contract, proven without a Docker engine: replay the
// Dockerfile (tests/_dockerfile.ts), then start the image's own CMD with no
// registry, an empty HOME and only the dependency cache the build stage made.
import { join } from "node:path";
import { assert, assertEquals } from "../lib/_testing/assert.ts";
import { runSmoke } from "../lib/serve/smoke.ts";
import {
  build,
  execForm,
  hostEnv,
  hostPath,
  ignoreMatcher,
  last,
  parseDockerfile,
  type Stage,
} from "./_dockerfile.ts";
import { makeProject } from "./_project.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DOCKERFILE = await Deno.readTextFile(join(ROOT, "Dockerfile"));
const DOCKERIGNORE = await Deno.readTextFile(join(ROOT, ".dockerignore"));
const stages = parseDockerfile(DOCKERFILE);
const runtime = stages.at(-1)!;

/** The flags of the `serve` task: the words between `deno run` and `serve.ts`. */
async function serveTaskFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const task = config.tasks.serve;
  const command: string = typeof task === "string" ? task : task.command;
  const words = command.trim().split(/\s+/);
  assertEquals(words.slice(0, 2), ["deno", "run"], command);
  assertEquals(words.at(-1), "serve.ts", command);
  return words.slice(2, -1);
}

Deno.test("Dockerfile pins the official Deno images: a build stage and a distroless runtime", () => {
  const version = Deno.readTextFileSync(join(ROOT, ".deno-version")).trim();
  assertEquals(stages.map((s) => s.from), [
    `denoland/deno:${version}`,
    `denoland/deno:distroless-${version}`,
  ]);
  assertEquals(last(runtime, "EXPOSE")?.args, "8000");
  // numeric and not 0, so Kubernetes' runAsNonRoot can verify it
  assert(
    /^[1-9]\d*(:[1-9]\d*)?$/.test(last(runtime, "USER")?.args ?? ""),
    "USER must be a non-root uid",
  );
  // the distroless base's entrypoint is deno (under tini); CMD is deno's arguments
  assertEquals(last(runtime, "ENTRYPOINT"), undefined);
});

Deno.test("Dockerfile CMD carries exactly the serve task's permission flags, plus --cached-only", async () => {
  const cmd = execForm(last(runtime, "CMD")!);
  assertEquals(cmd[0], "run");
  assertEquals(cmd.at(-1), "serve.ts");
  const flags = cmd.slice(1, -1);
  assert(flags.includes("--cached-only"), "the image must never reach a registry at start-up");
  assertEquals(flags.filter((f) => f !== "--cached-only"), await serveTaskFlags());
  assert(!flags.some((f) => f === "-A" || f === "--allow-all"), "no -A in the image");
});

Deno.test(".dockerignore keeps data, tests and test helpers out, and serving files in", () => {
  const ignored = ignoreMatcher(DOCKERIGNORE);
  for (
    const path of [
      "data/toy.csv",
      "tests/e2e_test.ts",
      "lib/model/model_test.ts",
      "lib/http/app_test.ts",
      "lib/_testing/fixtures.ts",
      "lib/_testing/assert.ts",
      ".git/HEAD",
      "README.md",
    ]
  ) {
    assertEquals(ignored(path), true, path);
  }
  for (
    const path of [
      "serve.ts",
      "deno.json",
      "deno.lock",
      "lib/model/model.ts",
      "lib/http/app.ts",
      "models/latest/model.json",
    ]
  ) {
    assertEquals(ignored(path), false, path);
  }
});

Deno.test({
  name: "the image's CMD serves /readyz and /predict from the replayed layout with no registry",
  // deno install in the replayed build stage fetches from the npm registry
  sanitizeResources: false,
  fn: async () => {
    await using project = await makeProject({ copySources: true });
    for (const name of ["Dockerfile", ".dockerignore"]) {
      await Deno.copyFile(join(ROOT, name), join(project.dir, name));
    }
    // models/latest as the registry makes it: a relative symlink to a run
    const trained = await project.deno(["task", "-q", "train", "--out", "models/runs/r1"]);
    assertEquals(trained.code, 0, trained.stderr);
    await Deno.symlink("runs/r1", join(project.dir, "models/latest"));

    const out = await Deno.makeTempDir({ prefix: "mvd-image-" });
    try {
      const built = await build(stages, {
        context: project.dir,
        root: join(out, "fs"),
        ignore: DOCKERIGNORE,
      });
      const image = built.at(-1)!;
      const app = hostPath(image, image.workdir);

      // only what serving needs, and the model as plain files
      const files = await listTree(app);
      assertEquals(
        files.filter((f) => /(_test\.ts|^data\/|^tests\/|^models\/runs|_fixtures)/.test(f)),
        [],
      );
      assert(files.includes("serve.ts") && files.includes("deno.lock"), files.join(", "));
      assert(files.includes("models/latest/model.json"), files.join(", "));
      assert(
        (await Deno.lstat(join(app, "models/latest"))).isDirectory,
        "models/latest must not be a link",
      );
      // and of the packages, exactly the runtime ones deno.lock pins: no test or CI tool
      const lock = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.lock")));
      assertEquals(
        await cachedPackages(join(hostEnv(image).DENO_DIR!, "npm/registry.npmjs.org")),
        Object.keys(lock.npm).map((id) => id.replace(/_.*$/, "")).sort(),
      );

      const home = await Deno.makeTempDir({ dir: out, prefix: "home-" });
      // as root, run as the image's USER over a read-only tree, as Kubernetes
      // runs it (runAsUser, readOnlyRootFilesystem): nothing may need writing
      const asUser = await isRoot() ? userOf(runtime) : {};
      if ("uid" in asUser) {
        await Deno.chmod(out, 0o755);
        await readOnly(out);
      }
      const child = new Deno.Command("deno", {
        args: execForm(last(runtime, "CMD")!),
        cwd: app,
        ...asUser,
        env: {
          ...hostEnv(image),
          // an empty HOME and XDG cache: only the image's DENO_DIR holds anything
          HOME: home,
          XDG_CACHE_HOME: home,
          NO_COLOR: "1",
          // the network cut off: every fetch goes through a dead proxy (not a dead
          // NPM_CONFIG_REGISTRY, which would also change where deno looks in its cache)
          HTTPS_PROXY: "http://127.0.0.1:9",
          HTTP_PROXY: "http://127.0.0.1:9",
          NO_PROXY: "",
          PORT: "0",
          HOST: "127.0.0.1",
        },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      try {
        // other log lines (model loaded, ...) may come first
        const line = await lineWhere(child.stdout, (l) => l.includes('"msg":"listening"'));
        if (!line) {
          const stderr = await new Response(child.stderr).text();
          throw new Error(`The image's CMD did not start: ${stderr}`);
        }
        const listening = JSON.parse(line);
        const base = new URL(`http://127.0.0.1:${listening.port}`);
        assertEquals((await fetch(new URL("/readyz", base))).status, 200);
        const res = await fetch(new URL("/predict", base), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"f1":1,"f2":0}',
        });
        assertEquals((await res.json()).prediction, 1);
        assertEquals((await runSmoke(base)).length, 4);
      } finally {
        try {
          child.kill("SIGTERM");
        } catch {
          // already exited; the error above says why
        }
        await child.status;
        await child.stdout.cancel().catch(() => {});
        if (!child.stderr.locked) await child.stderr.cancel();
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

async function isRoot(): Promise<boolean> {
  const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
  return /^Uid:\s+0\s/m.test(status);
}

function userOf(stage: Stage): { uid: number; gid: number } {
  const [uid, gid] = (last(stage, "USER")?.args ?? "").split(":").map(Number);
  assert(uid !== undefined && gid !== undefined && uid > 0 && gid > 0, "USER must be uid:gid");
  return { uid, gid };
}

/** Makes a tree readable and traversable by anyone, and writable by no one but root. */
async function readOnly(path: string): Promise<void> {
  const info = await Deno.lstat(path);
  if (info.isSymlink) return;
  await Deno.chmod(path, info.isDirectory ? 0o555 : 0o444);
  if (!info.isDirectory) return;
  for await (const entry of Deno.readDir(path)) await readOnly(join(path, entry.name));
}

/** The first line of `stream` that `match` accepts, or "" when it ends first. */
async function lineWhere(
  stream: ReadableStream<Uint8Array>,
  match: (line: string) => boolean,
): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (true) {
      const lines = text.split("\n");
      text = lines.pop() ?? "";
      const found = lines.find(match);
      if (found !== undefined) return found;
      const chunk = await reader.read();
      if (chunk.done) return "";
      text += chunk.value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The `name@version` of each npm package in a Deno npm cache directory. */
async function cachedPackages(registry: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(registry)) {
    if (!entry.isDirectory) continue;
    const names = entry.name.startsWith("@")
      ? (await Array.fromAsync(Deno.readDir(join(registry, entry.name))))
        .filter((e) => e.isDirectory).map((e) => `${entry.name}/${e.name}`)
      : [entry.name];
    for (const name of names) {
      for await (const version of Deno.readDir(join(registry, name))) {
        if (version.isDirectory) out.push(`${name}@${version.name}`);
      }
    }
  }
  return out.sort();
}

async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) out.push(...await listTree(join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

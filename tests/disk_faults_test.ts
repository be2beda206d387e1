// Disk faults while training: a full disk and a read-only model directory.
// train.ts (with the train task's own flags) must fail with one clear line,
// exit 1, and leave the previous model exactly as it was.
//
// Needs a small tmpfs: root and --allow-run=mount,umount (`deno task
// disk-faults`). Without them the tests are ignored, saying why.
import { assertEquals, assertMatch } from "../lib/_testing/assert.ts";
import { MODEL_FILE } from "../lib/registry/layout.ts";
import { makeProject, taskFlags } from "./_project.ts";

async function run(command: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Why the tests cannot run here, or undefined when a tmpfs can be mounted. */
async function unavailable(): Promise<string | undefined> {
  const granted = ["mount", "umount"].every((command) =>
    Deno.permissions.querySync({ name: "run", command }).state === "granted"
  );
  if (!granted) return "needs --allow-run=mount,umount: run `deno task disk-faults`";
  const dir = await Deno.makeTempDir({ prefix: "mvd-mount-" });
  const mounted = await run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
  if (mounted) await run("umount", [dir]);
  await Deno.remove(dir);
  return mounted ? undefined : "cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)";
}

const reason = await unavailable();
if (reason) console.log(`disk_faults_test.ts ignored: ${reason}`);

/**
 * A project whose `models/` is a small tmpfs holding a trained model, and
 * a function that runs train.ts into it.
 */
async function withSmallDisk(
  fn: (
    ctx: {
      models: string;
      target: string;
      before: Uint8Array;
      train: () => Promise<Deno.CommandOutput>;
    },
  ) => Promise<void>,
): Promise<void> {
  await using project = await makeProject();
  const models = `${project.dir}/models`;
  await project.trainAndPromote();
  const before = await Deno.readFile(`${models}/latest/${MODEL_FILE}`);
  const target = await Deno.readLink(`${models}/latest`);
  const saved = await Deno.makeTempDir();
  await Deno.rename(`${models}/${target}`, `${saved}/run`);
  await Deno.remove(models, { recursive: true });
  await Deno.mkdir(models);
  assertEquals(await run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", models]), true);
  try {
    // the promoted run and the latest link, as the registry left them
    await Deno.mkdir(`${models}/${target}`, { recursive: true });
    for await (const entry of Deno.readDir(`${saved}/run`)) {
      await Deno.copyFile(`${saved}/run/${entry.name}`, `${models}/${target}/${entry.name}`);
    }
    await Deno.symlink(target, `${models}/latest`);
    const flags = await taskFlags("train");
    const train = () =>
      new Deno.Command("deno", {
        args: ["run", ...flags, "train.ts", "--data", "data/iris.csv"],
        cwd: project.dir,
        env: { NO_COLOR: "1" },
        stdout: "null",
        stderr: "piped",
      }).output();
    await fn({ models, target, before, train });
  } finally {
    await run("umount", [models]);
    await Deno.remove(saved, { recursive: true });
  }
}

async function leftovers(dir: string): Promise<string[]> {
  const names = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test({
  name: "train.ts on a full disk fails with one line and leaves the previous model whole",
  ignore: reason !== undefined,
  fn: () =>
    withSmallDisk(async ({ models, target, before, train }) => {
      // fill the disk up to the last byte
      const filler = await Deno.open(`${models}/filler`, { write: true, create: true });
      try {
        while (true) await filler.write(new Uint8Array(1024));
      } catch (err) {
        if (!(err instanceof Error) || !/space/i.test(err.message)) throw err;
      } finally {
        filler.close();
      }
      const out = await train();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 1, stderr);
      assertMatch(stderr, /^error: Cannot write [^\n]*no space left[^\n]*\n$/i);
      assertEquals(await Deno.readFile(`${models}/latest/${MODEL_FILE}`), before);
      // no new run and no half-written one left behind
      assertEquals(await leftovers(`${models}/runs`), [target.replace("runs/", "")]);
    }),
});

Deno.test({
  name: "train.ts into a read-only model directory fails with one line and changes nothing",
  ignore: reason !== undefined,
  fn: () =>
    withSmallDisk(async ({ models, before, train }) => {
      assertEquals(await run("mount", ["-o", "remount,ro", models]), true);
      const out = await train();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 1, stderr);
      assertMatch(stderr, /^error: Cannot write [^\n]*read-only[^\n]*\n$/i);
      assertEquals(await Deno.readFile(`${models}/latest/${MODEL_FILE}`), before);
    }),
});

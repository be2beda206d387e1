// SIGKILL a training run at random moments: what is left must never be a run
// that promotion accepts. The default suite kills a few times; the soak task
// (`deno task test:soak`) passes `-- --rounds=N` for more.
import { assert, assertEquals, assertRejects } from "../lib/assert.ts";
import { InputError } from "../lib/errors.ts";
import { promote, verifyRun } from "../lib/registry.ts";
import { makeProject } from "./_project.ts";

const ROUNDS = Number(Deno.args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? "4");
// the toy data with many steps: slow enough (about a second) to be caught mid-run
const TRAIN = ["run", "--allow-read", "--allow-write=models", "train.ts", "--iterations", "40000"];

Deno.test(`a killed train leaves no partial run that promote would accept (${ROUNDS} kills)`, async () => {
  await using project = await makeProject();
  const root = `${project.dir}/models`;
  const started = performance.now();
  const full = await new Deno.Command("deno", { args: TRAIN, cwd: project.dir, stderr: "null" })
    .output();
  assertEquals(full.code, 0);
  const duration = performance.now() - started;

  let interrupted = 0;
  const partials = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    // half the kills late in the run, where the files are written
    const delay = duration * (round % 2 === 0 ? Math.random() : 0.7 + 0.4 * Math.random());
    const child = new Deno.Command("deno", {
      args: TRAIN,
      cwd: project.dir,
      stdout: "null",
      stderr: "null",
    }).spawn();
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      child.kill("SIGKILL");
    } catch {
      // it finished first: a complete run, checked below like the others
    }
    const status = await child.status;
    if (!status.success) interrupted++;
    for await (const entry of Deno.readDir(`${root}/runs`)) {
      const dir = `${root}/runs/${entry.name}`;
      if (entry.name.startsWith(".")) {
        partials.add(entry.name);
        await assertRejects(() => promote(dir, { root }), InputError, "it is not a run");
      } else {
        await verifyRun(dir);
      }
    }
  }
  assert(interrupted > 0, "no run was interrupted; the kills all came too late");
  console.log(`${interrupted} of ${ROUNDS} runs killed, ${partials.size} partial directories left`);
  // the gate still finds and promotes a complete run
  const gate = await project.deno(["task", "-q", "evaluate"]);
  assertEquals(gate.code, 0, gate.stderr);
  await verifyRun(`${root}/latest`);
});

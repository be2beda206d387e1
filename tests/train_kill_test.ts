// SIGKILL a training run at random moments: what is left must never be a run
// that promotion accepts. The default suite kills a few times; the soak task
// (`deno task test:soak`) passes `-- --rounds=N` for more.
import { assert, assertEquals, assertRejects } from "../lib/_testing/assert.ts";
import { InputError } from "../lib/core/errors.ts";
import { promote } from "../lib/registry/promote.ts";
import { verifyRun } from "../lib/registry/seal.ts";
import { killNow, makeProject, type Project } from "./_project.ts";

/** Checks every entry of runs/: a visible run verifies, a hidden one is refused. */
async function checkRuns(project: Project): Promise<{ runs: string[]; hidden: string[] }> {
  const root = `${project.dir}/models`;
  const runs: string[] = [];
  const hidden: string[] = [];
  try {
    for await (const entry of Deno.readDir(`${root}/runs`)) {
      const dir = `${root}/runs/${entry.name}`;
      if (entry.name.startsWith(".")) {
        hidden.push(entry.name);
        await assertRejects(() => promote(dir, { root }), InputError, "it is not a run");
      } else {
        runs.push(entry.name);
        await verifyRun(dir);
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return { runs, hidden };
}

Deno.test("training stopped at each step of writing its run leaves a complete run or none", async () => {
  await using project = await makeProject();
  const crash = (n: number, when: string) =>
    project.deno([
      "run",
      "--allow-read",
      "--allow-write=models",
      "tests/_crash.ts",
      "train.ts",
      String(n),
      when,
    ]);
  const clean = await crash(0, "never");
  assertEquals(clean.code, 0, clean.stderr);
  const ops: Array<[string, string]> = JSON.parse(/ops: (.*)/.exec(clean.stderr)?.[1] ?? "[]");
  // training only ever renames: its temporary files into place, then the run directory
  assert(ops.length >= 2 && ops.every(([op]) => op === "rename"), clean.stderr);
  const total = ops.length;
  await Deno.remove(`${project.dir}/models`, { recursive: true });
  // between two renames training only writes into its hidden directory, so
  // stopped before rename n + 1 it leaves what it leaves stopped after rename
  // n: it stops before the first, after each, and before the run's own
  const stops: Array<[number, string]> = [[1, "before"]];
  for (let n = 1; n <= total; n++) {
    if (n === total && n > 1) stops.push([n, "before"]);
    stops.push([n, "after"]);
  }
  let runsBefore = 0;
  for (const [n, when] of stops) {
    const out = await crash(n, when);
    assertEquals(out.code, 137, `${n} ${when}: ${out.stderr}`);
    const { runs } = await checkRuns(project);
    // only the last rename, the run directory's own, makes a run appear
    const appeared = n === total && when === "after" ? 1 : 0;
    assertEquals(runs.length, runsBefore + appeared, `${n} ${when}`);
    runsBefore = runs.length;
  }
});

const ROUNDS = Number(Deno.args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? "3");
// gradient descent with many steps: a few seconds of solving, long enough to be caught mid-run
const TRAIN = [
  "run",
  "--allow-read",
  "--allow-write=models",
  "train.ts",
  "--solver",
  "gd",
  "--iterations",
  "8000",
];

/** Starts a train, SIGKILLs it after `delay` ms; true when the kill stopped it. */
async function killAfter(dir: string, delay: number): Promise<boolean> {
  const child = new Deno.Command("deno", {
    args: TRAIN,
    cwd: dir,
    stdout: "null",
    stderr: "null",
  }).spawn();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  return !(await killNow(child)).success;
}

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
  const check = async () => {
    for (const name of (await checkRuns(project)).hidden) partials.add(name);
  };
  for (let round = 0; round < ROUNDS; round++) {
    // half the kills late in the run, where the files are written
    const delay = duration * (round % 2 === 0 ? Math.random() : 0.7 + 0.4 * Math.random());
    if (await killAfter(project.dir, delay)) interrupted++;
    await check();
  }
  // a busy machine can make every run outpace its kill: then kill sooner and
  // sooner, down to at once, until one run is stopped before it finishes
  for (let shrink = 2; interrupted === 0; shrink *= 4) {
    const delay = shrink > 512 ? 0 : duration * Math.random() / shrink;
    if (await killAfter(project.dir, delay)) interrupted++;
    await check();
    assert(shrink <= 2048, "no run was interrupted, even when killed at once");
  }
  console.log(`${interrupted} of the runs killed, ${partials.size} partial directories left`);
  // the gate still finds and promotes a complete run
  const gate = await project.deno(["task", "-q", "evaluate"]);
  assertEquals(gate.code, 0, gate.stderr);
  await verifyRun(`${root}/latest`);
});

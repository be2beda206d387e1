import { TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "../_testing/assert.ts";
import { InputError, UsageError } from "../core/errors.ts";
import { loadModel } from "./artifacts.ts";
import type { ModelFile } from "../model/model.ts";
import { latestRunId, listRuns, resolveModel, runIdOf, writeRun } from "./runs.ts";
import { MANIFEST_FILE } from "./layout.ts";
import { promote, pruneRuns } from "./promote.ts";
import { verifyRun, verifySeal } from "./seal.ts";

const { file: TOY } = await trainOn(TOY_CSV);

/** The toy model as if trained at `minute` past midnight, so run ids differ. */
function at(minute: number): ModelFile {
  return { ...TOY, createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString() };
}

async function registry(): Promise<{ root: string } & AsyncDisposable> {
  const root = await Deno.makeTempDir({ prefix: "mvd-registry-" });
  return { root, [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }) };
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("writeRun() seals a run under runs/<run-id> and leaves nothing partial", async () => {
  await using r = await registry();
  const dir = await writeRun(at(0), r);
  assertMatch(dir, /\/runs\/toy-20260101T000000000Z-[0-9a-f]{8}$/);
  assertEquals(names(`${r.root}/runs`), [dir.slice(dir.lastIndexOf("/") + 1)]);
  assertEquals(names(dir), [MANIFEST_FILE, "metrics.json", "model.json", "model_card.md"]);
  const manifest = await verifyRun(dir);
  assertEquals(manifest.runId, dir.slice(dir.lastIndexOf("/") + 1));
  assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/model.json`)).runId, manifest.runId);
});

Deno.test("writeRun() with out writes exactly that directory and refuses to overwrite", async () => {
  await using r = await registry();
  const out = `${r.root}/elsewhere/mine`;
  assertEquals(await writeRun(at(0), { ...r, out }), out);
  await verifyRun(out);
  await assertRejects(
    () => writeRun(at(1), { ...r, out }),
    InputError,
    `Cannot write run "${out}": it exists and is not empty`,
  );
  const empty = `${r.root}/empty`;
  await Deno.mkdir(empty);
  assertEquals(await writeRun(at(2), { ...r, out: `${empty}/` }), empty);
  await verifyRun(empty);
  await Deno.symlink("elsewhere/mine", `${r.root}/link`);
  await assertRejects(
    () => writeRun(at(1), { ...r, out: `${r.root}/link` }),
    InputError,
    "it is a symlink",
  );
});

Deno.test("verifyRun() refuses an unsealed or tampered run", async () => {
  await using r = await registry();
  const dir = await writeRun(at(0), r);
  const model = await Deno.readTextFile(`${dir}/model.json`);
  await Deno.writeTextFile(`${dir}/model.json`, model.replace('"createdAt"', ' "createdAt"'));
  await assertRejects(
    () => verifyRun(dir),
    InputError,
    `Cannot promote "${dir}": model.json does not match its checksum in manifest.json`,
  );
  await Deno.remove(`${dir}/${MANIFEST_FILE}`);
  await assertRejects(
    () => verifyRun(dir),
    InputError,
    "no manifest.json, so the run is incomplete (was training interrupted?)",
  );
});

Deno.test("verifySeal() passes a plain directory and refuses a sealed one that does not match", async () => {
  await using r = await registry();
  const dir = await writeRun(at(0), r);
  assertEquals((await verifySeal(dir))?.runId, dir.slice(dir.lastIndexOf("/") + 1));
  await Deno.writeTextFile(`${dir}/metrics.json`, "{}\n");
  await assertRejects(
    () => verifySeal(dir),
    InputError,
    `Cannot load model "${dir}": metrics.json does not match its checksum in manifest.json`,
  );
  await Deno.remove(`${dir}/${MANIFEST_FILE}`);
  assertEquals(await verifySeal(dir), null);
});

Deno.test("promote() points latest at the run with a relative symlink; earlier runs stay intact", async () => {
  await using r = await registry();
  const first = await writeRun(at(0), r);
  const second = await writeRun(at(1), r);
  const before = await Deno.readFile(`${first}/model.json`);
  const one = await promote(first, r);
  assertEquals(one.previous, null);
  const two = await promote(second, r);
  assertEquals(two.previous, one.runId);
  assertEquals(await Deno.readLink(`${r.root}/latest`), `runs/${two.runId}`);
  assertEquals(await latestRunId(r), two.runId);
  assertEquals(await Deno.readFile(`${first}/model.json`), before);
  await verifyRun(first);
  assertEquals(await listRuns(r), [one.runId, two.runId]);
  // no temporary symlink is left behind
  assertEquals(names(r.root), ["latest", "runs"]);
});

Deno.test("promote() refuses a partial run and a directory outside runs/", async () => {
  await using r = await registry();
  const partial = `${r.root}/runs/.20260101T000000000Z-00000000.partial-abcdef12`;
  await Deno.mkdir(partial, { recursive: true });
  await assertRejects(
    () => promote(partial, r),
    InputError,
    "it is not a run; only runs in",
  );
  const out = await writeRun(at(0), { ...r, out: `${r.root}/other/x` });
  await assertRejects(() => promote(out, r), InputError, "it is not a run");
  assertEquals(await latestRunId(r), null);
});

Deno.test("promote() moves a legacy real latest directory into runs/ instead of deleting it", async () => {
  await using r = await registry();
  await Deno.mkdir(`${r.root}/latest`, { recursive: true });
  await Deno.writeTextFile(`${r.root}/latest/model.json`, "{}");
  const run = await writeRun(at(0), r);
  const done = await promote(run, r);
  assertMatch(done.migrated!, /\/runs\/legacy-\d{8}T\d{9}Z$/);
  assertEquals(await Deno.readTextFile(`${done.migrated}/model.json`), "{}");
  assertEquals(await latestRunId(r), done.runId);
});

Deno.test("promote() replaces a legacy latest that holds only .gitkeep", async () => {
  await using r = await registry();
  await Deno.mkdir(`${r.root}/latest`, { recursive: true });
  await Deno.writeTextFile(`${r.root}/latest/.gitkeep`, "");
  assertEquals(await latestRunId(r), null);
  const done = await promote(await writeRun(at(0), r), r);
  assertEquals(done.migrated, null);
  assertEquals((await Deno.lstat(`${r.root}/latest`)).isSymlink, true);
});

Deno.test("pruneRuns() keeps the newest runs and never latest's target", async () => {
  await using r = await registry();
  const dirs = [];
  for (let m = 0; m < 4; m++) dirs.push(await writeRun(at(m), r));
  const oldest = await promote(dirs[0]!, r);
  const deleted = await pruneRuns(2, r);
  const ids = await listRuns(r);
  assertEquals(ids.length, 3);
  assert(ids.includes(oldest.runId));
  assertEquals(deleted.length, 1);
  assert(!ids.includes(deleted[0]!));
  assertEquals(names(`${r.root}/runs`), ids);
});

Deno.test("pruneRuns() removes partial runs of dead trainers once an hour old", async () => {
  await using r = await registry();
  await promote(await writeRun(at(0), r), r);
  const partial = `${r.root}/runs/.20260101T000100000Z-00000000.partial-abcdef12`;
  const fresh = `${r.root}/runs/.20260101T000200000Z-00000000.partial-12345678`;
  await Deno.mkdir(partial);
  await Deno.mkdir(fresh);
  const old = new Date(Date.now() - 2 * 3600_000);
  await Deno.utime(partial, old, old);
  await pruneRuns(5, r);
  assertEquals(names(`${r.root}/runs`).filter((n) => n.startsWith(".")), [
    ".20260101T000200000Z-00000000.partial-12345678",
  ]);
});

Deno.test("resolveModel() accepts latest, a run id or a path", async () => {
  await using r = await registry();
  const dir = await writeRun(at(0), r);
  const id = dir.slice(dir.lastIndexOf("/") + 1);
  assertEquals(await resolveModel("latest", r), `${r.root}/latest`);
  assertEquals(await resolveModel(id, r), `${r.root}/runs/${id}`);
  assertEquals(await resolveModel("some/dir/", r), "some/dir");
});

Deno.test("a reader of latest sees one run or the other, never a gap, while promotions flip", async () => {
  await using r = await registry();
  const a = await writeRun(at(0), r);
  const b = await writeRun(at(1), r);
  await promote(a, r);
  let done = false;
  const seen = new Map<string, number>();
  const failures: string[] = [];
  const reader = (async () => {
    while (!done) {
      try {
        // loadModel throws on a missing or half-written model.json
        const id = (await loadModel(`${r.root}/latest`)).file.runId!;
        seen.set(id, (seen.get(id) ?? 0) + 1);
      } catch (err) {
        failures.push(String(err));
      }
    }
  })();
  for (let i = 0; i < 60; i++) await promote(i % 2 === 0 ? b : a, r);
  done = true;
  await reader;
  assertEquals(failures, []);
  assertEquals([...seen.keys()].sort(), [a, b].map((d) => d.slice(d.lastIndexOf("/") + 1)).sort());
});

Deno.test("a sealed directory of runs/ under any name is a run, listed by its creation time", async () => {
  await using r = await registry();
  const stamped = await writeRun(at(1), r);
  const named = await writeRun(at(2), { ...r, out: `${r.root}/runs/churn-v2` });
  assertEquals(named, `${r.root}/runs/churn-v2`);
  // named by its directory, in model.json and the manifest alike
  assertEquals((await verifyRun(named)).runId, "churn-v2");
  assertEquals((await loadModel(named)).file.runId, "churn-v2");
  // a run written elsewhere by an older version and moved in: its manifest has no createdAt
  const moved = await writeRun(at(0), { ...r, out: `${r.root}/elsewhere/older` });
  const manifest = JSON.parse(await Deno.readTextFile(`${moved}/${MANIFEST_FILE}`));
  delete manifest.createdAt;
  await Deno.writeTextFile(`${moved}/${MANIFEST_FILE}`, JSON.stringify(manifest));
  await Deno.rename(moved, `${r.root}/runs/older`);
  // an unsealed directory of another name is no run
  await Deno.mkdir(`${r.root}/runs/scratch`);
  const id = stamped.slice(stamped.lastIndexOf("/") + 1);
  assertEquals(await listRuns(r), ["older", id, "churn-v2"]);
  assertEquals(await runIdOf(named, r), "churn-v2");
  assertEquals(await runIdOf(`${r.root}/elsewhere`, r), null);
  const done = await promote(named, r);
  assertEquals([done.runId, await latestRunId(r)], ["churn-v2", "churn-v2"]);
  assertEquals(await runIdOf(`${r.root}/latest`, r), "churn-v2");
  // pruning counts it among the runs of its model's name, and spares latest
  assertEquals(await pruneRuns(1, { ...r, name: "toy" }), ["older", id]);
});

Deno.test("writeRun() refuses an out nested in runs/ or hidden there, saying how to name a run", async () => {
  await using r = await registry();
  for (
    const [out, reason] of [
      [`${r.root}/runs/team/churn`, `runs lie directly in ${r.root}/runs/, not deeper`],
      [`${r.root}/runs/.churn`, `a run's name cannot start with "."`],
    ]
  ) {
    await assertRejects(
      () => writeRun(at(0), { ...r, out }),
      UsageError,
      `Cannot write run "${out}": ${reason}`,
    );
  }
  await assertRejects(
    () => writeRun(at(0), { ...r, out: `${r.root}/runs/a/b` }),
    UsageError,
    `; name a run with --name NAME (runs/<NAME>-<time>-<hash>) or --out ${r.root}/runs/NAME`,
  );
  assertEquals(await listRuns(r), []);
});

Deno.test({
  name: "resolveModel() without read permission names the flag that grants it",
  permissions: { read: false },
  async fn() {
    for (const value of ["latest", "toy-20260101T000000000Z-00000000", "models/runs/x"]) {
      await assertRejects(
        () => resolveModel(value),
        UsageError,
        `Cannot use model "${value}": it needs permission to read models/: run with --allow-read=models`,
      );
    }
    // a path that leads elsewhere is still refused for where it leads
    await assertRejects(() => resolveModel("/tmp/x"), UsageError, "it lies outside models/");
  },
});

import { Registry } from "prom-client";
import { IRIS_CSV, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assertEquals } from "../_testing/assert.ts";
import { ModelHolder } from "../http/holder.ts";
import { Logger } from "../core/log.ts";
import { createHttpMetrics } from "../http/prometheus.ts";
import { loadModel } from "../registry/artifacts.ts";
import { MODEL_FILE } from "../registry/layout.ts";
import { type ModelFile, modelToJson, modelVersion } from "../model/model.ts";
import { MANIFEST_FILE } from "../registry/layout.ts";
import { writeRun } from "../registry/runs.ts";
import { Reloader } from "./reload.ts";

const { file: TOY } = await trainOn(TOY_CSV);

/** The toy model as if trained at `minute` past midnight, so runs differ. */
function at(minute: number): ModelFile {
  return { ...TOY, createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString() };
}

/** A reloader on `dir` (in registry `root`) with a fresh holder, metrics and a log kept in memory. */
function reloader(dir: string, root: string) {
  const holder = new ModelHolder();
  const registry = new Registry();
  const metrics = createHttpMetrics(registry);
  const lines: Array<Record<string, unknown>> = [];
  const logger = new Logger("debug", (line) => void lines.push(JSON.parse(line)));
  const count = async (result: string) =>
    (await metrics.reloads.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  return { holder, lines, count, reloader: new Reloader({ holder, dir, root, metrics, logger }) };
}

async function tempRoot(): Promise<{ root: string } & AsyncDisposable> {
  const root = await Deno.makeTempDir({ prefix: "mvd-reload-" });
  return { root, [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }) };
}

/** Points `<root>/latest` at `target` the way promotion does: a new symlink renamed over. */
async function point(root: string, target: string): Promise<void> {
  await Deno.symlink(target, `${root}/.latest.tmp`);
  await Deno.rename(`${root}/.latest.tmp`, `${root}/latest`);
}

Deno.test("Reloader loads a sealed run through latest and a plain directory without a manifest", async () => {
  await using r = await tempRoot();
  const run = await writeRun(at(0), r);
  await point(r.root, `runs/${run.slice(run.lastIndexOf("/") + 1)}`);
  const sealed = reloader(`${r.root}/latest`, r.root);
  assertEquals(await sealed.reloader.reload("startup"), "success");
  assertEquals(sealed.holder.current?.version, await modelVersion((await loadModel(run)).file));
  assertEquals(sealed.holder.current?.source, `${r.root}/latest`);

  // a user's own directory: model.json only, nothing to verify it against
  const plain = `${r.root}/mine`;
  await Deno.mkdir(plain);
  await Deno.writeTextFile(`${plain}/${MODEL_FILE}`, modelToJson(at(1)));
  const own = reloader(plain, r.root);
  assertEquals(await own.reloader.reload("startup"), "success");
  assertEquals(own.holder.current?.version, await modelVersion(at(1)));
  assertEquals(await own.count("success"), 1);
});

Deno.test("Reloader refuses a sealed run whose model.json no longer matches its manifest", async () => {
  await using r = await tempRoot();
  const good = await writeRun(at(0), r);
  const bad = await writeRun(at(1), r);
  // a change that still loads as a model: only the seal can catch it
  const text = await Deno.readTextFile(`${bad}/${MODEL_FILE}`);
  await Deno.writeTextFile(`${bad}/${MODEL_FILE}`, text.replace('"createdAt"', ' "createdAt"'));
  await point(r.root, `runs/${good.slice(good.lastIndexOf("/") + 1)}`);
  const t = reloader(`${r.root}/latest`, r.root);
  assertEquals(await t.reloader.reload("startup"), "success");
  const serving = t.holder.current?.version;

  await point(r.root, `runs/${bad.slice(bad.lastIndexOf("/") + 1)}`);
  assertEquals(await t.reloader.reload("signal"), "failure");
  assertEquals(t.holder.current?.version, serving, "the old model keeps serving");
  const line = t.lines.at(-1);
  assertEquals(line?.msg, "model load failed");
  assertEquals(line?.level, "warn");
  assertEquals(line?.serving, serving);
  assertEquals(
    line?.error,
    `Cannot load model "${await Deno.realPath(
      bad,
    )}": model.json does not match its checksum in manifest.json`,
  );
  assertEquals(await t.count("failure"), 1);

  // with nothing served yet the same run is refused too (serve exits on it)
  const fresh = reloader(`${r.root}/latest`, r.root);
  assertEquals(await fresh.reloader.reload("startup"), "failure");
  assertEquals(fresh.holder.current, null);
  assertEquals(fresh.lines.at(-1)?.level, "error");

  // and a run whose manifest is broken is refused, not taken for a plain directory
  await point(r.root, `runs/${good.slice(good.lastIndexOf("/") + 1)}`);
  await Deno.writeTextFile(`${good}/${MANIFEST_FILE}`, "{");
  assertEquals(await t.reloader.reload("signal"), "failure");
  assertEquals(
    t.lines.at(-1)?.error,
    `Cannot load model "${await Deno.realPath(good)}": manifest.json is not valid JSON`,
  );
  assertEquals(t.holder.current?.version, serving);
});

Deno.test("Reloader refuses a model its clients could not use, keeps serving, and takes a compatible one", async () => {
  await using r = await tempRoot();
  const base = (dir: string) => dir.slice(dir.lastIndexOf("/") + 1);
  const toy = await writeRun(at(0), r);
  await point(r.root, `runs/${base(toy)}`);
  const t = reloader(`${r.root}/latest`, r.root);
  assertEquals(await t.reloader.reload("startup"), "success");
  const serving = t.holder.current?.version;

  // another dataset promoted by mistake: other features, other classes
  const iris = await writeRun((await trainOn(IRIS_CSV)).file, r);
  await point(r.root, `runs/${base(iris)}`);
  assertEquals(await t.reloader.reload("signal"), "incompatible");
  assertEquals(t.holder.current?.version, serving, "the old model keeps serving");
  assertEquals(t.holder.ready, true);
  assertEquals(await t.count("incompatible"), 1);
  const line = t.lines.at(-1);
  assertEquals(line?.msg, "model reload refused");
  assertEquals(line?.level, "warn");
  assertEquals(
    (line?.changes as string[])[0],
    'classes [0, 1] → ["setosa", "versicolor", "virginica"]',
  );
  assertEquals((line?.changes as string[]).length, 3);
  assertEquals(String(line?.hint).includes("restart to serve it"), true);

  // the same schema with new weights is taken as before
  const next = await writeRun(at(2), r);
  await point(r.root, `runs/${base(next)}`);
  assertEquals(await t.reloader.reload("signal"), "success");
  assertEquals(t.holder.current?.model.file.createdAt, at(2).createdAt);

  // and a restart serves whatever latest is
  await point(r.root, `runs/${base(iris)}`);
  const restarted = reloader(`${r.root}/latest`, r.root);
  assertEquals(await restarted.reloader.reload("startup"), "success");
  assertEquals(restarted.holder.current?.model.file.target, "label");
  assertEquals(restarted.holder.current?.model.classes, ["setosa", "versicolor", "virginica"]);
});

Deno.test("Reloader refuses a model.json that links outside the registry", async () => {
  await using r = await tempRoot();
  const outside = await Deno.makeTempDir({ prefix: "mvd-outside-" });
  try {
    await Deno.writeTextFile(`${outside}/${MODEL_FILE}`, modelToJson(at(0)));
    await Deno.mkdir(`${r.root}/plain`);
    await Deno.symlink(`${outside}/${MODEL_FILE}`, `${r.root}/plain/${MODEL_FILE}`);
    const t = reloader(`${r.root}/plain`, r.root);
    assertEquals(await t.reloader.reload("startup"), "failure");
    const dir = await Deno.realPath(`${r.root}/plain`);
    assertEquals(
      t.lines.at(-1)?.error,
      `Cannot load model "${dir}": model.json lies outside ${r.root}/ (symlinks and .. resolved): models are read only from the registry`,
    );
    // a whole directory elsewhere, reached through a link, is refused the same way
    await Deno.symlink(outside, `${r.root}/linked`);
    const linked = reloader(`${r.root}/linked`, r.root);
    assertEquals(await linked.reloader.reload("startup"), "failure");
    assertEquals(String(linked.lines.at(-1)?.error).includes("lies outside"), true);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

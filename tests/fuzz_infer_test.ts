// Property-based fuzzing of infer.ts: exit 0 with the right labels, or exit 2
// with one `error:` line — never exit 1, a stack trace or a leaked path.
// Most cases run its main() in this process, imported from the project's
// copy of infer.ts so that it loads that project's models/latest as the
// process does, and ended as its `fail` ends it. A few run `deno run
// infer.ts` for real, with no permission flags: a process costs ~0.3
// CPU-seconds, so 3 here (`deno task fuzz` runs 200, and 2,000 in-process).
import fc from "fast-check";
import { assert, assertEquals, assertMatch } from "../lib/_testing/assert.ts";
import { TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import type { Model } from "../lib/model/model.ts";
import { loadModel } from "../lib/registry/artifacts.ts";
import {
  inferIn,
  makeProject,
  type Output,
  type Project,
  promoteNewest,
  runDeno,
  writeRunAt,
} from "./_project.ts";
import { fuzzParams, isBatch, leakIn, parsed, rawBodies, validRows } from "./_fuzz.ts";

const { file: TOY } = await trainOn(TOY_CSV);

/** A project whose `models/latest` is the toy model, trained and promoted in this process. */
async function promotedProject(): Promise<{ project: Project; model: Model }> {
  const project = await makeProject();
  await writeRunAt(project, TOY, 0);
  await promoteNewest(project);
  return { project, model: await loadModel(`${project.dir}/models/latest`) };
}

const decode = (body: string | Uint8Array) =>
  typeof body === "string" ? body : new TextDecoder().decode(body);

/** What infer must answer `text` with: the right labels, or one error line and exit 2. */
function checkAnswer(model: Model, text: string, out: Output): void {
  const shown = `${JSON.stringify(text.slice(0, 200))} → exit ${out.code} ${
    out.stdout.slice(0, 200)
  }${out.stderr.slice(0, 300)}`;
  const payload = parsed(text);
  const rows = payload.ok ? validRows(payload.value, model) : undefined;
  if (out.code === 0) {
    assert(rows, `exit 0 for an invalid input: ${shown}`);
    assertEquals(out.stderr, "", shown);
    const labels = Array.from(
      model.predictRows(rows as never).classes,
      (k) => model.classes[k],
    );
    const want = payload.ok && isBatch(payload.value) ? labels : labels[0];
    assertEquals(out.stdout, `${JSON.stringify(want)}\n`, shown);
    return;
  }
  assertEquals(out.code, 2, shown);
  assert(!rows, `a valid input was refused: ${shown}`);
  assertEquals(out.stdout, "", shown);
  assertMatch(out.stderr, /^error: (Cannot read input|Invalid input): [^\n]*\n$/, shown);
  const leak = leakIn(out.stderr, text);
  assert(leak === undefined, `internals leaked (${leak}): ${shown}`);
}

Deno.test("infer's main answers any stdin with the right labels or one error line and exit 2", async () => {
  const { project, model } = await promotedProject();
  await using _ = project;
  const infer = await inferIn(project);
  await fc.assert(
    fc.asyncProperty(rawBodies(model.file.features), async (body) => {
      const text = decode(body);
      checkAnswer(model, text, await infer(text));
    }),
    fuzzParams(100, 10),
  );
});

Deno.test("infer.ts answers any stdin with the right labels or one error line and exit 2, as a process", async () => {
  const { project, model } = await promotedProject();
  await using _ = project;
  let answered = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(rawBodies(model.file.features), async (body) => {
      const text = decode(body);
      // a hang is a failure too: the process is killed after 30 s
      const out = await runDeno(["run", "infer.ts"], {
        cwd: project.dir,
        stdin: text,
        signal: AbortSignal.timeout(30_000),
      });
      checkAnswer(model, text, out);
      if (out.code === 0) answered++;
      else refused++;
    }),
    // an answered and a refused input (counted in the runs), then random ones
    { ...fuzzParams(3, 100), examples: [['[{"f1":1,"f2":0}]'], ['{"f1":1,"f2":"0"}']] },
  );
  assert(answered > 0 && refused > 0, `${answered} answered, ${refused} refused`);
});

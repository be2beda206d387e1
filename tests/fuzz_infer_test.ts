// Property-based fuzzing of infer.ts as a user runs it (a subprocess per
// case, so fewer cases): exit 0 with the right labels, or exit 2 with one
// `error:` line — never exit 1, a stack trace or a leaked path.
import fc from "fast-check";
import { assert, assertEquals, assertMatch } from "../lib/_testing/assert.ts";
import { loadModel } from "../lib/registry/artifacts.ts";
import { makeProject, runDeno } from "./_project.ts";
import { fuzzParams, isBatch, leakIn, parsed, rawBodies, validRows } from "./_fuzz.ts";

Deno.test("infer.ts answers any stdin with the right labels or one error line and exit 2", async () => {
  await using project = await makeProject();
  await project.trainAndPromote();
  const model = await loadModel(`${project.dir}/models/latest`);
  await fc.assert(
    fc.asyncProperty(rawBodies(model.file.features), async (body) => {
      const text = typeof body === "string" ? body : new TextDecoder().decode(body);
      // a hang is a failure too: the process is killed after 30 s
      const out = await runDeno(["run", "infer.ts"], {
        cwd: project.dir,
        stdin: text,
        signal: AbortSignal.timeout(30_000),
      });
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
    }),
    fuzzParams(20, 100),
  );
});

import { TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assertEquals } from "../_testing/assert.ts";
import { latestRunId, writeRun } from "../registry/runs.ts";
import { runGate } from "./run.ts";
import { SEED_THRESHOLDS } from "./rules.ts";

const { file: TOY } = await trainOn(TOY_CSV);

Deno.test("runGate() without a model gates the newest run, one written to runs/<NAME> included", async () => {
  const root = await Deno.makeTempDir({ prefix: "mvd-gate-" });
  try {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
    await writeRun({ ...TOY, createdAt: at(0) }, { root });
    const named = await writeRun({ ...TOY, createdAt: at(1) }, {
      root,
      out: `${root}/runs/churn-v2`,
    });
    const gate = await runGate({ root, thresholds: SEED_THRESHOLDS, promote: true, keep: 10 });
    assertEquals([gate.model, gate.runId, gate.promoted], [named, "churn-v2", true]);
    assertEquals(await latestRunId({ root }), "churn-v2");
    // gating latest again compares it with nothing: it is the same run
    const again = await runGate({
      root,
      model: "latest",
      thresholds: SEED_THRESHOLDS,
      promote: false,
      keep: 10,
    });
    assertEquals([again.runId, again.schemaChanges], ["churn-v2", []]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

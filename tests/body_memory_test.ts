// What hostile bodies cost the real server: memory and answers, with the
// serve task's own flags. The figures behind docs/http-api.md's limits come
// from bench/body_memory.ts, which measures the peak with more kinds of body.
import { assert, assertEquals } from "../lib/_testing/assert.ts";
import { makeProject } from "./_project.ts";
import { startServer } from "./_server.ts";

const MiB = 2 ** 20;

/** The most resident memory the server has used so far, as its /metrics reports it. */
async function peakRss(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^mvd_peak_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
}

Deno.test("16 concurrent 1 MiB bodies of nested arrays leave the server's memory bounded, each answered 400", async () => {
  // issue 14: three rounds of these took the server from 77 MB to 641 MB, over the pod's 256Mi
  await using project = await makeProject();
  await project.trainAndPromote(["--iterations", "200"]);
  await using server = await startServer(project.dir);
  const n = Math.floor(MiB / 2) - 1;
  const body = "[".repeat(n) + "]".repeat(n);
  const before = await peakRss(server.base);
  const statuses = new Set<number>();
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 16 }, async () => {
      const res = await fetch(`${server.base}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      statuses.add(res.status);
      await res.body?.cancel();
    }));
  }
  const peak = await peakRss(server.base);
  const grew = (peak - before) / MiB;
  console.log(
    `peak RSS ${(before / MiB).toFixed(0)} MB before, ${(peak / MiB).toFixed(0)} MB after`,
  );
  assert(grew < 200, `peak RSS grew by ${grew.toFixed(0)} MB`);
  assertEquals([...statuses], [400]);
});

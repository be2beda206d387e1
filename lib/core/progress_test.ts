import { assertEquals } from "../_testing/assert.ts";
import { progressTo } from "./progress.ts";

Deno.test("progressTo() rewrites one status line, throttled, shows the last one and ends it once", () => {
  const written: string[] = [];
  let clock = 0;
  const progress = progressTo((t) => written.push(t), { intervalMs: 100, now: () => clock });
  progress("reading: 1 rows");
  clock = 50;
  progress("reading: 2 rows");
  clock = 150;
  progress("fitting: iteration 1");
  clock = 160;
  progress("fitting: iteration 2");
  progress.done();
  progress.done();
  assertEquals(written, [
    "\r\x1b[2Kreading: 1 rows",
    "\r\x1b[2Kfitting: iteration 1",
    "\r\x1b[2Kfitting: iteration 2",
    "\n",
  ]);
});

Deno.test("progressTo() writes nothing at all when nothing was reported", () => {
  const written: string[] = [];
  progressTo((t) => written.push(t)).done();
  assertEquals(written, []);
});

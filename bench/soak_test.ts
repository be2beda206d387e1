import { assert, assertAlmostEquals, assertEquals } from "../lib/_testing/assert.ts";
import { checkMix, correlation, median, memoryReport, type Sample, slope } from "./soak.ts";
import { parseWrk } from "./wrk.ts";

const WRK_OUTPUT = `Running 3s test @ http://127.0.0.1:8391/predict
  2 threads and 8 connections
  Latency Distribution
     50%  711.00us
     75%    1.49ms
     90%    1.79ms
     99%    3.30ms
  24245 requests in 3.10s, 107.69MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4849
Requests/sec:   7825.37
Transfer/sec:     34.76MB
mixed: sent_single=16978 sent_batch=2425 sent_400=1213 sent_415=607 sent_422=3029 got_2xx=19396 got_400=1213 got_415=607 got_422=3029 got_4xx_other=0 got_5xx=0 got_other=0
`;

Deno.test("parseWrk() reads latencies, counts and the mixed script's counters", () => {
  const r = parseWrk(WRK_OUTPUT);
  assertEquals(r.p50, 0.711);
  assertEquals(r.p99, 3.3);
  assertEquals(r.requests, 24245);
  assertEquals(r.rps, 7825.37);
  assertEquals(r.socketErrors, 3);
  assertEquals(r.errors, 4852);
  assertEquals(r.mixed?.sent_422, 3029);
  assertEquals(r.mixed?.got_2xx, 19396);
  assertEquals(parseWrk("  1 requests in 1.00s\n").mixed, undefined);
});

const SENT = {
  sent_single: 700,
  sent_batch: 100,
  sent_400: 50,
  sent_415: 50,
  sent_422: 100,
};

Deno.test("checkMix() accepts answers short of what was sent by the requests in flight", () => {
  const c = checkMix({
    ...SENT,
    got_2xx: 790,
    got_400: 50,
    got_415: 49,
    got_422: 100,
    got_4xx_other: 0,
    got_5xx: 0,
    got_other: 0,
  }, 64);
  assertEquals(c.mismatches, []);
  assert(c.matches);
  assertEquals([c.ok, c.clientErrors, c.serverErrors, c.invalidSent], [790, 199, 0, 200]);
});

Deno.test("checkMix() refuses a server that answers 400 to everything, or any 5xx", () => {
  const all400 = checkMix({
    ...SENT,
    got_2xx: 0,
    got_400: 1000,
    got_415: 0,
    got_422: 0,
    got_4xx_other: 0,
    got_5xx: 0,
    got_other: 0,
  }, 8);
  assert(!all400.matches);
  assertEquals(all400.mismatches, [
    "2xx: sent 800, answered 0",
    "400: sent 50, answered 1000",
    "415: sent 50, answered 0",
    "422: sent 100, answered 0",
  ]);
  const one500 = checkMix({
    ...SENT,
    got_2xx: 799,
    got_400: 50,
    got_415: 50,
    got_422: 100,
    got_4xx_other: 0,
    got_5xx: 1,
    got_other: 0,
  }, 64);
  assertEquals(one500.mismatches, ["5xx: 1"]);
  assertEquals(one500.serverErrors, 1);
  // a script that printed nothing is not a pass
  assert(!checkMix({}, 64).matches);
});

Deno.test("slope(), correlation() and median() fit, relate and centre series", () => {
  assertAlmostEquals(slope([[0, 1], [1, 3], [2, 5]]), 2);
  assertAlmostEquals(slope([[0, 0], [1, 2], [2, 0], [3, 2]]), 0.4);
  assert(Number.isNaN(slope([[1, 1], [1, 2]])));
  assertEquals(median([3, 1, 2]), 2);
  assertAlmostEquals(correlation([1, 2, 3], [10, 20, 30]), 1);
  assertAlmostEquals(correlation([1, 2, 3], [3, 2, 1]), -1);
  assert(Number.isNaN(correlation([1, 2, 3], [5, 5, 5])));
  assert(Number.isNaN(median([])));
});

const MIB = 2 ** 20;

/** Samples every 5 s over 300 s, RSS given in MiB by `rss(t)`. */
function samples(rss: (t: number) => number): Sample[] {
  return Array.from(
    { length: 61 },
    (_, i) => ({ t: i * 5, rss: rss(i * 5) * MIB, heapUsed: 0, cpu: 0 }),
  );
}
const ENDS = Array.from({ length: 10 }, (_, i) => (i + 1) * 30);

Deno.test("memoryReport() sees through GC swings that a start/end pair would read as growth", () => {
  // a saw-tooth between 100 and 146 MiB that happens to end high
  const m = memoryReport(samples((t) => (t % 60 >= 40 || t === 300 ? 146 : 100)), ENDS);
  assertEquals(m.afterWarmUp, 100 * MIB);
  assertEquals(m.max, 146 * MIB);
  assertEquals(m.firstMinute, m.lastMinute);
  assertEquals(m.growth, 0);
  assert(Math.abs(m.slopeMiBPerMin) < 2, String(m.slopeMiBPerMin));
});

Deno.test("memoryReport() reports a steady leak as growth and slope", () => {
  // 100 MiB plus 4 MiB a minute
  const m = memoryReport(samples((t) => 100 + (4 * t) / 60), ENDS);
  assertAlmostEquals(m.slopeMiBPerMin, 4, 1e-9);
  assertAlmostEquals(m.afterWarmUp / MIB, 102, 1e-9);
  // medians of t in [30, 90] (t = 60) and [240, 300] (t = 270)
  assertAlmostEquals(m.growth, 118 / 104 - 1, 1e-9);
  // last two slices: t in [240, 300], median t = 270
  assertAlmostEquals(m.lastTwoSlices / MIB, 118, 1e-9);
  assertAlmostEquals(m.max / MIB, 120, 1e-9);
});

import { assertEquals } from "./assert.ts";
import { checkGate, SEED_THRESHOLDS } from "./gate.ts";

Deno.test("checkGate() passes scores at or above both thresholds", () => {
  assertEquals(checkGate({ accuracy: 0.7, f1: 0.9 }, SEED_THRESHOLDS), {
    passed: true,
    failures: [],
  });
});

Deno.test("checkGate() names each threshold missed", () => {
  assertEquals(checkGate({ accuracy: 0.5, f1: 0.69 }, SEED_THRESHOLDS), {
    passed: false,
    failures: ["accuracy 0.5000 is below 0.7", "f1 0.6900 is below 0.7"],
  });
});

Deno.test("checkGate() fails NaN scores rather than passing them", () => {
  assertEquals(checkGate({ accuracy: NaN, f1: 1 }, SEED_THRESHOLDS).passed, false);
});

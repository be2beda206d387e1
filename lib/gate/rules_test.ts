import { assertEquals } from "../_testing/assert.ts";
import { checkGate, checkRegression, SEED_THRESHOLDS } from "./rules.ts";

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

Deno.test("checkRegression() allows a drop within the tolerance and names a larger one", () => {
  const latest = { accuracy: 0.9, f1: 0.8 };
  assertEquals(checkRegression({ accuracy: 0.88, f1: 0.85 }, latest, 0.02), []);
  assertEquals(checkRegression({ accuracy: 0.85, f1: 0.8 }, latest, 0.02), [
    "accuracy 0.8500 regressed from 0.9000 (latest) by more than 0.02",
  ]);
  assertEquals(checkRegression({ accuracy: NaN, f1: 0.8 }, latest, 1).length, 1);
});

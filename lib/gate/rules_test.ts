import { assertEquals } from "../_testing/assert.ts";
import { belowMajority, checkGate, checkRegression, SEED_THRESHOLDS } from "./rules.ts";

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

Deno.test("belowMajority() warns when the model does not beat always predicting the majority", () => {
  const report = {
    rows: 100,
    accuracy: 0.96,
    f1: 0.49,
    labels: ["0", "1"],
    perClass: [
      { label: "0", precision: 0.97, recall: 0.99, f1: 0.98, support: 97 },
      { label: "1", precision: 0, recall: 0, f1: 0, support: 3 },
    ],
    confusion: [[96, 1], [3, 0]],
    logLoss: null,
    rocAuc: null,
    balancedAccuracy: 0.495,
    majority: { label: "0", accuracy: 0.97, f1: 0.4924 },
  };
  assertEquals(
    belowMajority(report),
    'the model does not beat the majority-class baseline, always predicting "0": accuracy 0.9600 against 0.9700, macro F1 0.4900 against 0.4924 (balanced accuracy 0.4950, the baseline\'s is 0.5000)',
  );
  assertEquals(belowMajority({ ...report, accuracy: 0.98, f1: 0.8 }), undefined);
  assertEquals(belowMajority({ ...report, majority: undefined }), undefined);
});

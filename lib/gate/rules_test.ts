import { assertEquals } from "../_testing/assert.ts";
import {
  belowMajority,
  checkGate,
  checkRegression,
  majorityBalancedAccuracy,
  SEED_THRESHOLDS,
} from "./rules.ts";

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

/**
 * A two-class report on 97 rows of "0" and 3 of "1" with these recalls
 * (accuracy and balanced accuracy follow), whose baseline scores 0.97 and 0.4924.
 */
function twoClassReport(f1: number, recall: [number, number]) {
  const right = [Math.round(97 * recall[0]), Math.round(3 * recall[1])] as const;
  return {
    rows: 100,
    accuracy: (right[0] + right[1]) / 100,
    f1,
    labels: ["0", "1"],
    perClass: recall.map((r, k) => ({
      label: String(k),
      precision: 0.5,
      recall: r,
      f1: 0.5,
      support: k === 0 ? 97 : 3,
    })),
    confusion: [[right[0], 97 - right[0]], [3 - right[1], right[1]]],
    logLoss: null,
    rocAuc: null,
    balancedAccuracy: (recall[0] + recall[1]) / 2,
    majority: { label: "0", accuracy: 0.97, f1: 0.4924 },
  };
}

Deno.test("belowMajority() warns when the model does not beat always predicting the majority", () => {
  const report = twoClassReport(0.49, [0.99, 0]);
  assertEquals(
    belowMajority(report),
    'the model does not beat the majority-class baseline, always predicting "0": balanced accuracy 0.4950 against 0.5000, macro F1 0.4900 against 0.4924 (accuracy 0.9600, the baseline\'s is 0.9700)',
  );
  assertEquals(
    belowMajority({ ...report, accuracy: 0.98, f1: 0.8, balancedAccuracy: 0.8 }),
    undefined,
  );
  assertEquals(belowMajority({ ...report, majority: undefined }), undefined);
});

Deno.test("belowMajority() judges balanced accuracy and macro F1, not accuracy", () => {
  // --class-weight balanced: below the baseline's accuracy, well above it in balance
  const weighted = twoClassReport(0.55, [0.8, 0.72]);
  assertEquals(belowMajority(weighted), undefined);
  // at chance in balance, though accuracy beats the baseline
  assertEquals(
    belowMajority({ ...weighted, accuracy: 0.99, balancedAccuracy: 0.5 }),
    'the model does not beat the majority-class baseline, always predicting "0": balanced accuracy 0.5000 against 0.5000 (accuracy 0.9900, the baseline\'s is 0.9700)',
  );
  assertEquals(
    majorityBalancedAccuracy({
      perClass: [...weighted.perClass, { ...weighted.perClass[0]!, support: 0 }],
    }),
    0.5,
  );
});

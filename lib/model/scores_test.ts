import { assertAlmostEquals, assertEquals, assertThrows } from "../_testing/assert.ts";
import {
  averagePrecision,
  classificationReport,
  confusionMatrix,
  logLoss,
  rocAuc,
  scores,
  withLabels,
} from "./scores.ts";

Deno.test("scores() matches scikit-learn's accuracy and macro F1", () => {
  // per class F1: 2·1/(2+2), 2·2/(2+3), 0 → macro 0.4333…, as f1_score(average="macro")
  const truth = [0, 0, 1, 1, 2];
  const predicted = [0, 1, 1, 1, 0];
  const s = scores(truth, predicted, 3);
  assertAlmostEquals(s.accuracy, 0.6);
  assertAlmostEquals(s.f1, 1.3 / 3, 1e-12);
});

Deno.test("scores() leaves out classes absent from truth and prediction", () => {
  const s = scores([0, 1], [0, 1], 5);
  assertEquals(s, { accuracy: 1, f1: 1 });
});

Deno.test("scores() refuses an empty set", () => {
  assertThrows(() => scores([], [], 2), RangeError, "no rows");
});

Deno.test("confusionMatrix() counts truth by row, prediction by column", () => {
  assertEquals(confusionMatrix([0, 0, 1], [0, 1, 1], 2), [[1, 1], [0, 1]]);
});

// Expected figures computed once with scikit-learn 1.2.1:
//   /usr/bin/python3 -c 'from sklearn.metrics import *; y=[0,0,1,1,1,0,1,0];
//     p=[0.1,0.4,0.35,0.8,0.4,0.2,0.9,0.6]; print(roc_auc_score(y,p),
//     log_loss(y,[[1-v,v] for v in p]),
//     precision_recall_fscore_support(y,[int(v>=0.5) for v in p]))'
const BINARY_TRUTH = [0, 0, 1, 1, 1, 0, 1, 0];
const BINARY_P1 = [0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.9, 0.6];
const binaryProbabilities = {
  values: BINARY_P1.flatMap((v) => [1 - v, v]),
  width: 2,
};

Deno.test("classificationReport() matches scikit-learn on two classes, ties included", () => {
  const predicted = BINARY_P1.map((v) => (v >= 0.5 ? 1 : 0));
  const r = classificationReport(BINARY_TRUTH, predicted, {
    classCount: 2,
    probabilities: binaryProbabilities,
  });
  assertAlmostEquals(r.rocAuc!, 0.78125, 1e-12);
  assertAlmostEquals(r.logLoss!, 0.5062796682446313, 1e-12);
  assertAlmostEquals(r.perClass[0]!.precision, 0.6, 1e-12);
  assertAlmostEquals(r.perClass[1]!.precision, 2 / 3, 1e-12);
  assertAlmostEquals(r.perClass[0]!.recall, 0.75, 1e-12);
  assertAlmostEquals(r.perClass[1]!.recall, 0.5, 1e-12);
  assertAlmostEquals(r.perClass[0]!.f1, 2 / 3, 1e-12);
  assertAlmostEquals(r.perClass[1]!.f1, 0.5714285714285714, 1e-12);
  assertEquals(r.perClass.map((c) => c.support), [4, 4]);
  assertEquals(r.confusion, [[3, 1], [2, 2]]);
  assertEquals(r.rows, 8);
});

// /usr/bin/python3 -c 'from sklearn.metrics import *; y=[0,1,2,2,1,0,2];
//   P=[[.7,.2,.1],[.3,.4,.3],[.2,.2,.6],[.5,.3,.2],[.1,.8,.1],[.25,.5,.25],[.3,.3,.4]];
//   pr=[0,1,2,0,1,1,2]; print(log_loss(y,P), f1_score(y,pr,average="macro"),
//   precision_recall_fscore_support(y,pr))'
Deno.test("classificationReport() matches scikit-learn on three classes and gives no AUC", () => {
  const p = [
    [0.7, 0.2, 0.1],
    [0.3, 0.4, 0.3],
    [0.2, 0.2, 0.6],
    [0.5, 0.3, 0.2],
    [0.1, 0.8, 0.1],
    [0.25, 0.5, 0.25],
    [0.3, 0.3, 0.4],
  ];
  const r = classificationReport([0, 1, 2, 2, 1, 0, 2], [0, 1, 2, 0, 1, 1, 2], {
    classCount: 3,
    probabilities: { values: p.flat(), width: 3 },
  });
  assertAlmostEquals(r.logLoss!, 0.8455654080458906, 1e-12);
  assertAlmostEquals(r.f1, 0.7, 1e-12);
  assertEquals(r.perClass.map((c) => c.support), [2, 2, 3]);
  assertAlmostEquals(r.perClass[1]!.precision, 2 / 3, 1e-12);
  assertAlmostEquals(r.perClass[2]!.recall, 2 / 3, 1e-12);
  assertEquals(r.rocAuc, null);
});

Deno.test("rocAuc() is null when one class has no rows", () => {
  assertEquals(rocAuc([1, 1], { values: [0.2, 0.8, 0.4, 0.6], width: 2 }), null);
});

Deno.test("logLoss() skips rows whose class has no probability and clips zeros", () => {
  // row 1's truth (2) is an unseen label; row 0 has p(true) = 0, clipped to 1e-15
  const loss = logLoss([0, 2], { values: [0, 1], width: 2 });
  assertAlmostEquals(loss!, -Math.log(1e-15), 1e-9);
  assertEquals(logLoss([2], { values: [0.5, 0.5], width: 2 }), null);
});

Deno.test("rocAuc() equals the pairwise count, ties counting half", () => {
  // scores on a coarse grid, so that many tie within and across the classes
  const n = 500;
  const truth = Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = ((i * 37) % 11) / 10;
    values.push(1 - q, q);
  }
  let wins = 0, pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (truth[i] !== 1 || truth[j] !== 0) continue;
      pairs++;
      const a = values[2 * i + 1]!, b = values[2 * j + 1]!;
      wins += a > b ? 1 : a === b ? 0.5 : 0;
    }
  }
  assertAlmostEquals(rocAuc(truth, { values, width: 2 })!, wins / pairs, 1e-12);
});

Deno.test("classificationReport() adds balanced accuracy, PR AUC and the majority baseline as scikit-learn", () => {
  const truth = [0, 0, 1, 1, 0, 1, 0, 0];
  const p1 = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.6];
  const values = p1.flatMap((p) => [1 - p, p]);
  const report = classificationReport(truth, [0, 1, 0, 1, 0, 1, 0, 0], {
    classCount: 2,
    probabilities: { values, width: 2 },
  });
  // balanced_accuracy_score, average_precision_score, f1_score(y, [0] * 8, average="macro")
  assertAlmostEquals(report.balancedAccuracy!, 0.7333333333333334, 1e-12);
  assertAlmostEquals(report.prAuc!, 0.8333333333333333, 1e-12);
  assertEquals(report.majority?.label, "0");
  assertAlmostEquals(report.majority!.accuracy, 5 / 8, 1e-12);
  assertAlmostEquals(report.majority!.f1, 0.38461538461538464, 1e-12);
  assertEquals(withLabels(report, ["no", "yes"]).majority?.label, "no");
  assertEquals(averagePrecision([0, 0], { values: [1, 0, 1, 0], width: 2 }), null);
});

// A fraud table (classes sorted: fraud = 0, legit = 1), 4 frauds in 30 rows. Expected
// figures from scikit-learn 1.2.1, with y and pf as listed below:
//   /usr/bin/python3 -c 'from sklearn.metrics import average_precision_score as ap;
//     print(ap(y, pf, pos_label="fraud"), ap(y, 1 - pf, pos_label="legit"))'
const FRAUD_TRUTH = [
  1,
  1,
  1,
  0,
  1,
  1,
  1,
  1,
  1,
  1,
  1,
  0,
  1,
  1,
  1,
  1,
  1,
  1,
  1,
  0,
  1,
  1,
  1,
  1,
  1,
  1,
  0,
];
FRAUD_TRUTH.push(1, 1, 1);
const FRAUD_P = [
  0.05,
  0.47,
  0.26,
  0.55,
  0.59,
  0.32,
  0.3,
  0.04,
  0.16,
  0.3,
  0.41,
  0.2,
  0.23,
  0.04,
  0.17,
  0.55,
  0.13,
  0.27,
  0.56,
  0.35,
  0.36,
  0.57,
  0.14,
  0.33,
  0.55,
  0.08,
  0.05,
  0.45,
  0.4,
  0.28,
];

Deno.test("classificationReport() gives the positive class's PR AUC, as average_precision_score(pos_label=…)", () => {
  const probabilities = { values: FRAUD_P.flatMap((p) => [p, 1 - p]), width: 2 };
  const predicted = FRAUD_P.map((p) => (p >= 0.5 ? 0 : 1));
  const fraud = classificationReport(FRAUD_TRUTH, predicted, {
    classCount: 2,
    probabilities,
    positive: 0,
  });
  assertAlmostEquals(fraud.prAuc!, 0.15476190476190477, 1e-12);
  assertEquals(withLabels(fraud, ["fraud", "legit"]).positive, "fraud");
  // without a positive class: the second, as scikit-learn's classes_[1]
  const second = classificationReport(FRAUD_TRUTH, predicted, { classCount: 2, probabilities });
  assertAlmostEquals(second.prAuc!, 0.8648209767478188, 1e-12);
  assertEquals(withLabels(second, ["fraud", "legit"]).positive, "legit");
  assertAlmostEquals(averagePrecision(FRAUD_TRUTH, probabilities, 0)!, fraud.prAuc!, 0);
});

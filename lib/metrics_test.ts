import { assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";
import { confusionMatrix, scores } from "./metrics.ts";

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

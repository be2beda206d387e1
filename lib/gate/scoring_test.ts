import { tempCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assert, assertEquals, assertThrows } from "../_testing/assert.ts";
import { readDataset } from "../data/dataset.ts";
import { InputError } from "../core/errors.ts";
import { reportDataset, scoreDataset, UNSEEN_LABEL } from "./scoring.ts";

Deno.test("scoreDataset() scores every row, matching columns by name", async () => {
  const { model } = await trainOn(TOY_CSV);
  const path = await tempCsv("id,f2,f1,label\n1,0,1,1\n2,1,0,0\n3,1,0,1\n4,0,1,1\n");
  const scores = scoreDataset(model, await readDataset(path));
  assertEquals(scores.accuracy, 0.75);
  await Deno.remove(path);
});

Deno.test("scoreDataset() counts an unseen label as wrong", async () => {
  const { model } = await trainOn(TOY_CSV);
  const path = await tempCsv("f1,f2,label\n1,0,1\n0,1,7\n");
  assertEquals(scoreDataset(model, await readDataset(path)).accuracy, 0.5);
  await Deno.remove(path);
});

Deno.test("scoreDataset() refuses data without a feature column", async () => {
  const { model } = await trainOn(TOY_CSV);
  const path = await tempCsv("f1,label\n1,1\n");
  const data = await readDataset(path);
  assertThrows(() => scoreDataset(model, data), InputError, 'feature column "f2" is missing');
  await Deno.remove(path);
});

Deno.test("reportDataset() reports per-class figures, probabilities and unseen labels", async () => {
  const { model } = await trainOn(TOY_CSV);
  const path = await tempCsv("f1,f2,label\n1,0,1\n0,1,0\n1,0,0\n0,1,7\n,1,0\n");
  const report = reportDataset(model, await readDataset(path));
  assertEquals(report.labels, ["0", "1", UNSEEN_LABEL]);
  assertEquals(report.rows, 5);
  // rows: 1→1 right, 0→0 right, 0→1 wrong, 7 (unseen) → 0 wrong, missing f1 imputed → 0 right
  assertEquals(report.confusion, [[2, 1, 0], [0, 1, 0], [1, 0, 0]]);
  assertEquals(report.perClass.map((c) => c.support), [3, 1, 1]);
  assertEquals(report.accuracy, 0.6);
  assert(report.logLoss !== null && report.logLoss > 0);
  assert(report.rocAuc !== null && report.rocAuc >= 0 && report.rocAuc <= 1);
  await Deno.remove(path);
});

Deno.test("reportDataset() scores data with unseen and missing categories", async () => {
  const train = await tempCsv(
    "size,colour,label\n" +
      Array.from({ length: 30 }, (_, i) => `${i % 10},${i % 2 ? "red" : "blue"},${i % 2}`).join(
        "\n",
      ) + "\n",
  );
  const { model } = await trainOn(train);
  const path = await tempCsv("colour,size,label\nred,3,1\nblue,4,0\ngreen,5,1\n,6,0\n");
  const report = reportDataset(model, await readDataset(path));
  assertEquals(report.rows, 4);
  assertEquals(report.labels, ["0", "1"]);
  // red and blue decide; an unseen or missing colour encodes as all zeros and still predicts
  assertEquals(report.confusion.flat().reduce((a, b) => a + b, 0), 4);
  assertEquals([report.confusion[0]![0], report.confusion[1]![1]].every((n) => n! >= 1), true);
  assert(report.rocAuc !== null);
  await Deno.remove(train);
  await Deno.remove(path);
});

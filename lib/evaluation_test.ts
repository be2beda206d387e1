import { tempCsv, TOY_CSV, trainOn } from "./_fixtures.ts";
import { assertEquals, assertThrows } from "./assert.ts";
import { readDataset } from "./dataset.ts";
import { InputError } from "./errors.ts";
import { scoreDataset } from "./evaluation.ts";

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

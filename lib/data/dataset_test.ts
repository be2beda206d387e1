import { assertEquals, assertRejects, assertStrictEquals } from "../_testing/assert.ts";
import { distinctLabels, readDataset } from "./dataset.ts";
import { parseNumber } from "./csv.ts";
import { InputError } from "../core/errors.ts";

async function fromText(text: string, target?: string) {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(path, text);
  try {
    return await readDataset(path, { target });
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("readDataset() types numeric and categorical columns and numeric labels", async () => {
  const data = await fromText("x,color,label\n1,red,1\n,blue,0\n2.5,,1\n");
  assertEquals(data.rows, 3);
  assertEquals(data.labels, [1, 0, 1]);
  const [x, color] = data.columns;
  assertEquals(x?.type, "numeric");
  assertEquals(Array.from(x!.values as Float64Array), [1, NaN, 2.5]);
  assertEquals(color, { name: "color", type: "categorical", values: ["red", "blue", null] });
  assertEquals(data.sha256.length, 64);
});

Deno.test("readDataset() keeps string labels and honours --target", async () => {
  const data = await fromText("species,a\nsetosa,1\nvirginica,2\n", "species");
  assertEquals(data.target, "species");
  assertEquals(data.labels, ["setosa", "virginica"]);
  assertEquals(data.columns.map((c) => c.name), ["a"]);
});

Deno.test("readDataset() turns a column categorical after numeric cells", async () => {
  const data = await fromText("a,label\n1,x\n2,y\nthree,x\n");
  assertEquals(data.columns[0], { name: "a", type: "categorical", values: ["1", "2", "three"] });
});

Deno.test("readDataset() rejects a missing target column", async () => {
  await assertRejects(() => fromText("a,b\n1,2\n", "nope"), InputError, 'target column "nope"');
});

Deno.test("readDataset() rejects a header-only file", async () => {
  await assertRejects(() => fromText("a,b\n"), InputError, "has a header but no data rows");
});

Deno.test("readDataset() rejects non-finite numbers with their line", async () => {
  await assertRejects(
    () => fromText("a,label\n1,x\nInfinity,y\n"),
    InputError,
    'line 3: column "a" holds the non-finite number "Infinity"',
  );
  await assertRejects(() => fromText("a,label\n1e999,x\n"), InputError, "line 2");
});

Deno.test("readDataset() rejects duplicate column names and empty labels", async () => {
  await assertRejects(
    () => fromText("a,a,label\n1,2,x\n"),
    InputError,
    'column name "a" appears twice',
  );
  await assertRejects(
    () => fromText("a,label\n1,\n"),
    InputError,
    'line 2: target "label" is empty',
  );
});

Deno.test("parseNumber() tells numbers, blanks, text and non-finite values apart", () => {
  assertStrictEquals(parseNumber(" 4.5 "), 4.5);
  assertStrictEquals(parseNumber(""), undefined);
  assertStrictEquals(parseNumber("abc"), null);
  assertEquals(parseNumber("NaN"), NaN);
  assertEquals(parseNumber("-inf"), NaN);
});

Deno.test("distinctLabels() sorts numbers numerically and strings lexically", () => {
  assertEquals(distinctLabels([10, 2, 10, 1]), [1, 2, 10]);
  assertEquals(distinctLabels(["b", "a", "b"]), ["a", "b"]);
});

Deno.test("readDataset() reports rows read out of the total estimated from the file size", async () => {
  // about 80 bytes a row: the scanner's first 4 MiB block ends before the first report
  const header = Array.from({ length: 10 }, (_, j) => `x${j}`).join(",");
  const lines = [`${header},label`];
  for (let i = 0; i < 140_000; i++) {
    lines.push(
      `${Array.from({ length: 10 }, (_, j) => (i * (j + 3)) % 997 + 0.125).join(",")},${i % 2}`,
    );
  }
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  const messages: string[] = [];
  try {
    await readDataset(path, { progress: (m) => messages.push(m) });
  } finally {
    await Deno.remove(path);
  }
  assertEquals(messages.length, 2);
  const m = /^reading: 65,536 of about ([\d,]+) rows \((\d+) %\)$/.exec(messages[0]!);
  const estimate = Number(m?.[1]?.replaceAll(",", ""));
  // within a few per cent of the truth, from the first block's bytes per row
  assertEquals(Math.abs(estimate - 140_000) < 140_000 * 0.05, true, messages[0]);
  assertEquals(messages[1]!.startsWith("reading: 131,072 of about "), true);
});

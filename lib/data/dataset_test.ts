import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
} from "../_testing/assert.ts";
import { type Column, distinctLabels, readDataset } from "./dataset.ts";
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

Deno.test("readDataset() refuses a NUL byte rather than read its column as text", async () => {
  // a NUL in one cell used to make the numeric column f1 categorical, silently
  await assertRejects(
    () => fromText("f0,f1,label\n1,2,a\n3,4\0,b\n"),
    InputError,
    'line 3, column 2 ("f1"): NUL byte',
  );
});

Deno.test("readDataset() refuses invalid UTF-8 rather than replace it", async () => {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  const utf8 = (s: string) => new TextEncoder().encode(s);
  await Deno.writeFile(
    path,
    Uint8Array.from([...utf8("f0,f1,label\n1,caf"), 0xe9, ...utf8(",a\n")]),
  );
  try {
    await assertRejects(
      () => readDataset(path),
      InputError,
      `Cannot read CSV "${path}": line 2, column 2 ("f1"): invalid UTF-8`,
    );
  } finally {
    await Deno.remove(path);
  }
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

Deno.test("readDataset() errors echo at most 40 characters of a value, and its length", async () => {
  // 100 kB each: long enough that an echo would be plain, quick to parse
  const big = (c: string) => c.repeat(100_000);
  const cut = (c: string) => `"${c.repeat(40)}…" (100,000 characters)`;
  const cases: Array<[string, string | undefined, string]> = [
    // a number too large for a double, a megabyte of digits
    [
      `a,label\n1,x\n${big("9")},y\n`,
      undefined,
      `column "a" holds the non-finite number ${cut("9")}`,
    ],
    [`${big("n")},${big("n")},label\n1,2,x\n`, undefined, `column name ${cut("n")} appears twice`],
    [`a,${big("t")}\n1,\n`, undefined, `target ${cut("t")} is empty`],
    [`a,b\n1,2\n`, big("q"), `target column ${cut("q")} is not in the header ("a", "b")`],
  ];
  for (const [text, target, detail] of cases) {
    // plain, and with a quoted header name so that csv-parse reads it
    const comma = text.indexOf(",");
    for (const csv of [text, `"${text.slice(0, comma)}"${text.slice(comma)}`]) {
      const { message } = await assertRejects(() => fromText(csv, target), InputError);
      // the length first: a failing includes-assertion would print the whole message
      assert(message.length < 200, `${message.length} characters: ${message.slice(0, 150)}`);
      assertStringIncludes(message, detail);
    }
  }
});

Deno.test("readDataset() lists at most 10 header names when the target is missing", async () => {
  const header = Array.from({ length: 5000 }, (_, i) => `column${i}`);
  const { message } = await assertRejects(
    () => fromText(`${header.join(",")}\n${header.map(() => "1").join(",")}\n`, "label"),
    InputError,
  );
  assert(message.length < 300, `${message.length} characters: ${message.slice(0, 150)}`);
  assertStringIncludes(
    message,
    'target column "label" is not in the header ("column0", "column1", ',
  );
  assertStringIncludes(message, '"column9", … (5,000 columns)');
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

Deno.test("readDataset() reads only the chosen columns", async () => {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(path, "id,a,b,label\n1,2,x,y\n2,3,z,n\n");
  try {
    const data = await readDataset(path, { features: ["a,b"] });
    assertEquals(data.columns.map((c) => c.name), ["a", "b"]);
    assertEquals(data.labels, ["y", "n"]);
    const other = await readDataset(path, { exclude: ["id"], target: "a" });
    assertEquals(other.columns.map((c) => c.name), ["b", "label"]);
    await assertRejects(
      () => readDataset(path, { features: ["idd"] }),
      InputError,
      '--features names "idd", which is not in the header (closest: "id")',
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readDataset() detects ';' and reads decimal commas as numbers", async () => {
  const data = await fromText("x;colour;label\n1,5;red;a\n2;blue;b\n;red;a\n");
  assertEquals(data.delimiter, ";");
  assertEquals(data.decimalCommas, ["x"]);
  assertEquals(data.columns[0]?.type, "numeric");
  assertEquals(Array.from(data.columns[0]!.values as Float64Array), [1.5, 2, NaN]);
  const quoted = await fromText('x\tname\tlabel\n1\t"a\tb"\ty\n2\tc\tn\n');
  assertEquals(quoted.delimiter, "\t");
  assertEquals(quoted.columns[1]?.values, ["a\tb", "c"]);
});

Deno.test("readDataset() reads missing-value markers as empty cells, and --na adds more", async () => {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(path, "x,sex,label\n1,MALE,a\nNA,.,b\nnan,FEMALE,a\n2,null,b\n");
  try {
    const data = await readDataset(path, { na: ["."] });
    assertEquals(Array.from(data.columns[0]!.values as Float64Array), [1, NaN, NaN, 2]);
    assertEquals(data.columns[1]?.values, ["MALE", null, "FEMALE", null]);
    const plain = await readDataset(path);
    assertEquals(plain.columns[1]?.values, ["MALE", ".", "FEMALE", null]);
  } finally {
    await Deno.remove(path);
  }
});

/** A categorical column's values. */
function texts(column: Column | undefined): (string | null)[] {
  assertEquals(column?.type, "categorical");
  return column!.values as (string | null)[];
}

/** A table of 400 rows: `x` numbers written `%.3f`, `kind` text, `label`; `last` rows of x hold `stray`. */
function strayTable(stray: (i: number) => string, last: number): string {
  const lines = ["x,kind,label"];
  for (let i = 0; i < 400; i++) {
    const x = i >= 400 - last ? stray(i) : (i / 7 - 20).toFixed(3);
    lines.push(`${x},${i % 9 === 0 ? "?" : i % 2 ? "p" : "q"},${i % 2 ? "a" : "b"}`);
  }
  return lines.join("\n") + "\n";
}

Deno.test("readDataset() reads a few stray texts of a numeric column as missing markers, with a line", async () => {
  const data = await fromText(strayTable(() => "n.a.", 10));
  const [x, kind] = data.columns;
  assertEquals(x?.type, "numeric");
  const values = Array.from(x!.values as Float64Array);
  assertEquals(values.slice(0, 2), [-20, Number((1 / 7 - 20).toFixed(3))]);
  assertEquals(values.slice(390).every(Number.isNaN), true);
  assertEquals(data.na, ["n.a."]);
  assertEquals(data.notes, [
    'column "x": read "n.a." (10 cells) as missing, as --na would; pass --na or fix the file to silence this',
  ]);
  // "?" is not learned from x, so it stays a category of the text column
  assertEquals(texts(kind).includes("?"), true);
});

Deno.test("readDataset() applies markers learned from a numeric column to the whole table", async () => {
  const data = await fromText(strayTable((i) => (i % 3 ? "?" : "-"), 12));
  assertEquals(data.columns[0]?.type, "numeric");
  assertEquals(data.na, ["-", "?"]);
  assertEquals(texts(data.columns[1]).includes("?"), false);
  assertEquals(texts(data.columns[1]).filter((v) => v === null).length, 45);
  assertEquals(data.notes, [
    'column "x": read "-" (4 cells), "?" (8 cells) as missing, as --na would; pass --na or fix the file to silence this',
    'column "kind": read 45 cells as missing too, as --na would (markers learned from other columns)',
  ]);
});

Deno.test("readDataset() keeps a genuinely text column categorical: many texts, or too many cells", async () => {
  const many = await fromText(strayTable((i) => `t${i % 4}`, 10));
  assertEquals(many.columns[0]?.type, "categorical");
  assertEquals(many.na, undefined);
  const share = await fromText(strayTable(() => "n.a.", 40));
  assertEquals(share.columns[0]?.type, "categorical");
  assertEquals(share.notes, undefined);
  const text = await fromText("c,label\nred,a\nblue,b\nred,a\n");
  assertEquals(text.columns[0]?.values, ["red", "blue", "red"]);
});

Deno.test("readDataset() keeps the file's text of numbers in a column that turns categorical", async () => {
  const lines = ["x,label"];
  for (let i = 0; i < 30; i++) lines.push(`${["-0.080", "23", "23.0", "1e3"][i % 4]},a`);
  for (let i = 0; i < 10; i++) lines.push(`w${i},b`);
  const data = await fromText(lines.join("\n") + "\n");
  const x = data.columns[0]!;
  assertEquals(x.type, "categorical");
  assertEquals(x.values.slice(0, 4), ["-0.080", "23", "23.0", "1e3"]);
  assertEquals(x.values[39], "w9");
  // the same with quotes (csv-parse's path)
  const quoted = await fromText(lines.join("\n").replace("-0.080", '"-0.080"') + "\n");
  assertEquals(quoted.columns[0]!.values.slice(0, 4), ["-0.080", "23", "23.0", "1e3"]);
});

Deno.test("readDataset() reads a ';' column mixing decimal points and commas as numbers, with a line", async () => {
  const lines = ["x;label"];
  for (let i = 0; i < 20; i++) lines.push(`${i % 2 ? "0,60" : "0.60"};${i % 2 ? "a" : "b"}`);
  lines.push("1,25;a");
  const data = await fromText(lines.join("\n") + "\n");
  assertEquals(data.columns[0]?.type, "numeric");
  assertEquals(Array.from(data.columns[0]!.values as Float64Array).slice(-3), [0.6, 0.6, 1.25]);
  assertEquals(data.notes, [
    'column "x" read as numbers written with decimal commas (11 cells; 10 with a decimal point)',
  ]);
});

Deno.test("readDataset() refuses numbers with thousands separators or percent signs, naming the column", async () => {
  const thousands = 'n,label\n"1,234.56",a\n"12,000",b\n7,a\n';
  const percent = "p,label\n12.5%,a\n-3 %,b\n7,a\n";
  const cases = new Map([
    [thousands, '"n": its numbers are written with thousands separators ("1,234.56")'],
    [percent, '"p": its numbers are written as percentages ("12.5%"); strip the %'],
  ]);
  for (const [text, message] of cases) {
    await assertRejects(() => fromText(text), InputError, `Cannot read column ${message}`);
  }
  // text that merely holds such a cell is text; in a ';' file "1,234" is a decimal comma
  const text = await fromText('n,label\n"1,234",a\nred,b\nblue,a\ngreen,b\n');
  assertEquals(text.columns[0]?.type, "categorical");
  const semi = await fromText("n;label\n1,234;a\n2;b\n");
  assertEquals(Array.from(semi.columns[0]!.values as Float64Array), [1.234, 2]);
});

import fc from "fast-check";
import { InputError } from "../core/errors.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertStrictEquals,
} from "../_testing/assert.ts";
import { IRIS_CSV, messyModel, tempCsv, TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { delimiter, isoDate, notDate } from "../_testing/arbitraries.ts";
import { csvFromString } from "../data/csv.ts";
import { NA_MARKERS } from "../data/dialect.ts";
import { unseenCountLine } from "../model/inputs.ts";
import type { Row } from "../model/features.ts";
import { BLOCK_ROWS, scoreCsv } from "./batch.ts";
import { ignoredLine } from "./run.ts";
import type { Sink } from "./output.ts";

const toy = await trainOn(TOY_CSV);

/** A sink that keeps what it is given and how it ended. */
function memorySink() {
  const chunks: Uint8Array[] = [];
  const state = { committed: false, aborted: false };
  const sink: Sink = {
    write: (bytes) => void chunks.push(bytes.slice()),
    commit: () => Promise.resolve(void (state.committed = true)),
    abort: () => Promise.resolve(void (state.aborted = true)),
  };
  const text = () => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  return { sink, state, text };
}

async function score(csv: string, options: { ids?: string[]; explain?: boolean } = {}) {
  const out = memorySink();
  const result = await scoreCsv(await tempCsv(csv), out.sink, { model: toy.model, ...options });
  assert(out.state.committed && !out.state.aborted);
  return { ...result, text: out.text() };
}

async function records(text: string): Promise<string[][]> {
  const csv = await csvFromString(text);
  const rows = [csv.header];
  for await (const r of csv.records) rows.push(r.fields);
  return rows;
}

async function refusal(csv: string, options: { ids?: string[] } = {}): Promise<string> {
  const out = memorySink();
  const path = await tempCsv(csv);
  const err = await assertRejects(
    () => scoreCsv(path, out.sink, { model: toy.model, ...options }),
    InputError,
  );
  assert(out.state.aborted && !out.state.committed, "the sink was not aborted");
  return err.message.replace(`Cannot score "${path}": `, "");
}

Deno.test("scoreCsv() writes ids, prediction and p_<label> per row, as predictRows predicts them", async () => {
  const rows: Row[] = [{ f1: 1, f2: 0 }, { f1: 0, f2: 1 }, { f1: 0.25, f2: -3 }];
  const csv = 'label,name,f2,f1\n1,"a, ""first""",0,1\n0,b,1,0\n1,c,-3,0.25\n';
  const { text, rows: n } = await score(csv, { ids: ["name"] });
  assertEquals(n, 3);
  const table = await records(text);
  assertEquals(table[0], ["name", "prediction", "p_0", "p_1"]);
  assertEquals(table.slice(1).map((r) => r[0]), ['a, "first"', "b", "c"]);
  const expected = toy.model.predictRows(rows);
  table.slice(1).forEach((r, i) => {
    assertEquals(r[1], String(toy.model.classes[expected.classes[i]!]));
    // the shortest text that reads back as the same double
    assertStrictEquals(Number(r[2]), expected.probabilities[2 * i]!);
    assertStrictEquals(Number(r[3]), expected.probabilities[2 * i + 1]!);
  });
});

Deno.test("scoreCsv() splits --id values on commas as train splits --features, unless one is a header name", async () => {
  const { text } = await score('a,"b,c",d,f1,f2\n1,2,3,1,0\n', { ids: ["d, a", "b,c", "a"] });
  const table = await records(text);
  assertEquals(table[0]!.slice(0, 4), ["d", "a", "b,c", "prediction"]);
  assertEquals(table[1]!.slice(0, 3), ["3", "1", "2"]);
});

Deno.test("scoreCsv() --explain adds logit, base and contributions that sum to the logit", async () => {
  const { text } = await score("f1,f2\n1,0\n0,1\n3,-2\n", { explain: true });
  const table = await records(text);
  assertEquals(table[0], ["prediction", "p_0", "p_1", "logit", "base", "c_f1", "c_f2"]);
  for (const r of table.slice(1)) {
    const [prediction, p0, p1, logit, base, c1, c2] = r.map(Number) as number[];
    assertAlmostEquals(base! + c1! + c2!, logit!, 1e-9);
    assertAlmostEquals(1 / (1 + Math.exp(-logit!)), prediction === 1 ? p1! : p0!, 1e-12);
  }
});

Deno.test("scoreCsv() scores past a block and a quote the byte scanner hands to csv-parse, each row once", async () => {
  const n = BLOCK_ROWS + 500;
  const lines = ["id,f1,f2"];
  for (let i = 0; i < n; i++) lines.push(`${i === n - 100 ? '"q,uoted"' : i},${i % 2},${i % 3}`);
  const { text, rows } = await score(lines.join("\n") + "\n", { ids: ["id"] });
  assertEquals(rows, n);
  const table = await records(text);
  assertEquals(table.length, n + 1);
  assertEquals(
    table.slice(1).map((r) => r[0]),
    lines.slice(1).map((l, i) => i === n - 100 ? "q,uoted" : l.split(",")[0]),
  );
});

Deno.test("scoreCsv() stops at a bad row naming its line, column and serving's message, and aborts the output", async () => {
  assertEquals(
    await refusal("f1,f2\n1,0\n0,abc\n"),
    'line 3, column 2 ("f2"): expected number, got "abc"',
  );
  assertEquals(
    await refusal("f2,f1\n1,0\n\n,1\n"),
    'line 4, column 1 ("f2"): got an empty cell but "f2" had no missing values in training, so the model cannot fill one in',
  );
  assertEquals(
    await refusal("f1,f2\n1,NA\n"),
    'line 2, column 2 ("f2"): got "NA", a missing value, but "f2" had no missing values in training, so the model cannot fill one in',
  );
  assertEquals(
    await refusal("f1,f2\n1,inf\n"),
    'line 2, column 2 ("f2"): expected number, got "inf"',
  );
  assertEquals(
    await refusal(`f1,f2\n1,${"x".repeat(50)}\n`),
    `line 2, column 2 ("f2"): expected number, got "${"x".repeat(40)}…" (50 characters)`,
  );
  assertEquals(
    await refusal("f1,f2\n1,1e308\n"),
    'line 2, column 2 ("f2"): 1e+308 is out of range for this model (its scaled value is not finite)',
  );
});

Deno.test("scoreCsv() ignores columns the model does not use, the target too, and lists them", async () => {
  const { text, ignored } = await score("signup,f1,label,f2,key\n2024-01-01,1,0,0,k\n", {
    ids: ["key"],
  });
  assertEquals(ignored, ["signup", "label"]);
  assertEquals((await records(text))[1]![0], "k");
  assertEquals((await score("f1,f2\n1,0\n")).ignored, []);
  assertEquals(
    ignoredLine(["signup", "label"]),
    'ignored 2 columns the model does not use: "signup", "label"',
  );
  const many = Array.from({ length: 12 }, (_, i) => `c${i}`);
  assertEquals(
    ignoredLine(many),
    `ignored 12 columns the model does not use: ${
      many.slice(0, 10).map((c) => `"${c}"`).join(", ")
    } and 2 more`,
  );
});

Deno.test("scoreCsv() refuses a header without a feature, or without an --id column", async () => {
  assertEquals(await refusal("f1,label\n1,0\n"), 'line 1: no column for feature "f2"');
  assertEquals(await refusal("f1,f2\n1,0\n", { ids: ["key"] }), 'line 1: no column "key" for --id');
  assertEquals(await refusal("f1,f2,f1\n1,0,1\n"), 'line 1: column name "f1" appears twice');
});

Deno.test("scoreCsv() reads categories and missing values as serving does", async () => {
  const csv = [
    "x,colour,label",
    ...Array.from(
      { length: 30 },
      (_, i) => `${i % 5 === 0 ? "" : i % 7},${["red", "blue"][i % 2]},${i % 3 ? "yes" : "no"}`,
    ),
  ].join("\n") + "\n";
  const { model } = await trainOn(await tempCsv(csv), { testSize: 0 });
  const out = memorySink();
  await scoreCsv(await tempCsv("x,colour\n,red\n3, blue \n2,purple\n"), out.sink, { model });
  const expected = model.predictRows([
    { x: null, colour: "red" },
    { x: 3, colour: "blue" },
    { x: 2, colour: "purple" },
  ]);
  const table = await records(out.text());
  table.slice(1).forEach((r, i) =>
    assertStrictEquals(Number(r[1]), expected.probabilities[2 * i]!)
  );
  const bad = memorySink();
  const path = await tempCsv("x,colour\n1,\n");
  const err = await assertRejects(() => scoreCsv(path, bad.sink, { model }), InputError);
  assertEquals(
    err.message,
    `Cannot score "${path}": line 2, column 2 ("colour"): got an empty cell but "colour" had no missing values in training, so the model cannot fill one in`,
  );
});

Deno.test("scoreCsv() writes a p_<label> column per class of a three-class model", async () => {
  const iris = await trainOn(IRIS_CSV);
  const out = memorySink();
  await scoreCsv(IRIS_CSV, out.sink, { model: iris.model });
  const table = await records(out.text());
  assertEquals(table[0], ["prediction", "p_setosa", "p_versicolor", "p_virginica"]);
  assertEquals(table.length, 151);
  for (const r of table.slice(1)) {
    assertAlmostEquals(Number(r[1]) + Number(r[2]) + Number(r[3]), 1, 1e-12);
  }
});

Deno.test("scoreCsv() accepts a record exactly when serving accepts the row its cells make", async () => {
  // x optional numeric (gaps in training), c required categorical, y required numeric, d optional date
  const lines = ["x,c,y,d,label"];
  for (let i = 0; i < 40; i++) {
    lines.push(
      `${i % 6 === 0 ? "" : i % 5},${["p", "q"][i % 2]},${(i * 3) % 7},${
        i % 4 === 0 ? "" : `2024-0${1 + (i % 9)}-1${i % 10}`
      },${i % 3 ? "a" : "b"}`,
    );
  }
  const { model } = await trainOn(await tempCsv(lines.join("\n") + "\n"), {
    testSize: 0,
    features: ["x", "c", "y", "d"],
  });
  assertEquals(model.file.features.map((f) => f.type), [
    "numeric",
    "categorical",
    "numeric",
    "date",
  ]);
  const cell = fc.oneof(
    fc.constantFrom(
      "",
      " ",
      "abc",
      "inf",
      "-nan",
      "NA",
      "1e308",
      "-1e308",
      "p",
      " q ",
      "1,5",
      "-2,25",
    ),
    fc.double({ noNaN: true }).map(String),
    fc.integer({ min: -100, max: 100 }).map(String),
  );
  const dateCell = fc.oneof(isoDate, notDate, fc.constantFrom("", "null", "p"));
  /**
   * What serving receives for a cell, the reading rules written apart from
   * lib/data: empty or a marker is null; a finite number (or, where the
   * delimiter is not a comma, a decimal comma) a number; else the text.
   */
  const value = (text: string, numeric: boolean, sep: string) => {
    const t = text.trim();
    if (t === "" || NA_MARKERS.includes(t)) return null;
    if (!numeric) return t;
    if (Number.isFinite(Number(t))) return Number(t);
    return sep !== "," && /^[+-]?\d+(,\d+)?$/.test(t) ? Number(t.replace(",", ".")) : t;
  };
  const field = (text: string, sep: string) =>
    text.includes(sep) ? `"${text.replaceAll('"', '""')}"` : text;
  await fc.assert(
    fc.asyncProperty(cell, cell, cell, dateCell, delimiter, async (x, c, y, d, sep) => {
      const row = {
        x: value(x, true, sep),
        c: value(c, false, sep),
        y: value(y, true, sep),
        d: value(d, false, sep),
      };
      const out = memorySink();
      const csv = `${["x", "c", "y", "d"].join(sep)}\n${
        [x, c, y, d].map((t) => field(t, sep)).join(sep)
      }\n`;
      const scored = await scoreCsv(await tempCsv(csv), out.sink, { model })
        .then(() => true, (err) => {
          if (!(err instanceof InputError)) throw err;
          return false;
        });
      assertEquals(scored, model.rowAccepts(row), JSON.stringify({ x, c, y, d, sep }));
    }),
    { numRuns: 150 },
  );
});

Deno.test("scoreCsv() reads a file as training read its own: ';', NA markers and --na, decimal commas, dates", async () => {
  const model = await messyModel();
  const features = model.file.features;
  assertEquals(features.map((f) => f.type), ["date", "numeric", "categorical", "numeric"]);
  // "-999" was a missing value in training, not a number
  assertEquals(features[3]!.type === "numeric" && features[3]!.min, 0.5);
  assertEquals(model.file.training.na, ["?", "-999"]);
  const csv = "id;when;price;colour;x\n" +
    "a;2024-02-03;1,5;NA;?\nb;2024-03-04T10:00:00Z;7,25;blue;-999\nc;2024-05-06;0;red;3,5\n";
  const out = memorySink();
  const result = await scoreCsv(await tempCsv(csv), out.sink, { model, ids: ["id"] });
  assertEquals(result.rows, 3);
  const expected = model.predictRows([
    { when: "2024-02-03", price: 1.5, colour: null, x: null },
    { when: "2024-03-04T10:00:00Z", price: 7.25, colour: "blue", x: null },
    { when: "2024-05-06", price: 0, colour: "red", x: 3.5 },
  ]);
  const table = await records(out.text());
  assertEquals(table.slice(1).map((r) => r[0]), ["a", "b", "c"]);
  table.slice(1).forEach((r, i) => {
    assertEquals(r[1], String(model.classes[expected.classes[i]!]));
    assertStrictEquals(Number(r[2]), expected.probabilities[2 * i]!);
  });
  // --delimiter overrides the detection
  const tabbed = await tempCsv("when\tprice\tcolour\tx\n2024-02-03\t1\tred\t2\n");
  const byTab = await scoreCsv(tabbed, memorySink().sink, { model, delimiter: "\t" });
  assertEquals(byTab.rows, 1);
  const err = await assertRejects(
    () => scoreCsv(tabbed, memorySink().sink, { model, delimiter: "," }),
    InputError,
  );
  assertEquals(
    err.message,
    `Cannot score "${tabbed}": line 1: no column for features "when", "price", "colour", "x"`,
  );
});

Deno.test("scoreCsv() refuses a date cell that is no ISO 8601 date, as serving does", async () => {
  const model = await messyModel();
  const path = await tempCsv("when;price;colour;x\n2024-02-03;1;red;2\n2024-13-01;1;red;2\n");
  const err = await assertRejects(() => scoreCsv(path, memorySink().sink, { model }), InputError);
  assertEquals(
    err.message,
    `Cannot score "${path}": line 3, column 1 ("when"): expected an ISO 8601 date such as 2024-01-31, got "2024-13-01"`,
  );
});

Deno.test("scoreCsv() scores unseen categories as none of the known ones and counts them per feature", async () => {
  const model = await messyModel();
  const csv = "when;price;colour;x\n2024-02-03;1;purple;2\n2024-02-03;1;RED;2\n" +
    "2024-02-03;1;purple;2\n2024-02-03;1;red;2\n";
  const out = memorySink();
  const result = await scoreCsv(await tempCsv(csv), out.sink, { model });
  assertEquals(result.rows, 4);
  assertEquals(result.unseen, [
    { feature: "colour", rows: 3, values: new Map([["purple", 2], ["RED", 1]]) },
  ]);
  const colour = model.file.features[2]!;
  assert(colour.type === "categorical");
  assertEquals(
    unseenCountLine(colour, result.unseen[0]!),
    '3 rows with a value of "colour" not seen in training ("purple" ×2, "RED" ×1) counted as none of the known values ("blue", "green", "red"); did you mean "red" for "RED"?',
  );
  // as serving scores them: all zeros for the feature
  const expected = model.predictRows([{ when: "2024-02-03", price: 1, colour: "purple", x: 2 }]);
  const table = await records(out.text());
  assertStrictEquals(Number(table[1]![1]), expected.probabilities[0]!);
});

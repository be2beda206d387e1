// Generated CSVs through the public readers (readDataset → trainModel) and a
// few through train.ts and evaluate.ts (the first of each as a process): each
// gives a model that predicts its training rows, or one InputError line
// naming the line — never a crash, a raw parser or zod message, or a model
// file.
import fc from "fast-check";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../lib/_testing/assert.ts";
import { TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { delimiter, isoDate } from "../lib/_testing/arbitraries.ts";
import { InputError } from "../lib/core/errors.ts";
import { isMissing, naMarkers } from "../lib/data/dialect.ts";
import { modelToJson, parseModel } from "../lib/model/model.ts";
import { main as train } from "../train.ts";
import { evaluateIn, makeProject, runMain, writeRunAt } from "./_project.ts";
import { fuzzParams } from "./_fuzz.ts";

/**
 * A clean table: `x` separates the classes, `color` follows them, `noise`
 * does not (or is empty); sometimes a last feature column `when` of dates,
 * which training leaves out (a date is no category).
 */
interface Table {
  header: string[];
  rows: string[][];
  labels: string[];
}

const table: fc.Arbitrary<Table> = fc.record({
  classes: fc.constantFrom(
    ["0", "1"],
    ["a", "b", "c"],
    ["yes", "no"],
    ["with,comma", 'with "quote"', "with\nnewline"],
    ["1.5", "-2"],
  ),
  perClass: fc.integer({ min: 8, max: 25 }),
  scale: fc.constantFrom(1, 1e-300, 1e-5, 1e6, 1e150, 1e200, 1e300),
  unicode: fc.boolean(),
  emptyColumn: fc.boolean(),
  // a third of the tables have dates
  dates: fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    fc.array(isoDate, { minLength: 1, maxLength: 5 }),
  ),
}).map(({ classes, perClass, scale, unicode, emptyColumn, dates }) => {
  const rows: string[][] = [];
  const labels: string[] = [];
  for (let i = 0; i < perClass * classes.length; i++) {
    const k = i % classes.length;
    const x = (k * 100 + (i % 10)) * scale;
    const color = unicode ? ["rød", "緑", "🔵"][k % 3]! : ["red", "green", "blue"][k % 3]!;
    // halves: a ';' file may write them with a decimal comma
    const noise = emptyColumn ? "" : String(((i * 7919) % 13) / 2);
    const when = dates ? [dates[i % dates.length]!] : [];
    rows.push([String(x), color, noise, ...when, classes[k]!]);
    labels.push(classes[k]!);
  }
  const header = ["x", "color", "noise", ...(dates ? ["when"] : []), "label"];
  return { header, rows, labels };
});

/** Formatting that must not change what is read. */
interface Style {
  bom: boolean;
  crlf: boolean;
  quoteAll: boolean;
  blankLines: boolean;
  finalNewline: boolean;
  padNumbers: boolean;
  /** The field delimiter: `,` mostly, `;` or tab sometimes. */
  delimiter: string;
  /** In a `;` or tab file: decimals written with a comma (`6,5`). */
  decimalComma: boolean;
}

const style: fc.Arbitrary<Style> = fc.record({
  bom: fc.boolean(),
  crlf: fc.boolean(),
  quoteAll: fc.boolean(),
  blankLines: fc.boolean(),
  finalNewline: fc.boolean(),
  padNumbers: fc.boolean(),
  delimiter,
  decimalComma: fc.boolean(),
});

function cell(text: string, s: Style): string {
  const number = text !== "" && !Number.isNaN(Number(text));
  const written = number && s.decimalComma && s.delimiter !== "," && /^-?\d+\.\d+$/.test(text)
    ? text.replace(".", ",")
    : text;
  const padded = s.padNumbers && number ? ` ${written} ` : written;
  const needs = s.quoteAll || padded.includes(s.delimiter) || /["\r\n]/.test(padded);
  return needs ? `"${padded.replaceAll('"', '""')}"` : padded;
}

/** Writes a table as CSV text, and the physical line each data row starts on. */
function render(t: Table, s: Style): { text: string; lines: number[] } {
  const eol = s.crlf ? "\r\n" : "\n";
  const out: string[] = [t.header.map((h) => cell(h, s)).join(s.delimiter)];
  const lines: number[] = [];
  let line = 2;
  t.rows.forEach((row, i) => {
    if (s.blankLines && i % 5 === 2) {
      out.push("");
      line++;
    }
    lines.push(line);
    const text = row.map((c) => cell(c, s)).join(s.delimiter);
    out.push(text);
    line += text.split("\n").length;
  });
  const text = (s.bom ? "\uFEFF" : "") + out.join(eol) + (s.finalNewline ? eol : "");
  return { text, lines };
}

async function withCsv<T>(text: string | Uint8Array, fn: (path: string) => Promise<T>): Promise<T> {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    if (typeof text === "string") await Deno.writeTextFile(path, text);
    else await Deno.writeFile(path, text);
    return await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

/** Reads and trains; an InputError is returned, anything else thrown is a bug. */
async function trainFile(path: string) {
  try {
    // the shared fixture's settings, so a new solver is picked up in one place
    return await trainOn(path);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw new Error(`not an InputError: ${err instanceof Error ? err.name : typeof err}`, {
      cause: err,
    });
  }
}

function checkOneLine(err: InputError, path: string): void {
  assert(!err.message.includes("\n"), `more than one line: ${JSON.stringify(err.message)}`);
  assertMatch(err.message, /^Cannot [a-z]+ /);
  // errors about the file's content name the file
  if (/line \d|empty|header/.test(err.message)) assertStringIncludes(err.message, path);
}

Deno.test("a separable CSV in any formatting trains a model that predicts its own rows", async () => {
  await fc.assert(
    fc.asyncProperty(table, style, async (t, s) => {
      const { text } = render(t, s);
      await withCsv(text, async (path) => {
        const result = await trainFile(path);
        assert(!(result instanceof InputError), `refused: ${(result as Error).message}`);
        const { data, file } = result;
        assertEquals(data.rows, t.rows.length);
        assertEquals(data.columns.map((c) => c.name), t.header.slice(0, -1));
        // a date column is left out, not learnt as categories; so is a noise
        // column that came out empty or constant (lib/data/roles.ts)
        const noise = new Set(
          t.rows.map((r) => r[2]!.trim()).filter((v) => !isMissing(v, naMarkers())).map(Number),
        );
        const kept = noise.size > 1 ? ["x", "color", "noise"] : ["x", "color"];
        assertEquals(file.features.map((f) => f.name), kept);
        // what train writes, load accepts
        const model = parseModel(JSON.parse(modelToJson(file)), path);
        const rows = t.rows.map(([x, color, noise]) => ({
          x: Number(x),
          color: color!,
          noise: Number(noise),
        }));
        const predicted = Array.from(model.predictRows(rows).classes, (k) => model.classes[k]);
        const want = data.labels;
        const right = predicted.filter((p, i) => p === want[i]).length;
        assert(right / rows.length >= 0.9, `${right}/${rows.length} training rows right`);
      });
    }),
    fuzzParams(40, 50),
  );
});

/** A fault put into a clean CSV, and the detail its error must give. */
type Fault = (t: Table, row: number) => {
  table: Table;
  expect: (line: number) => string;
  edit?: (text: string, line: number) => string;
};

const FAULTS: Record<string, Fault> = {
  "a ragged row (one field short)": (t, r) => ({
    table: { ...t, rows: t.rows.map((row, i) => (i === r ? row.slice(1) : row)) },
    expect: (line) => `line ${line} has ${t.header.length - 1} fields, expected ${t.header.length}`,
  }),
  "a ragged row (one field more)": (t, r) => ({
    table: { ...t, rows: t.rows.map((row, i) => (i === r ? [...row, "9"] : row)) },
    expect: (line) => `line ${line} has ${t.header.length + 1} fields, expected ${t.header.length}`,
  }),
  "a number too large for a double": (t, r) => ({
    table: { ...t, rows: t.rows.map((row, i) => (i === r ? ["1e309", ...row.slice(1)] : row)) },
    expect: (line) => `line ${line}: column "x" holds the non-finite number "1e309"`,
  }),
  // "NaN" is a missing-value marker, as pandas reads it; infinity is refused
  "Infinity spelled in a numeric column": (t, r) => ({
    table: { ...t, rows: t.rows.map((row, i) => (i === r ? ["-Infinity", ...row.slice(1)] : row)) },
    expect: (line) => `line ${line}: column "x" holds the non-finite number "-Infinity"`,
  }),
  "an empty target": (t, r) => ({
    table: { ...t, rows: t.rows.map((row, i) => (i === r ? [...row.slice(0, -1), ""] : row)) },
    expect: (line) => `line ${line}: target "label" is empty`,
  }),
  "an unclosed quote": (t) => ({
    table: t,
    // written raw: render() would escape it
    edit: (text, line) => {
      const lines = text.split("\n");
      lines[line - 1] = `"${lines[line - 1]}`;
      return lines.join("\n");
    },
    expect: (line) => `line ${line}: quoted field is never closed`,
  }),
  "a duplicate header name": (t) => ({
    table: { ...t, header: t.header.map((h, i) => (i === 2 ? "x" : h)) },
    expect: () => `line 1: column name "x" appears twice`,
  }),
  "an empty header name": (t) => ({
    table: { ...t, header: t.header.map((h, i) => (i === 1 ? "" : h)) },
    expect: () => `line 1: column 2 has no name`,
  }),
  "only one class": (t) => ({
    table: { ...t, rows: t.rows.map((row) => [...row.slice(0, -1), "same"]) },
    expect: () => `target "label" has a single class (same), at least two are needed`,
  }),
};

Deno.test("a CSV with one fault is refused with one line naming the line", async () => {
  const plain = style.filter((s) => !s.quoteAll);
  await fc.assert(
    fc.asyncProperty(
      // no quotes or newlines in cells, so the fault's line is known
      table.filter((t) => !t.labels.some((l) => /["\n]/.test(l))),
      plain,
      fc.constantFrom(...Object.keys(FAULTS)),
      fc.nat(),
      async (t, s, name, pick) => {
        const row = pick % t.rows.length;
        const { table: bad, expect, edit } = FAULTS[name]!(t, row);
        // a non-finite number among decimal commas: the column is refused by name
        const commas = s.delimiter !== "," && s.decimalComma &&
          t.rows.some((r) => /^-?\d+\.\d+$/.test(r[0]!));
        const spelled = { "a number too large for a double": "1e309" }[name] ??
          (name.startsWith("Infinity") ? "-Infinity" : undefined);
        const { text, lines } = render(bad, s);
        await withCsv(edit ? edit(text, lines[row]!) : text, async (path) => {
          const result = await trainFile(path);
          assert(result instanceof InputError, `${name}: accepted`);
          checkOneLine(result, path);
          // in a decimal-comma column the fault is named by the column, or by its
          // line when it comes before the reader has seen a decimal comma
          const wanted = [expect(lines[row]!)];
          if (commas && spelled) {
            wanted.push(
              `column "x": its numbers are written with decimal commas, but "${spelled}" is not one`,
            );
          }
          assert(wanted.some((w) => result.message.includes(w)), `${name}: ${result.message}`);
        });
      },
    ),
    fuzzParams(60, 50),
  );
});

Deno.test("an empty file, a header alone and an unclosed quote are refused with one line", async () => {
  const cases: Array<[string, string]> = [
    ["", "file is empty"],
    ["\uFEFF", "file is empty"],
    ["x,y,label\n", "it has a header but no data rows"],
    ["x,y,label\r\n\r\n", "it has a header but no data rows"],
    ['x,y,label\n1,2,a\n3,"4,b\n5,6,a\n', "line 3: quoted field is never closed"],
    ["x\n1\n2\n", "it needs at least one feature column besides the target"],
  ];
  for (const [text, detail] of cases) {
    await withCsv(text, async (path) => {
      const result = await trainFile(path);
      assert(result instanceof InputError, `accepted: ${JSON.stringify(text)}`);
      checkOneLine(result, path);
      assertStringIncludes(result.message, detail);
    });
  }
});

/** CSV-ish text from the characters that matter to a CSV parser, plus invalid UTF-8. */
const junk: fc.Arbitrary<Uint8Array> = fc.array(
  fc.oneof(
    fc.constantFrom(",", ",", '"', "\n", "\r\n", "\r", " ", "\uFEFF", "a", "b", "é", "1", "2"),
    fc.constantFrom("1e308", "-1e308", "1e309", "NaN", "-0", "0x1", "1,2,a\n", "3,4,b\n"),
    fc.uint8Array({ minLength: 1, maxLength: 3 }).map((b) => String.fromCharCode(...b)),
  ),
  { maxLength: 80 },
).map((parts) => {
  // raw bytes: each string part's low byte, so 0x80–0xff are invalid UTF-8 on their own
  const clean = Array.from({ length: 12 }, (_, i) => `${i},${i % 3},${"ab"[i % 2]}\n`).join("");
  const header = new TextEncoder().encode(`x,y,label\n${clean}`);
  const body = Uint8Array.from(parts.join(""), (ch) => ch.charCodeAt(0) & 0xff);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
});

/** Whether `bytes` are well-formed UTF-8. */
function utf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

Deno.test("arbitrary CSV bytes give a loadable model or one InputError line", async () => {
  let trained = 0;
  await fc.assert(
    fc.asyncProperty(junk, async (bytes) => {
      await withCsv(bytes, async (path) => {
        const result = await trainFile(path);
        if (result instanceof InputError) return checkOneLine(result, path);
        // every byte is in some field: a NUL or bytes that are not UTF-8 must be refused
        assert(!bytes.includes(0), "trained on a file with a NUL byte");
        assert(utf8(bytes), "trained on a file that is not UTF-8");
        trained++;
        const model = parseModel(JSON.parse(modelToJson(result.file)), path);
        assert(model.classes.length >= 2);
      });
    }),
    fuzzParams(150, 20),
  );
  assert(trained > 0, "no generated CSV trained: the generator is broken");
});

Deno.test("train.ts and evaluate.ts --data refuse bad CSVs with exit 2, one line, and no model.json", async () => {
  await using project = await makeProject();
  // a short directory: messages cut a path at 40 characters
  const dir = await Deno.makeTempDir();
  const bad: Array<[string, string]> = [
    ["ragged.csv", "x,y,label\n1,2,a\n3,b\n5,6,a\n"],
    ["huge.csv", "x,y,label\n1,2,a\n1e309,4,b\n5,6,a\n"],
    ["empty.csv", ""],
    ["header.csv", "x,y,label\r\n"],
    ["dup.csv", "x,x,label\n1,2,a\n3,4,b\n"],
  ];
  for (const [name, text] of bad) await Deno.writeTextFile(`${dir}/${name}`, text);
  // the first file through each task's process, the others through its main in this process
  for (const [i, [name]] of bad.entries()) {
    const args = ["--data", `${dir}/${name}`, "--out", `${project.dir}/models/fuzz`];
    const out = i === 0
      ? await project.deno(["task", "-q", "train", ...args])
      : await runMain(train, args);
    assertEquals(out.code, 2, `${name}: ${out.stderr}`);
    assertMatch(out.stderr, /^error: Cannot [^\n]+\n$/);
    assertStringIncludes(out.stderr, `${dir}/${name}`);
    assertEquals(out.stdout, "");
  }
  const written = await Deno.stat(`${project.dir}/models/fuzz/model.json`).then(
    () => true,
    () => false,
  );
  assertEquals(written, false, "a refused CSV left a model.json behind");

  // evaluate --data needs a model to score with
  await writeRunAt(project, (await trainOn(TOY_CSV)).file, 0);
  for (const [i, [name]] of bad.entries()) {
    const args = ["--data", `${dir}/${name}`];
    const out = i === 0
      ? await project.deno(["task", "-q", "evaluate", ...args])
      : await evaluateIn(project, args);
    assertEquals(out.code, 2, `${name}: ${out.stderr}`);
    assertMatch(out.stderr, /^error: Cannot [^\n]+\n$/);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("train.ts accepts a BOM, CRLF, quoted CSV with huge values and the model loads", async () => {
  await using project = await makeProject();
  const rows = ['\uFEFF"x","note","label"'];
  for (let i = 0; i < 40; i++) {
    const k = i % 2;
    rows.push(`${(k * 100 + (i % 10)) * 1e300},"line one\nline ""two""",${k ? "yes" : "no"}`);
  }
  await Deno.writeTextFile(`${project.dir}/data/odd.csv`, rows.join("\r\n") + "\r\n");
  // train.ts's main in this process; the model it wrote is read by infer.ts as a process
  const out = await runMain(train, [
    "--data",
    `${project.dir}/data/odd.csv`,
    "--out",
    `${project.dir}/models/odd`,
    // note is constant, left out unless named
    "--features",
    "x,note",
    "--learning-rate",
    "0.05",
    "--iterations",
    "300",
  ]);
  assertEquals(out.code, 0, out.stderr);
  const predicted = await project.deno(
    ["run", "--allow-read=models/odd", "infer.ts", "--model", "models/odd"],
    JSON.stringify([{ x: 3e300, note: 'line one\nline "two"' }, { x: 1.05e302, note: "x" }]),
  );
  assertEquals(predicted, {
    code: 0,
    stdout: '["no","yes"]\n',
    // "x" is no note seen in training: answered, with a warning
    stderr:
      'warning: row 1: "x" was not seen in training for "note"; it counts as none of the known values ("line one\\nline \\"two\\"")\n',
  });
});

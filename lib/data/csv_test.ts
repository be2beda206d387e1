import fc from "fast-check";
import { binaryChar } from "../_testing/arbitraries.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_testing/assert.ts";
import { csvFromString, type CsvReader, MAX_COLUMNS, openCsv, readCsvStream } from "./csv.ts";
import { scanCsv, validUtf8 } from "./scan.ts";
import { InputError } from "../core/errors.ts";

async function all(reader: CsvReader) {
  const rows = [];
  for await (const r of reader.records) rows.push(r);
  return rows;
}

Deno.test("csvFromString() reads the header and records with their line numbers", async () => {
  const reader = await csvFromString("a,b\n1,2\n\n3,4\n");
  assertEquals(reader.header, ["a", "b"]);
  assertEquals(await all(reader), [
    { line: 2, fields: ["1", "2"] },
    { line: 4, fields: ["3", "4"] },
  ]);
});

Deno.test("csvFromString() handles a BOM, CRLF and quoted newlines", async () => {
  const reader = await csvFromString('\ufeffa,b\r\n1,"x\r\ny"\r\n2,"q""uote"\r\n');
  assertEquals(reader.header, ["a", "b"]);
  assertEquals((await all(reader)).map((r) => r.fields), [["1", "x\r\ny"], ["2", 'q"uote']]);
});

Deno.test("csvFromString() rejects a ragged row, naming its line", async () => {
  const reader = await csvFromString("a,b\n1,2\n3,4,5\n");
  await assertRejects(() => all(reader), InputError, "line 3 has 3 fields, expected 2");
});

Deno.test("csvFromString() rejects an unclosed quote", async () => {
  const reader = await csvFromString('a,b\n1,"2\n');
  await assertRejects(() => all(reader), InputError, "quoted field is never closed");
});

Deno.test("csvFromString() rejects an empty input", async () => {
  await assertRejects(() => csvFromString(""), InputError, "file is empty");
});

Deno.test("openCsv() names a missing file", async () => {
  await assertRejects(
    () => openCsv("no/such/file.csv"),
    InputError,
    'Cannot read CSV "no/such/file.csv": file not found',
  );
});

Deno.test("openCsv() refuses a directory", async () => {
  await assertRejects(() => openCsv("lib"), InputError, "it is a directory");
});

Deno.test("csvFromString() names the line an unclosed quote opens on, not the last line", async () => {
  // regression (issue 7 fuzzing): the line csv-parse gives is where the file ended
  const reader = await csvFromString('a,b\n1,2\n\n\n3,4\n\n5,"6\n7,8\n9,10\n', "t.csv");
  await assertRejects(
    () => all(reader),
    InputError,
    'Cannot read CSV "t.csv": line 7: quoted field is never closed',
  );
  await assertRejects(
    async () => all(await csvFromString('"a,b\n1,2\n', "h.csv")),
    InputError,
    'Cannot read CSV "h.csv": line 1: quoted field is never closed',
  );
});

/** Everything scanCsv() reports, so that the two parsers can be compared. */
async function scanAll(text: string | Uint8Array, general: boolean, chunkSize?: number) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/data.csv`;
  if (typeof text === "string") await Deno.writeTextFile(path, text);
  else await Deno.writeFile(path, text);
  const seen: unknown[] = [];
  try {
    const result = await scanCsv(path, {
      header: (names) => seen.push(["header", ...names]),
      record: (f) => {
        const row: unknown[] = [f.line];
        for (let i = 0; i < (seen[0] as unknown[]).length - 1; i++) {
          row.push(f.text(i), f.number(i));
        }
        seen.push(row);
      },
      restart: () => seen.splice(0),
    }, { general, chunkSize });
    seen.push(["records", result.records, result.sha256]);
  } catch (err) {
    // csv-parse may fail before it delivers the records buffered ahead of the error
    seen.splice(0);
    seen.push(["error", (err as Error).constructor.name, (err as Error).message]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return JSON.stringify(seen, (_, v) => Object.is(v, -0) ? "-0" : Number.isNaN(v) ? "NaN" : v)
    .replaceAll(dir, "DIR");
}

Deno.test("csvFromString() errors about a huge field do not echo it", async () => {
  // the field was 10 MB; 200 kB is 1,000 times the bound below and spans
  // several of the stream's reads, at a fiftieth of the cost
  const field = "x".repeat(200_000);
  for (const text of [`a,b\n1,${field}"y\n`, `a,b\n1,"${field}"y\n`]) {
    const { message } = await assertRejects(
      async () => all(await csvFromString(text, "big.csv")),
      InputError,
    );
    // the length first: a failing includes-assertion would print the whole message
    assert(message.length < 200, `${message.length} characters: ${message.slice(0, 150)}`);
    assertStringIncludes(message, 'Cannot read CSV "big.csv": line 2');
  }
});

Deno.test("scanCsv() reads plain files exactly as csv-parse does", async () => {
  const inputs = [
    "a,b\n1,2\n\n3,4\n",
    "a,b\r\n1.5,-2\r\n\r\n+3,.5\r\n",
    "\ufeffx,y\n-0,007\n1e5,1E-3\n",
    "x,y\n0.1,0.30000000000000004\n123456789012345678,1.7976931348623157e308\n",
    "x,y\n5.,-.25\n1.2.3,--1\n-,.\n",
    "x,y\n 4 ,\t5\nNaN,inf\n1e999,abc\n",
    "x,y\né,ü\n,\n",
    "x,y\n1,2",
    "x,y\n1,\n,2\r\n",
    "x,y,\n1,2,\n",
    "x,y\n\r\n1,2\r",
    "x,y\n1\r2,3\n",
    "x,y\n1,2\n3\n",
    "x,y\n1,2,3\n",
    "x,y\n",
    "",
    "\n\n",
    "only\n1\n2\n",
    // NUL bytes, anywhere, and their order against other faults
    "x,y\n1,2\n3,\0\n",
    "x,y\n1,a\0b\n",
    "x\0,y\n1,2\n",
    "x,y\n\0,1,2\n",
    'x,y\n1,a\0"b"\n',
    'x,y\n"1",\0\n',
    "x,y\n1,2\n3\n\0,4\n",
    // valid UTF-8 of every length, and U+FFFD itself
    "x,y\né,ü\n中,🔵\n\ufffd,\u0085\n",
  ];
  for (const text of inputs) {
    assertEquals(await scanAll(text, false), await scanAll(text, true), JSON.stringify(text));
  }
  // bytes that are not UTF-8, in plain and quoted fields
  const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));
  const bytes: number[][] = [
    [...utf8("x,y\n1,"), 0xff, ...utf8("\n")],
    [...utf8("x,y\n1,a"), 0xc3, ...utf8("\n")], // cut short at the field's end
    [...utf8("x,y\n1,"), 0xc3, ...utf8(",2\n")], // cut short by a comma
    [...utf8("x,y\n1,"), 0xc0, 0xaf, ...utf8("\n")], // overlong "/"
    [...utf8("x,y\n1,"), 0xed, 0xa0, 0x80, ...utf8("\n")], // a surrogate
    [...utf8("x,y\n1,"), 0xf4, 0x90, 0x80, 0x80, ...utf8("\n")], // past U+10FFFF
    [...utf8("x,y\n1,"), 0xe2, 0x82, ...utf8("\n")], // three bytes cut to two
    [...utf8("x,y\n1,"), 0x80, ...utf8("\n")], // a lone continuation byte
    [0xff, 0xfe, ...utf8("x,y\n1,2\n")], // a UTF-16 byte-order mark
    [...utf8("x,"), 0xff, ...utf8("\n1,2\n")], // in the header
    [...utf8('x,y\n1,"a'), 0xff, ...utf8('"\n')], // in a quoted field
    [...utf8("x,y\n"), 0xff, ...utf8(",\0\n")], // before a NUL on the same line
    [...utf8("x,y\n1\n"), 0xff, ...utf8(",2\n")], // after a ragged row
    [0xef, 0xbb], // two bytes of a byte-order mark, and nothing else
    [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, ...utf8("x,y\n1,2\n")], // a second mark is text
  ];
  for (const b of bytes) {
    const file = Uint8Array.from(b);
    assertEquals(await scanAll(file, false), await scanAll(file, true), JSON.stringify(b));
  }
});

Deno.test("validUtf8() judges bytes as a fatal TextDecoder does", () => {
  const strict = new TextDecoder("utf-8", { fatal: true });
  const decodes = (b: Uint8Array) => {
    try {
      strict.decode(b);
      return true;
    } catch {
      return false;
    }
  };
  // bytes near the edges of UTF-8's ranges, in runs a decoder must judge whole
  const byte = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0),
    fc.constantFrom(0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff),
  );
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc.array(byte, { maxLength: 12 }).map((b) => Uint8Array.from(b)),
    fc.string({ unit: binaryChar }).map((t) => new TextEncoder().encode(t)),
  );
  // each boundary of the second byte's range, on both sides
  const edges = [
    [[0xc1, 0xbf], false],
    [[0xc2, 0x80], true],
    [[0xe0, 0x9f, 0xbf], false],
    [[0xe0, 0xa0, 0x80], true],
    [[0xed, 0x9f, 0xbf], true],
    [[0xed, 0xa0, 0x80], false],
    [[0xf0, 0x8f, 0xbf, 0xbf], false],
    [[0xf0, 0x90, 0x80, 0x80], true],
    [[0xf4, 0x8f, 0xbf, 0xbf], true],
    [[0xf4, 0x90, 0x80, 0x80], false],
    [[0xf5, 0x80, 0x80, 0x80], false],
  ] as const;
  for (const [sequence, valid] of edges) {
    const b = Uint8Array.from(sequence);
    assertEquals([validUtf8(b, 0, b.length), decodes(b)], [valid, valid], String(sequence));
  }
  fc.assert(
    fc.property(bytes, fc.nat(3), (b, pad) => {
      // inside a larger buffer, as the scanner calls it
      const buffer = new Uint8Array(b.length + 2 * pad).fill(0xe2);
      buffer.set(b, pad);
      assertEquals(validUtf8(buffer, pad, pad + b.length), decodes(b), JSON.stringify([...b]));
    }),
    { numRuns: 5000 },
  );
});

Deno.test("readCsvStream() drops a byte-order mark cut across chunks, and checks what follows", async () => {
  const bytes = new TextEncoder().encode("\ufeffa,b\n1,é\n");
  const oneByOne = (b: Uint8Array) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of b) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    });
  const reader = await readCsvStream(oneByOne(bytes), "s.csv");
  assertEquals(reader.header, ["a", "b"]);
  assertEquals(await all(reader), [{ line: 2, fields: ["1", "é"] }]);
  const cut = Uint8Array.from([...bytes.subarray(0, bytes.length - 2), 0x0a]); // é cut short
  await assertRejects(
    async () => all(await readCsvStream(oneByOne(cut), "s.csv")),
    InputError,
    'Cannot read CSV "s.csv": line 2, column 2 ("b"): invalid UTF-8',
  );
});

Deno.test("scanCsv() refuses NUL bytes and invalid UTF-8, naming line and column", async () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const cases: Array<[string | Uint8Array, string]> = [
    ["f0,f1\n1,2\n3,4\0\n", 'line 3, column 2 ("f1"): NUL byte'],
    ["f0\0,f1\n1,2\n", "line 1, column 1: NUL byte"],
    [
      Uint8Array.from([...utf8("f0,f1\n\n1,"), 0xff, ...utf8("\n")]),
      'line 3, column 2 ("f1"): invalid UTF-8',
    ],
    [
      Uint8Array.from([...utf8('f0,"f1"\n1,"'), 0xc3, ...utf8('"\n')]),
      'line 2, column 2 ("f1"): invalid UTF-8',
    ],
  ];
  for (const [text, detail] of cases) {
    for (const general of [false, true]) {
      assertStringIncludes(
        await scanAll(text, general),
        `"InputError","Cannot read CSV \\"DIR/data.csv\\": ${detail.replaceAll('"', '\\"')}"`,
      );
    }
  }
});

/** A header of `n` columns, `c1,c2,…`. */
const wide = (n: number) => Array.from({ length: n }, (_, i) => `c${i + 1}`).join(",");

Deno.test("scanCsv() reads a header of 10,000 columns, and no more, exactly as csv-parse does", async () => {
  assertEquals(MAX_COLUMNS, 10_000);
  const cases: Array<[string, string | null]> = [
    [`${wide(10_000)}\n${wide(10_000)}\n`, null],
    [`${wide(10_001)}\n`, "line 1 has more than 10,000 columns, the limit"],
    [`\n\n${wide(10_001)}\n1\n`, "line 3 has more than 10,000 columns, the limit"],
    [`a,b\n1,2\n${wide(10_001)}\n`, "line 3 has more than 10,000 fields, expected 2"],
  ];
  for (const [text, detail] of cases) {
    const fast = await scanAll(text, false);
    assertEquals(fast, await scanAll(text, true), text.slice(0, 40));
    if (detail) {
      assertStringIncludes(fast, `"InputError","Cannot read CSV \\"DIR/data.csv\\": ${detail}"`);
    } else assert(!fast.includes("error"), fast.slice(0, 200));
  }
});

Deno.test("csvFromString() names the header's width for a record past the limit, whatever the chunks", async () => {
  // the parser reads ahead of the reader: the header must be known from the parser itself
  for (const [text, line] of [[`a,b\n${wide(10_001)}\n`, 2], [`a,b\n1,2\n${wide(20_000)}\n`, 3]]) {
    await assertRejects(
      async () => all(await csvFromString(text as string, "w.csv")),
      InputError,
      `Cannot read CSV "w.csv": line ${line} has more than 10,000 fields, expected 2`,
    );
  }
});

Deno.test("scanCsv() refuses a 120,000-column header before the visitor sees it, on both paths", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/wide.csv`;
  // the header had 1,200,000 columns (9.7 MB, 70 s and 10 GB to refuse);
  // a tenth of it in 16 kB reads crosses as many reads before the limit as the
  // issue's in the default 4 MB ones crossed in all, for a tenth of the cost
  for (const header of [wide(120_000), `"c0",${wide(120_000)}`]) {
    await Deno.writeTextFile(path, `${header}\n`);
    for (const general of [false, true]) {
      let seen = 0;
      const visitor = { header: () => seen++, record: () => seen++, restart: () => {} };
      await assertRejects(
        () => scanCsv(path, visitor, { general, chunkSize: 1 << 14 }),
        InputError,
        "line 1 has more than 10,000 columns, the limit",
      );
      assertEquals(seen, 0);
    }
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("scanCsv() hands files with quotes to csv-parse, from the start", async () => {
  const text = 'a,b\n1,2\n3,"x,y"\n';
  const fast = await scanAll(text, false);
  assertEquals(fast, await scanAll(text, true));
  assertStringIncludes(fast, '"x,y"');
});

Deno.test("scanCsv() reads lines and numbers cut across reads", async () => {
  const lines = ["a,b,label"];
  for (let i = 0; i < 3000; i++) lines.push(`${i / 7},${-i},${i % 3}`);
  lines.push(`${"9".repeat(300)},1,x`);
  // multi-byte characters cut across reads too
  for (let i = 0; i < 300; i++) lines.push(`${i},é${"🔵".repeat(i % 5)}中,ü`);
  const text = "\ufeff" + lines.join("\r\n") + "\r\n";
  const expected = await scanAll(text, true);
  for (const chunkSize of [7, 64, 4096]) {
    assertEquals(await scanAll(text, false, chunkSize), expected, `chunk ${chunkSize}`);
  }
});

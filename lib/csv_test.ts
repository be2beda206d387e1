import { assertEquals, assertRejects } from "./assert.ts";
import { csvFromString, type CsvReader, openCsv } from "./csv.ts";
import { InputError } from "./errors.ts";

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

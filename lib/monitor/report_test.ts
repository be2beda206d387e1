import { assertEquals, assertRejects } from "../_testing/assert.ts";
import { messyCsv, messyModel, tempCsv } from "../_testing/fixtures.ts";
import { InputError } from "../core/errors.ts";
import { driftReport } from "./report.ts";

Deno.test("driftReport() reads a file as training read its own: ';', NA markers and --na, decimal commas, dates", async () => {
  const model = await messyModel();
  const messy = await tempCsv(messyCsv());
  const report = await driftReport(model, messy, { model: "messy" });
  assertEquals(report.rows, 80);
  // the same rows written plainly: ',' delimited, decimal points, empty cells for the markers
  const plain = messyCsv().replaceAll(",", ".").replaceAll(";", ",")
    .replace(/(?<=^|,)(NA|\?|-999)(?=,|$)/gm, "");
  const same = await driftReport(model, await tempCsv(plain), { model: "messy" });
  assertEquals(report.features, same.features);
  assertEquals(report.predictions, same.predictions);
  // --delimiter overrides the detection
  const given = await driftReport(model, messy, { model: "messy", delimiter: ";" });
  assertEquals(given.features, report.features);
  await assertRejects(
    () => driftReport(model, messy, { model: "messy", delimiter: "|" }),
    InputError,
    `Cannot read "${messy}": line 1: no column for features "when", "price"`,
  );
});

Deno.test("driftReport() names the cell of a bad row in serving's words", async () => {
  const model = await messyModel();
  const path = await tempCsv("when;price;colour;x\n2024-02-03;1;red;2\n2024-02-30;1;red;2\n");
  await assertRejects(
    () => driftReport(model, path, { model: "messy" }),
    InputError,
    `Cannot read "${path}": line 3, column 1 ("when"): expected an ISO 8601 date such as 2024-01-31, got "2024-02-30"`,
  );
  const number = await tempCsv("when;price;colour;x\n2024-02-03;1.234,5;red;2\n");
  await assertRejects(
    () => driftReport(model, number, { model: "messy" }),
    InputError,
    `Cannot read "${number}": line 2, column 2 ("price"): expected number, got "1.234,5"`,
  );
});

Deno.test("driftReport() reads as batch scoring reads: trimmed header names, unused columns left unread, quotes", async () => {
  const model = await messyModel();
  const plain = await driftReport(model, await tempCsv(messyCsv()), { model: "messy" });
  const [header, ...rows] = messyCsv().trimEnd().split("\n");
  const spaced = header!.split(";").map((h) => ` ${h} `).join(";") + ";note\n" +
    rows.map((r, i) => `${r};${i === 40 ? '"a;b"' : "x"}`).join("\n") + "\n";
  const report = await driftReport(model, await tempCsv(spaced), { model: "messy" });
  assertEquals(report.rows, 80);
  assertEquals(report.features, plain.features);
  assertEquals(report.predictions, plain.predictions);
});

import { assertEquals, assertRejects } from "../_testing/assert.ts";
import { messyCsv, messyModel, tempCsv } from "../_testing/fixtures.ts";
import { InputError } from "../core/errors.ts";
import { driftReport, MIN_ROWS } from "./report.ts";

Deno.test("driftReport() reads a file as training read its own: ';', NA markers and --na, decimal commas, dates", async () => {
  const model = await messyModel();
  const messy = await tempCsv(messyCsv());
  const report = await driftReport(model, messy, { model: "messy", minRows: 1 });
  assertEquals(report.rows, 80);
  // the same rows written plainly: ',' delimited, decimal points, empty cells for the markers
  const plain = messyCsv().replaceAll(",", ".").replaceAll(";", ",")
    .replace(/(?<=^|,)(NA|\?|-999)(?=,|$)/gm, "");
  const same = await driftReport(model, await tempCsv(plain), { model: "messy", minRows: 1 });
  assertEquals(report.features, same.features);
  assertEquals(report.predictions, same.predictions);
  // --delimiter overrides the detection
  const given = await driftReport(model, messy, { model: "messy", minRows: 1, delimiter: ";" });
  assertEquals(given.features, report.features);
  await assertRejects(
    () => driftReport(model, messy, { model: "messy", minRows: 1, delimiter: "|" }),
    InputError,
    `Cannot read "${messy}": line 1: no column for features "when", "price"`,
  );
});

Deno.test("driftReport() names the cell of a bad row in serving's words", async () => {
  const model = await messyModel();
  const path = await tempCsv("when;price;colour;x\n2024-02-03;1;red;2\n2024-02-30;1;red;2\n");
  await assertRejects(
    () => driftReport(model, path, { model: "messy", minRows: 1 }),
    InputError,
    `Cannot read "${path}": line 3, column 1 ("when"): expected an ISO 8601 date such as 2024-01-31, got "2024-02-30"`,
  );
  const number = await tempCsv("when;price;colour;x\n2024-02-03;1.234,5;red;2\n");
  await assertRejects(
    () => driftReport(model, number, { model: "messy", minRows: 1 }),
    InputError,
    `Cannot read "${number}": line 2, column 2 ("price"): expected number, got "1.234,5"`,
  );
});

Deno.test("driftReport() reads as batch scoring reads: trimmed header names, unused columns left unread, quotes", async () => {
  const model = await messyModel();
  const plain = await driftReport(model, await tempCsv(messyCsv()), { model: "messy", minRows: 1 });
  const [header, ...rows] = messyCsv().trimEnd().split("\n");
  const spaced = header!.split(";").map((h) => ` ${h} `).join(";") + ";note\n" +
    rows.map((r, i) => `${r};${i === 40 ? '"a;b"' : "x"}`).join("\n") + "\n";
  const report = await driftReport(model, await tempCsv(spaced), { model: "messy", minRows: 1 });
  assertEquals(report.rows, 80);
  assertEquals(report.features, plain.features);
  assertEquals(report.predictions, plain.predictions);
});

Deno.test("driftReport() refuses fewer rows than minRows (300 by default): their PSI is sampling noise", async () => {
  const model = await messyModel();
  const path = await tempCsv(messyCsv(50));
  await assertRejects(
    () => driftReport(model, path, { model: "messy" }),
    InputError,
    `Cannot report drift on "${path}": 50 rows, fewer than --min-rows 300; on so few rows sampling noise alone gives an unchanged feature a PSI of about 0.18; give more rows, or lower --min-rows knowingly`,
  );
  assertEquals(MIN_ROWS, 300);
  assertEquals((await driftReport(model, path, { model: "messy", minRows: 50 })).rows, 50);
});

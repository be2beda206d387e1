import { assertEquals, assertThrows } from "../_testing/assert.ts";
import { InputError } from "../core/errors.ts";
import { decimalCommaValues, naMarkers, parseDelimiter, sniffDelimiter } from "./dialect.ts";

Deno.test("sniffDelimiter() finds , ; tab and | from the header and first rows", () => {
  const cases: Array<[string, string]> = [
    ["a,b,c\n1,2,3\n", ","],
    ["a;b;c\n1,5;2;3\n2,5;1;0\n", ";"],
    ["a\tb\n1\t2\n", "\t"],
    ["a|b|c\n1|2|3\n", "|"],
    // a quoted comma does not count
    ['name;x\n"Smith, J";1\n"Doe, A";2\n', ";"],
    // one column: nothing to split on
    ["a\n1\n", ","],
    // the sample's last line may be cut short
    ["a;b;c\n1;2;3\n4;5", ";"],
  ];
  for (const [sample, delimiter] of cases) assertEquals(sniffDelimiter(sample), delimiter, sample);
});

Deno.test("parseDelimiter() takes one character, or tab", () => {
  assertEquals(parseDelimiter(";"), ";");
  assertEquals(parseDelimiter("tab"), "\t");
  assertEquals(parseDelimiter("\\t"), "\t");
  assertThrows(
    () => parseDelimiter(";;"),
    InputError,
    'Cannot use delimiter ";;": expected one character such as , ; | or tab',
  );
});

Deno.test("naMarkers() holds pandas' defaults and the extra ones", () => {
  const na = naMarkers([".", " ?? "]);
  for (const m of ["NA", "N/A", "NaN", "null", "None", "#N/A", ".", "??"]) {
    assertEquals(na.has(m), true);
  }
  assertEquals(na.has("none"), false);
});

Deno.test("decimalCommaValues() reads decimal commas and refuses near misses by name", () => {
  assertEquals(Array.from(decimalCommaValues(["1,5", null, "-2", "0,25"], "x")!), [
    1.5,
    NaN,
    -2,
    0.25,
  ]);
  assertEquals(decimalCommaValues(["red", "blue"], "x"), undefined);
  assertEquals(decimalCommaValues(["1", "2"], "x"), undefined);
  // whole numbers count as numbers: one cell that is none of them is refused
  assertThrows(
    () => decimalCommaValues(["0", "1", "2", "3", "4", "5", "6", "7", "1,5", "1e309"], "x"),
    InputError,
    'Cannot read column "x": its numbers are written with decimal commas, but "1e309" is not one',
  );
  assertEquals(decimalCommaValues(["1,5", "red", "blue"], "x"), undefined);
  assertThrows(
    () => decimalCommaValues(["1,5", "1.234,5", "2,5"], "price"),
    InputError,
    'Cannot read column "price": its numbers are written with decimal commas, but "1.234,5" is not one',
  );
});

import { assertEquals, assertThrows } from "../_testing/assert.ts";
import { InputError } from "../core/errors.ts";
import {
  chooseColumns,
  closestNames,
  type ColumnChoice,
  editDistance,
  flagNames,
} from "./columns.ts";

const HEADER = ["id", "bill length", "a,b", "island", "species"];
const source = "p.csv";

Deno.test("chooseColumns() keeps every column but the target without a choice", () => {
  assertEquals(chooseColumns(HEADER, 4, { source }), [0, 1, 2, 3]);
});

Deno.test("chooseColumns() keeps exactly --features and drops --exclude, repeatable", () => {
  assertEquals(chooseColumns(HEADER, 4, { source, features: ["island,bill length"] }), [1, 3]);
  assertEquals(chooseColumns(HEADER, 4, { source, features: ["island", "a,b"] }), [2, 3]);
  assertEquals(chooseColumns(HEADER, 4, { source, exclude: ["id", "a,b"] }), [1, 3]);
});

Deno.test("chooseColumns() refuses unknown names (naming the closest), the target, and no feature left", () => {
  const refused: Array<[string[], number, ColumnChoice, string]> = [
    [
      HEADER,
      4,
      { features: ["Island"] },
      'Cannot use "p.csv": --features names "Island", which is not in the header (closest: "island")',
    ],
    [
      HEADER,
      4,
      { exclude: ["bill_lenght"] },
      '--exclude names "bill_lenght", which is not in the header (closest: "bill length")',
    ],
    [
      HEADER,
      4,
      { exclude: ["species"] },
      '--exclude names the target "species"; choose another target with --target',
    ],
    [["a", "y"], 1, { exclude: ["a"] }, "leave no feature column besides the target"],
  ];
  for (const [header, target, choice, message] of refused) {
    assertThrows(() => chooseColumns(header, target, { source, ...choice }), InputError, message);
  }
});

Deno.test("flagNames() splits on commas unless the value is a header name", () => {
  assertEquals(flagNames(["a,b", " x , y ", "x"], ["a,b", "x", "y"]), ["a,b", "x", "y"]);
});

Deno.test("closestNames() and editDistance() rank near names first", () => {
  assertEquals(editDistance("kitten", "sitting"), 3);
  assertEquals(closestNames("sex", ["Sex", "sexes", "island"]), ["Sex", "sexes"]);
  assertEquals(closestNames("zzzzzz", ["island"]), []);
});

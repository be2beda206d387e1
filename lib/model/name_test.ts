import { assertEquals } from "../_testing/assert.ts";
import { ModelName, nameFromPath } from "./name.ts";

Deno.test("nameFromPath() takes the file's base name without its extension", () => {
  assertEquals(nameFromPath("data/penguins.csv"), "penguins");
  assertEquals(nameFromPath("/tmp/Penguins Size.CSV"), "penguins-size");
  assertEquals(nameFromPath("weather.2024.tsv"), "weather.2024");
  assertEquals(nameFromPath("iris"), "iris");
  assertEquals(nameFromPath("x;touch PWNED;.csv"), "x-touch-pwned");
  assertEquals(nameFromPath("données é.csv"), "donn-es");
  assertEquals(nameFromPath("---.csv"), "model");
  assertEquals(nameFromPath(`${"a".repeat(80)}.csv`), "a".repeat(63));
});

Deno.test("every default name is a valid ModelName", () => {
  for (const path of ["a.csv", "_x_.csv", "..csv", "UPPER.csv", "a b c", "é.csv", "9.csv"]) {
    assertEquals(ModelName.safeParse(nameFromPath(path)).success, true, path);
  }
  assertEquals(ModelName.safeParse("Penguins").success, false);
  assertEquals(ModelName.safeParse("a/b").success, false);
  assertEquals(ModelName.safeParse("-a").success, false);
});

import fc from "fast-check";
import { binaryChar } from "../_testing/arbitraries.ts";
import { assertEquals } from "../_testing/assert.ts";
import { shArgs } from "../_testing/sh.ts";
import { shellCommand, shellQuote } from "./shell.ts";

/** Arguments that break naive quoting, each on its own. */
const NASTY = [
  "plain.csv",
  "with space.csv",
  "/tmp/x;touch PWNED;.csv",
  "$(touch PWNED)",
  "`touch PWNED`",
  "${HOME}",
  "it's",
  "'",
  "''",
  '"double"',
  "back\\slash",
  "line\nbreak",
  "\n",
  "tab\there",
  "-leading-dash",
  "--data=x",
  "",
  " ",
  "*",
  "?",
  "[a]",
  "~",
  "~root",
  "a|b&c>d<e",
  "#comment",
  "!",
  "é données 🔵 中文",
  "\u2028\u00a0",
];

Deno.test("shellQuote() leaves safe words alone and single-quotes the rest", () => {
  assertEquals(shellQuote("data/iris.csv"), "data/iris.csv");
  assertEquals(shellQuote("--test-size"), "--test-size");
  assertEquals(shellQuote("0.0001"), "0.0001");
  assertEquals(shellQuote("a@b%c+d=e:f,g"), "a@b%c+d=e:f,g");
  assertEquals(shellQuote("/tmp/x;touch PWNED;.csv"), "'/tmp/x;touch PWNED;.csv'");
  assertEquals(shellQuote("it's"), "'it'\\''s'");
  assertEquals(shellQuote(""), "''");
  assertEquals(shellQuote("é"), "'é'");
});

Deno.test("shellCommand() gives sh back exactly its arguments, and runs nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await shArgs(shellCommand(NASTY), dir), NASTY);
    for (const arg of NASTY) assertEquals(await shArgs(shellQuote(arg), dir), [arg], arg);
    assertEquals([...Deno.readDirSync(dir)], [], "a quoted argument ran a command");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shellCommand() round-trips random arguments through sh", async () => {
  const dir = await Deno.makeTempDir();
  // anything but NUL, which no program argument can hold
  const arg = fc.oneof(
    fc.string({ unit: binaryChar }),
    fc.string({ unit: fc.constantFrom(..."'\"\\$`;|&<>(){}[]*?~!# \t\n-=", "a", "é") }),
  ).map((s) => s.replaceAll("\0", ""));
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(arg, { minLength: 1, maxLength: 6 }), async (args) => {
        assertEquals(await shArgs(shellCommand(args), dir), args);
      }),
      { numRuns: 25 },
    );
    assertEquals([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { z } from "zod";
import { assertEquals, assertStringIncludes, assertThrows } from "../_testing/assert.ts";
import { type Command, numberFlag, parseFlags } from "./flags.ts";
import { UsageError } from "./errors.ts";

const command: Command = {
  usage: "demo [flags]",
  summary: "A demo.",
  flags: {
    size: { type: "string", value: "N", default: "3", description: "A size" },
    name: { type: "string", description: "A name" },
    loud: { type: "boolean", description: "Shout" },
  },
};
const schema = z.object({
  size: numberFlag.pipe(z.number().int()),
  name: z.string().optional(),
  loud: z.boolean().optional(),
});

Deno.test("parseFlags() applies defaults and coerces numbers", () => {
  assertEquals(parseFlags(["--loud"], command, schema), {
    help: false,
    options: { size: 3, name: undefined, loud: true },
  });
  assertEquals(parseFlags(["--size=7", "--name", "x"], command, schema), {
    help: false,
    options: { size: 7, name: "x", loud: undefined },
  });
});

Deno.test("parseFlags() returns help text listing every flag", () => {
  const parsed = parseFlags(["--help"], command, schema);
  assertEquals(parsed.help, true);
  if (parsed.help) {
    assertStringIncludes(parsed.text, "Usage: demo [flags]");
    assertStringIncludes(parsed.text, "--size N");
    assertStringIncludes(parsed.text, "(default: 3)");
  }
});

Deno.test("parseFlags() rejects unknown flags, positionals and bad values", () => {
  assertThrows(
    () => parseFlags(["--nope"], command, schema),
    UsageError,
    "Unknown option '--nope'",
  );
  assertThrows(() => parseFlags(["stray"], command, schema), UsageError, "Cannot parse flags");
  assertThrows(
    () => parseFlags(["--size", "x"], command, schema),
    UsageError,
    'Invalid --size: expected a number, got "x"',
  );
  assertThrows(() => parseFlags(["--size", "1.5"], command, schema), UsageError, "Invalid --size");
});

Deno.test("parseFlags() passes positionals as _ only to a command that takes them", () => {
  const takes: Command = { ...command, positionals: true };
  const withArgs = schema.extend({ _: z.array(z.string()).max(2, "expected at most two") });
  assertEquals(parseFlags(["a", "--loud", "b"], takes, withArgs), {
    help: false,
    options: { size: 3, name: undefined, loud: true, _: ["a", "b"] },
  });
  assertThrows(
    () => parseFlags(["a", "b", "c"], takes, withArgs),
    UsageError,
    "Invalid arguments: expected at most two (see --help)",
  );
  assertThrows(() => parseFlags(["a"], command, withArgs), UsageError, "Cannot parse flags");
});

Deno.test("parseFlags() gathers a repeatable flag's values in order", () => {
  const many: Command = {
    usage: "demo",
    summary: "A demo.",
    flags: { col: { type: "string", multiple: true, description: "A column" } },
  };
  const s = z.object({ col: z.array(z.string()).optional() });
  assertEquals(parseFlags(["--col", "a,b", "--col=c"], many, s), {
    help: false,
    options: { col: ["a,b", "c"] },
  });
  assertEquals(parseFlags([], many, s), { help: false, options: { col: undefined } });
  const help = parseFlags(["--help"], many, s);
  assertStringIncludes(help.help ? help.text : "", "A column (repeatable)");
});

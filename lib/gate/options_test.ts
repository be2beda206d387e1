import { assertEquals, assertThrows } from "../_testing/assert.ts";
import { UsageError } from "../core/errors.ts";
import { gateOptions } from "./options.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("gateOptions() gates and promotes the newest run with the seed's thresholds by default", () => {
  assertEquals(gateOptions([], envOf({})), {
    help: false,
    json: false,
    options: {
      model: undefined,
      data: undefined,
      thresholds: { accuracy: 0.7, f1: 0.7 },
      maxRegression: undefined,
      promote: true,
      allowSchemaChange: false,
      keep: 10,
    },
  });
});

Deno.test("gateOptions() takes thresholds from the environment, and flags over it", () => {
  const parsed = gateOptions(
    ["--min-f1", "0.9", "--model", "latest", "--json"],
    envOf({ MIN_ACCURACY: "0.8", MIN_F1: "0.1" }),
  );
  if (parsed.help) throw new Error("unexpected help");
  assertEquals(parsed.options.thresholds, { accuracy: 0.8, f1: 0.9 });
  assertEquals(parsed.json, true);
  // --model only scores, unless --promote says otherwise
  assertEquals(parsed.options.promote, false);
  const promoted = gateOptions(["--model", "latest", "--promote"], envOf({ MIN_F1: " " }));
  if (promoted.help) throw new Error("unexpected help");
  assertEquals(promoted.options.promote, true);
  assertEquals(promoted.options.thresholds.f1, 0.7);
});

Deno.test("gateOptions() refuses bad values in one line", () => {
  const cases: Array<[string[], Record<string, string>, string]> = [
    [
      [],
      { MIN_ACCURACY: "1.5" },
      'Invalid MIN_ACCURACY: Too big: expected number to be <=1 (got "1.5")',
    ],
    [["--max-regression", "0.02"], {}, "Invalid --max-regression: it needs --data"],
    [["--keep", "0"], {}, "--keep"],
  ];
  for (const [args, env, message] of cases) {
    assertThrows(() => gateOptions(args, envOf(env)), UsageError, message);
  }
});

Deno.test("gateOptions() returns the --help text", () => {
  const parsed = gateOptions(["--help"], envOf({}));
  assertEquals(parsed.help, true);
  if (parsed.help) assertEquals(parsed.text.startsWith("Usage: deno task evaluate"), true);
});

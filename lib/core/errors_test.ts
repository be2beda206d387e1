import { assert, assertEquals } from "../_testing/assert.ts";
import { ECHO_LIMIT, quoteValue } from "./errors.ts";

Deno.test("quoteValue() quotes a short value whole, as a JSON string on one line", () => {
  assertEquals(quoteValue("x"), '"x"');
  assertEquals(quoteValue(""), '""');
  assertEquals(quoteValue('say "hi"\n\\'), '"say \\"hi\\"\\n\\\\"');
  assertEquals(quoteValue("a".repeat(ECHO_LIMIT)), `"${"a".repeat(ECHO_LIMIT)}"`);
});

Deno.test("quoteValue() cuts a long value to its first 40 characters and names its length", () => {
  assertEquals(ECHO_LIMIT, 40);
  assertEquals(quoteValue("a".repeat(41)), `"${"a".repeat(40)}…" (41 characters)`);
  const huge = quoteValue("9".repeat(10_000_000));
  assertEquals(huge, `"${"9".repeat(40)}…" (10,000,000 characters)`);
  // characters, not UTF-16 units: a pair is never cut in half
  assertEquals(quoteValue("🔵".repeat(50)), `"${"🔵".repeat(40)}…" (50 characters)`);
  assert(!quoteValue("\n".repeat(100)).includes("\n"));
});

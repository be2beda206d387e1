import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_testing/assert.ts";
import { InputError } from "../core/errors.ts";
import { stratifiedSplit } from "./split.ts";

Deno.test("stratifiedSplit() holds out ceil(testSize·n) rows, each class in proportion", () => {
  const y = Int32Array.from({ length: 150 }, (_, i) => Math.floor(i / 50));
  const { train, test } = stratifiedSplit(y, 3, { testSize: 0.2, seed: 42 });
  assertEquals(test.length, 30);
  assertEquals(train.length, 120);
  for (let k = 0; k < 3; k++) {
    assertEquals(Array.from(test).filter((i) => y[i] === k).length, 10);
  }
  const all = new Set([...train, ...test]);
  assertEquals(all.size, 150);
});

Deno.test("stratifiedSplit() is reproducible from the seed and changes with it", () => {
  const y = Int32Array.from({ length: 40 }, (_, i) => i % 2);
  const a = stratifiedSplit(y, 2, { testSize: 0.25, seed: 7 });
  const b = stratifiedSplit(y, 2, { testSize: 0.25, seed: 7 });
  const c = stratifiedSplit(y, 2, { testSize: 0.25, seed: 8 });
  assertEquals(a, b);
  assert(a.test.join() !== c.test.join());
});

Deno.test("stratifiedSplit() keeps one row of each class on each side of the seed's toy data", () => {
  const y = Int32Array.from([1, 0, 1, 0, 1, 0]);
  const { train, test } = stratifiedSplit(y, 2, { testSize: 0.2, seed: 42 });
  assertEquals(test.length, 2);
  assertEquals(new Set(Array.from(test, (i) => y[i])).size, 2);
  assertEquals(train.length, 4);
});

Deno.test("stratifiedSplit() rejects a class too small to stratify", () => {
  const y = Int32Array.from([0, 0, 0, 1]);
  assertThrows(
    () => stratifiedSplit(y, 2, { testSize: 0.5, seed: 1, classNames: ["a", "b"] }),
    InputError,
    'class "b" has 1 row, at least 2 are needed',
  );
});

Deno.test("stratifiedSplit() names a long class by its first 40 characters", () => {
  const y = Int32Array.from([0, 0, 0, 1]);
  const label = "b".repeat(1_000_000);
  const { message } = assertThrows(
    () => stratifiedSplit(y, 2, { testSize: 0.5, seed: 1, classNames: ["a", label] }),
    InputError,
  );
  assert(message.length < 200, `${message.length} characters: ${message.slice(0, 150)}`);
  assertStringIncludes(message, `class "${"b".repeat(40)}…" (1,000,000 characters) has 1 row`);
});

Deno.test("stratifiedSplit() rejects a test set smaller than the class count", () => {
  const y = Int32Array.from([0, 0, 1, 1, 2, 2]);
  assertThrows(() => stratifiedSplit(y, 3, { testSize: 0.1, seed: 1 }), InputError, "leave 1 test");
});

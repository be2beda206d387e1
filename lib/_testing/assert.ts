/**
 * Test assertions: the one module tests import them from.
 *
 * Built on `node:assert/strict` (standing in for `@std/assert`, which lives
 * on JSR) with `@std/assert`'s names and argument order, so switching back
 * is a change to this file only.
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Asserts that `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}

/** Asserts deep equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Asserts deep inequality. */
export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

/** Asserts `Object.is` equality. */
export function assertStrictEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.strictEqual(actual, expected, message);
}

/** Asserts that `actual` is within `tolerance` of `expected`. */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  message?: string,
): void {
  nodeAssert.ok(
    Math.abs(actual - expected) <= tolerance,
    message ?? `Expected ${actual} to be within ${tolerance} of ${expected}`,
  );
}

/** Asserts that `actual` matches `pattern`. */
export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  nodeAssert.match(actual, pattern, message);
}

/** Asserts that `actual` contains `expected`. */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  nodeAssert.ok(
    actual.includes(expected),
    message ?? `Expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}

/** Asserts `actual >= expected`. */
export function assertGreaterOrEqual(actual: number, expected: number, message?: string): void {
  nodeAssert.ok(actual >= expected, message ?? `Expected ${actual} >= ${expected}`);
}

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;

/**
 * Asserts that `fn` throws an instance of `ErrorClass` whose message
 * includes `msgIncludes`; returns the error.
 */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  ErrorClass: ErrorClass<E>,
  msgIncludes?: string,
): E {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  return checkError(caught, ErrorClass, msgIncludes);
}

/** As {@link assertThrows}, for a function returning a promise. */
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  ErrorClass: ErrorClass<E>,
  msgIncludes?: string,
): Promise<E> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  return checkError(caught, ErrorClass, msgIncludes);
}

function checkError<E extends Error>(
  caught: unknown,
  ErrorClass: ErrorClass<E>,
  msgIncludes?: string,
): E {
  nodeAssert.ok(caught !== undefined, `Expected ${ErrorClass.name} to be thrown, but nothing was`);
  nodeAssert.ok(
    caught instanceof ErrorClass,
    `Expected ${ErrorClass.name}, got ${caught instanceof Error ? caught.name : typeof caught}: ${
      String(caught)
    }`,
  );
  if (msgIncludes !== undefined) {
    nodeAssert.ok(
      caught.message.includes(msgIncludes),
      `Expected message ${JSON.stringify(caught.message)} to include ${
        JSON.stringify(msgIncludes)
      }`,
    );
  }
  return caught;
}

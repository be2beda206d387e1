import { assertEquals, assertThrows } from "../_testing/assert.ts";
import { InputError } from "../core/errors.ts";
import type { Column, Dataset } from "./dataset.ts";
import { decideRoles } from "./roles.ts";

function dataset(columns: Column[], rows: number): Dataset {
  return { source: "t.csv", rows, columns, target: "y", labels: [], sha256: "" };
}
const n = 60;
const ids: Column = {
  name: "id",
  type: "categorical",
  values: Array.from({ length: n }, (_, i) => `u${i}`),
};
const dates: Column = {
  name: "day",
  type: "categorical",
  values: Array.from(
    { length: n },
    (_, i) => i === 3 ? null : `2024-01-${String(1 + i % 28).padStart(2, "0")}`,
  ),
};
const many: Column = {
  name: "city",
  type: "categorical",
  values: Array.from({ length: n }, (_, i) => `c${i % 52}`),
};
const x: Column = {
  name: "x",
  type: "numeric",
  values: Float64Array.from({ length: n }, (_, i) => (i * 0.37) % 5),
};

Deno.test("decideRoles() leaves out identifier-like and date columns, each with a line", () => {
  const roles = decideRoles(dataset([ids, dates, x], n));
  assertEquals(roles.columns.map((c) => c.name), ["x"]);
  assertEquals(roles.dates.size, 0);
  assertEquals(roles.decisions, [
    'column "id" left out: identifier-like (100 % of 60 rows distinct; to use it: --features)',
    'column "day" left out: its values are dates (to use it: --features, as date parts)',
  ]);
});

Deno.test("decideRoles() keeps what --features names, a date as date parts", () => {
  const roles = decideRoles(dataset([ids, dates, x], n), new Set(["id", "day"]));
  assertEquals(roles.columns.map((c) => c.name), ["id", "day", "x"]);
  assertEquals([...roles.dates], ["day"]);
  assertEquals(roles.decisions.length, 2);
});

Deno.test("decideRoles() warns of very many categories and keeps small tables' text columns", () => {
  const roles = decideRoles(dataset([many, x], n));
  assertEquals(roles.columns.map((c) => c.name), ["city", "x"]);
  assertEquals(roles.decisions[0]?.startsWith('warning: column "city" has 52 categories'), true);
  // 50 rows or fewer: distinct values are no sign of an identifier
  const small = decideRoles(dataset([{ ...ids, values: ids.values.slice(0, 40) }], 40));
  assertEquals(small.columns.length, 1);
  assertEquals(small.decisions, []);
});

Deno.test("decideRoles() leaves out empty, constant and numeric identifier columns, each with a line", () => {
  const column = (name: string, f: (i: number) => number): Column => ({
    name,
    type: "numeric",
    values: Float64Array.from({ length: n }, (_, i) => f(i)),
  });
  const roles = decideRoles(
    dataset([
      column("empty", () => NaN),
      column("one", (i) => i % 5 ? 7 : NaN),
      { name: "same", type: "categorical", values: Array(n).fill("k") },
      column("row", (i) => (i * 7) % n + 1),
      column("customerID", (i) => 1000 + i * i),
      column("price", (i) => 1000 + i * i),
      column("rank", (i) => i % 10),
      x,
    ], n),
  );
  assertEquals(roles.columns.map((c) => c.name), ["price", "rank", "x"]);
  assertEquals(roles.decisions, [
    'column "empty" left out: empty in every row (to use it: --features)',
    'column "one" left out: constant (every cell is "7") (to use it: --features)',
    'column "same" left out: constant (every cell is "k") (to use it: --features)',
    'column "row" left out: identifier-like, whole numbers all 60 distinct and consecutive from 1 (to use it: --features)',
    `column "customerID" left out: identifier-like, whole numbers all 60 distinct under an identifier's name (to use it: --features)`,
  ]);
  const named = decideRoles(dataset([column("row", (i) => i), x], n), new Set(["row"]));
  assertEquals(named.columns.map((c) => c.name), ["row", "x"]);
  assertEquals(named.decisions, [
    'column "row" kept though identifier-like, whole numbers all 60 distinct and consecutive from 0: named by --features',
  ]);
});

Deno.test("decideRoles() warns of a column empty in more than half the rows", () => {
  const sparse: Column = {
    name: "s",
    type: "categorical",
    values: Array.from({ length: n }, (_, i) => i % 3 ? null : `v${i % 2}`),
  };
  const roles = decideRoles(dataset([sparse, x], n));
  assertEquals(roles.columns.length, 2);
  assertEquals(roles.decisions, [
    'warning: column "s" is empty in 66 % of rows (40 of 60), filled in with the training mean or as no category; leave it out with --exclude if that misleads',
  ]);
});

Deno.test("decideRoles() takes a column of ISO dates with a few unreadable cells as dates, and says so", () => {
  const values = [...dates.values];
  values[5] = "unknown";
  values[6] = "2024-02-30x";
  const roles = decideRoles(dataset([{ ...dates, values }, x], n));
  assertEquals(roles.decisions, [
    'column "day" left out: its values are dates (2 of 59 cells are not dates, read as missing; to use it: --features, as date parts)',
  ]);
  const named = decideRoles(dataset([{ ...dates, values }, x], n), new Set(["day"]));
  assertEquals([...named.dates], ["day"]);
});

Deno.test("decideRoles() leaves out dates not written as ISO 8601, and keeps them as text when named", () => {
  const column = (sep: string): Column => ({
    name: "when",
    type: "categorical",
    values: Array.from({ length: n }, (_, i) => `${1 + i % 28}${sep}0${1 + i % 9}${sep}2023`),
  });
  for (const sep of ["/", "."]) {
    const roles = decideRoles(dataset([column(sep), x], n));
    assertEquals(roles.columns.map((c) => c.name), ["x"]);
    assertEquals(roles.decisions, [
      `column "when" left out: its values look like dates not written as ISO 8601 ("1${sep}01${sep}2023": day or month first), read as text (rewrite them as YYYY-MM-DD to use them as dates, or keep them as text categories with --features)`,
    ]);
  }
  const named = decideRoles(dataset([column("/"), x], n), new Set(["when"]));
  assertEquals(named.columns.map((c) => c.name), ["when", "x"]);
  assertEquals(named.dates.size, 0);
});

Deno.test("decideRoles() refuses a table whose every feature column is left out, saying why", () => {
  assertThrows(
    () => decideRoles(dataset([ids, dates], n)),
    InputError,
    'Cannot train on "t.csv": every feature column was left out (column "id" left out: identifier-like (100 % of 60 rows distinct; to use it: --features), and 1 more); name the columns to train on with --features',
  );
});

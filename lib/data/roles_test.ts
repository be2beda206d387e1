import { assertEquals } from "../_testing/assert.ts";
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
const x: Column = { name: "x", type: "numeric", values: new Float64Array(n) };

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

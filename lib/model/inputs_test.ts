import { assertEquals } from "../_testing/assert.ts";
import { type Row, rowSchema } from "./features.ts";
import { checkPayload, issuesLine, MAX_ISSUES } from "./inputs.ts";

const schema = rowSchema([
  { name: "f1", type: "numeric", mean: 0, scale: 1, min: 0, max: 1, missing: 0 },
  { name: "f2", type: "numeric", mean: 0, scale: 1, min: 0, max: 1, missing: 0 },
]);

Deno.test("checkPayload() accepts one row or an array of rows, and says which", () => {
  assertEquals(checkPayload({ f1: 1, f2: 0 }, schema), {
    ok: true,
    rows: [{ f1: 1, f2: 0 }],
    batch: false,
  });
  assertEquals(checkPayload([{ f1: 1, f2: 0 }], schema), {
    ok: true,
    rows: [{ f1: 1, f2: 0 }],
    batch: true,
  });
});

Deno.test("checkPayload() lists every problem with its path", () => {
  const checked = checkPayload([{ f1: 1, f2: 0 }, { f1: "x", f3: 1 }, 7], schema);
  assertEquals(checked, {
    ok: false,
    issues: [
      { path: "[1].f1", message: "expected number, got string" },
      { path: "[1].f2", message: "required" },
      { path: "[1].f3", message: "unknown feature" },
      { path: "[2]", message: "expected an object of features, got number" },
    ],
  });
  if (!checked.ok) {
    assertEquals(
      issuesLine(checked.issues),
      "[1].f1: expected number, got string; [1].f2: required; [1].f3: unknown feature; [2]: expected an object of features, got number",
    );
  }
});

Deno.test("checkPayload() refuses null, scalars and an empty batch", () => {
  assertEquals(checkPayload(null, schema).ok, false);
  assertEquals(checkPayload("x", schema).ok, false);
  assertEquals(checkPayload([], schema), {
    ok: false,
    issues: [{ path: "", message: "expected at least one row" }],
  });
});

Deno.test("checkPayload() escapes control characters in unknown keys, so messages stay one line", () => {
  // regression (issue 7 fuzzing): a key with a newline or an ANSI escape split infer.ts's error line
  const checked = checkPayload({ f1: 1, f2: 0, "a\nb\u001b[31m\u202e": 1 }, schema);
  assertEquals(checked, {
    ok: false,
    issues: [{ path: "a\\u000ab\\u001b[31m\\u202e", message: "unknown feature" }],
  });
  if (!checked.ok) assertEquals(issuesLine(checked.issues).includes("\n"), false);
});

Deno.test("checkPayload() lists at most MAX_ISSUES problems, then says more were not listed", () => {
  // issue 7: 200,000 bad rows (2.4 MB) made an 8.7 MB answer and 7 s of work
  const rows = Array.from({ length: 10_000 }, () => ({ f1: 1 }));
  const wide = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]));
  for (const payload of [rows, wide]) {
    const checked = checkPayload(payload, schema);
    if (checked.ok) throw new Error("accepted an invalid payload");
    assertEquals(checked.issues.length, MAX_ISSUES + 1);
    assertEquals(checked.issues.at(-1), {
      path: "",
      message: `more problems not listed (only the first ${MAX_ISSUES} are)`,
    });
  }
  const exact = checkPayload(Array.from({ length: MAX_ISSUES }, () => ({ f1: 1 })), schema);
  assertEquals(exact.ok ? 0 : exact.issues.length, MAX_ISSUES);
});

Deno.test("checkPayload() reads {instances: [...]} as a batch and names paths under it", () => {
  const ok = checkPayload({ instances: [{ f1: 1, f2: 0 }] }, schema);
  assertEquals(ok, { ok: true, rows: [{ f1: 1, f2: 0 }], batch: true });
  assertEquals(checkPayload({ instances: [{ f1: 1 }] }, schema), {
    ok: false,
    issues: [{ path: "instances[0].f2", message: "required" }],
  });
  // another key beside "instances" makes it a row, whose fields are then unknown
  const row = checkPayload({ instances: [], f1: 1, f2: 0 }, schema);
  assertEquals(row.ok, false);
  if (!row.ok) assertEquals(row.issues, [{ path: "instances", message: "unknown feature" }]);
});

Deno.test("checkPayload() with a fast predicate answers as the schema does", () => {
  const accepts = (v: unknown): v is Row =>
    typeof v === "object" && v !== null && Object.keys(v).join() === "f1,f2" &&
    Object.values(v).every((x) => typeof x === "number");
  assertEquals(checkPayload([{ f1: 1, f2: 0 }], schema, { accepts }), {
    ok: true,
    rows: [{ f1: 1, f2: 0 }],
    batch: true,
  });
  const bad = checkPayload([{ f1: 1, f2: 0 }, { f1: "x", f2: 0 }], schema, { accepts });
  assertEquals(bad, {
    ok: false,
    issues: [{ path: "[1].f1", message: "expected number, got string" }],
  });
});

/**
 * Validating prediction inputs against a model's row schema, shared by the
 * HTTP API and `infer.ts` so both accept and refuse exactly the same rows.
 * @module
 */
import type { z } from "zod";
import type { Row } from "./features.ts";

/** One problem with an input, located by its path. */
export interface InputIssue {
  /** Where, such as `[3].petal_width` or `f1`. */
  path: string;
  /** What is wrong, such as `expected number`. */
  message: string;
}

/** Valid rows, or every problem found. */
export type Checked =
  | { ok: true; rows: Row[]; batch: boolean }
  | { ok: false; issues: InputIssue[] };

/** Problems listed at most, plus one saying more were not. */
export const MAX_ISSUES = 100;

/**
 * Checks a parsed JSON payload: one row object, or an array of them.
 * `batch` tells which, so answers keep the same shape.
 */
export function checkPayload(payload: unknown, schema: z.ZodType<Row>): Checked {
  const batch = Array.isArray(payload);
  const items: unknown[] = batch ? payload : [payload];
  if (batch && items.length === 0) {
    return { ok: false, issues: [{ path: "", message: "expected at least one row" }] };
  }
  const rows: Row[] = [];
  const issues: InputIssue[] = [];
  // stop early: a huge invalid batch must not become a huger answer
  for (let i = 0; i < items.length && issues.length <= MAX_ISSUES; i++) {
    const item = items[i];
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      issues.push({
        path: batch ? `[${i}]` : "",
        message: `expected an object of features, got ${describe(item)}`,
      });
      continue;
    }
    const result = schema.safeParse(item, { reportInput: true });
    if (result.success) {
      rows.push(result.data);
      continue;
    }
    for (const issue of result.error.issues) {
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
      for (const key of keys) {
        const path = [...issue.path, ...(key === undefined ? [] : [key])];
        issues.push({
          path: formatPath(batch ? [i, ...path] : path),
          message: key === undefined ? messageFor(issue) : "unknown feature",
        });
      }
    }
  }
  if (issues.length > MAX_ISSUES) {
    issues.length = MAX_ISSUES;
    issues.push({
      path: "",
      message: `more problems not listed (only the first ${MAX_ISSUES} are)`,
    });
  }
  return issues.length ? { ok: false, issues } : { ok: true, rows, batch };
}

/** Formats issues as one line: `f1: expected number; f2: required`. */
export function issuesLine(issues: readonly InputIssue[]): string {
  const shown = issues.slice(0, 5).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  const more = issues.length > 5 ? `; and ${issues.length - 5} more` : "";
  return shown.join("; ") + more;
}

function messageFor(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    return issue.input === undefined
      ? "required"
      : `expected ${issue.expected}, got ${describe(issue.input)}`;
  }
  return issue.message;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${visible(String(part))}` : visible(String(part));
  }
  return out;
}

/**
 * Escapes control and format characters in a client's key: it is echoed in
 * a one-line message, where a newline or a terminal escape would forge lines.
 */
function visible(key: string): string {
  return key.replace(
    /[\p{Cc}\p{Cf}\u2028\u2029]/gu,
    (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`,
  );
}

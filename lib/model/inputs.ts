/**
 * Validating prediction inputs against a model's row schema, shared by the
 * HTTP API and `infer.ts` so both accept and refuse exactly the same rows.
 * @module
 */
import type { z } from "zod";
import type { CategoricalFeature, Feature, Row } from "./features.ts";
import { quoteValue } from "../core/errors.ts";

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

/** The rows of a payload before validation, and how to name and answer them. */
export interface PayloadItems {
  /** The candidate rows. */
  items: unknown[];
  /** True for an array or `{"instances": [...]}`: the answer is a list. */
  batch: boolean;
  /** Path prefix of the rows in issues: `""` or `"instances"`. */
  prefix: string;
}

/**
 * Splits a parsed JSON payload into candidate rows: one row object, an array
 * of them, or `{"instances": [...]}` (the TensorFlow Serving / KServe V1 shape;
 * unambiguous because no feature value is ever an array).
 */
export function payloadItems(payload: unknown): PayloadItems {
  if (Array.isArray(payload)) return { items: payload, batch: true, prefix: "" };
  if (payload !== null && typeof payload === "object") {
    const instances = (payload as Record<string, unknown>).instances;
    if (Array.isArray(instances) && Object.keys(payload).length === 1) {
      return { items: instances, batch: true, prefix: "instances" };
    }
  }
  return { items: [payload], batch: false, prefix: "" };
}

/**
 * Checks a parsed JSON payload (see {@link payloadItems} for its shapes).
 * `batch` tells which, so answers keep the same shape.
 */
export function checkPayload(
  payload: unknown,
  schema: z.ZodType<Row>,
  options: CheckOptions = {},
): Checked {
  return checkItems(payloadItems(payload), schema, options);
}

/** How to check rows. */
export interface CheckOptions {
  /**
   * A fast predicate that accepts only rows `schema` accepts (such as
   * `Model.rowAccepts`); rows it refuses go through `schema` for their issues.
   */
  accepts?: (value: unknown) => value is Row;
}

/** Checks rows already split by {@link payloadItems}. */
export function checkItems(
  split: PayloadItems,
  schema: z.ZodType<Row>,
  options: CheckOptions = {},
): Checked {
  const { accepts } = options;
  if (accepts && split.items.length > 0 && split.items.every(accepts)) {
    return { ok: true, rows: split.items as Row[], batch: split.batch };
  }
  const { items, batch, prefix } = split;
  if (batch && items.length === 0) {
    return { ok: false, issues: [{ path: prefix, message: "expected at least one row" }] };
  }
  const rows: Row[] = [];
  const issues: InputIssue[] = [];
  // stop early: a huge invalid batch must not become a huger answer
  for (let i = 0; i < items.length && issues.length <= MAX_ISSUES; i++) {
    const item = items[i];
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      issues.push({
        path: batch ? `${prefix}[${i}]` : "",
        message: `expected an object of features, got ${describe(item)}`,
      });
      continue;
    }
    const result = schema.safeParse(item, REPORT_INPUT);
    if (result.success) {
      rows.push(result.data);
      continue;
    }
    for (const issue of result.error.issues) {
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
      for (const key of keys) {
        const path = [...issue.path, ...(key === undefined ? [] : [key])];
        issues.push({
          path: prefix + formatPath(batch ? [i, ...path] : path),
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

/**
 * The first problem serving finds with `row` (a row refused by the model's
 * fast check), and the index in `names` of the feature it is about, -1 when
 * it is about the whole row: files of rows (batch scoring, the drift report)
 * name the cell with it.
 */
export function rowProblem(
  row: Row,
  schema: z.ZodType<Row>,
  names: readonly string[],
): { feature: number; message: string } {
  const checked = checkItems({ items: [row], batch: false, prefix: "" }, schema);
  const issue = checked.ok ? undefined : checked.issues[0];
  return {
    feature: issue ? names.findIndex((n) => visible(n) === issue.path) : -1,
    message: issue?.message ?? "refused by the model",
  };
}

// hoisted: this runs once per row on the server's hot path
const REPORT_INPUT = { reportInput: true } as const;

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
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
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
export function visible(key: string): string {
  return key.replace(
    /[\p{Cc}\p{Cf}\u2028\u2029]/gu,
    (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`,
  );
}

/** A category a row sent that training never saw: answered, as all zeros, with this warning. */
export interface UnseenCategory {
  /** The feature. */
  feature: string;
  /** The value sent. */
  value: string;
  /** The known values, and a case-insensitive match when there is one. */
  message: string;
  /** The row's index in a batch. */
  row?: number;
}

/** Known values a warning lists at most. */
const KNOWN_SHOWN = 10;

/** Finds the unseen categories of validated rows. */
export type UnseenFinder = (rows: readonly Row[], batch: boolean) => UnseenCategory[];

const finders = new WeakMap<readonly Feature[], UnseenFinder>();

/** A categorical feature's known values, for messages. */
interface KnownValues {
  name: string;
  known: Set<string>;
  /** The first few values, quoted, and how many there are in all. */
  list: string;
  /** The known value equal to `value` but for case, if any. */
  match(value: string): string | undefined;
}

function knownValues(f: CategoricalFeature): KnownValues {
  const lower = new Map(f.categories.map((c) => [c.toLowerCase(), c]));
  return {
    name: f.name,
    known: new Set(f.categories),
    list: f.categories.slice(0, KNOWN_SHOWN).map((c) => JSON.stringify(c)).join(", ") +
      (f.categories.length > KNOWN_SHOWN ? `, … (${f.categories.length} in all)` : ""),
    match: (value) => lower.get(value.toLowerCase()),
  };
}

/**
 * The finder of unseen categories for `features`, built once per feature
 * list: like scikit-learn's `handle_unknown="ignore"`, such a value encodes
 * as none of the categories, and the answer says so.
 */
export function unseenFinder(features: readonly Feature[]): UnseenFinder {
  let finder = finders.get(features);
  if (finder) return finder;
  const categorical = features.flatMap((f) => f.type === "categorical" ? [knownValues(f)] : []);
  finder = (rows, batch) => {
    const out: UnseenCategory[] = [];
    if (categorical.length === 0) return out;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      for (const c of categorical) {
        const value = row[c.name];
        if (typeof value !== "string" || c.known.has(value)) continue;
        const match = c.match(value);
        out.push({
          feature: c.name,
          value,
          message: `${quoteValue(value)} was not seen in training for ${
            quoteValue(c.name)
          }; it counts as none of the known values (${c.list})${
            match === undefined ? "" : `; did you mean ${JSON.stringify(match)}?`
          }`,
          ...(batch ? { row: i } : {}),
        });
      }
    }
    return out;
  };
  finders.set(features, finder);
  return finder;
}

/**
 * The unseen values of one categorical feature met in a file (batch
 * scoring): how many rows held one, and the values with their counts (the
 * first {@link UNSEEN_VALUES_SHOWN} distinct ones kept, at most a hundred).
 */
export interface UnseenCount {
  /** The feature. */
  feature: string;
  /** Rows holding a value training never saw. */
  rows: number;
  /** Such values and their rows, in the order first met. */
  values: Map<string, number>;
}

/** Unseen values a {@link unseenCountLine} names at most. */
export const UNSEEN_VALUES_SHOWN = 5;

/**
 * One line for stderr about a file's unseen values of `feature`, as the
 * warnings of `/predict` and `infer` word them: the count, the values (most
 * frequent first), the known values and case-insensitive matches.
 */
export function unseenCountLine(feature: CategoricalFeature, count: UnseenCount): string {
  const known = knownValues(feature);
  const values = [...count.values].sort((a, b) => b[1] - a[1]);
  const shown = values.slice(0, UNSEEN_VALUES_SHOWN).map(([v, n]) => `${quoteValue(v)} ×${n}`);
  // more values than shown, or than were kept
  const kept = values.reduce((sum, [, n]) => sum + n, 0);
  if (values.length > UNSEEN_VALUES_SHOWN || kept < count.rows) shown.push("…");
  const matches = values.slice(0, UNSEEN_VALUES_SHOWN).flatMap(([v]) => {
    const m = known.match(v);
    return m === undefined ? [] : [`${JSON.stringify(m)} for ${JSON.stringify(v)}`];
  });
  const rows = `${count.rows.toLocaleString("en-US")} row${count.rows === 1 ? "" : "s"}`;
  return `${rows} with a value of ${quoteValue(feature.name)} not seen in training (${
    shown.join(", ")
  }) counted as none of the known values (${known.list})${
    matches.length ? `; did you mean ${matches.join(", ")}?` : ""
  }`;
}

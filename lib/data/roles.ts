/**
 * Column roles, decided at training: empty, constant, identifier-like and
 * date columns are left out unless `--features` names them (a named date
 * column is encoded as date parts), and columns with very many categories
 * or mostly empty are kept with a warning. Each decision is one line, for
 * stderr and the card. A continuous target is refused.
 * @module
 */
import { InputError, quoteValue as quote } from "../core/errors.ts";
import type { Column, Dataset, Label } from "./dataset.ts";

/** A column is identifier-like above this share of distinct values… */
export const ID_DISTINCT = 0.95;
/** …when it has more than this many rows. */
export const ID_MIN_ROWS = 50;
/** A categorical column with more levels than this gets a warning. */
export const MANY_LEVELS = 50;
/** A column is a date column when at least this share of its cells are dates. */
export const DATE_SHARE = 0.95;
/** A column missing in more than this share of rows gets a warning. */
export const MOSTLY_MISSING = 0.5;

const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** A date written day or month first (`31/01/2024`, `01/31/2024`, `31.01.2024`), perhaps with a time. */
const OTHER_DATE = /^\d{1,2}([./-])\d{1,2}\1\d{4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/;

/** A column name that says identifier: a word `id`, `ids`, `idx`, `uid`, `uuid` or `index`. */
export function idLikeName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().split(/[^a-z0-9]+/);
  return words.some((w) => ["id", "ids", "idx", "uid", "uuid", "index"].includes(w));
}

/** What {@link decideRoles} decided. */
export interface Roles {
  /** The feature columns to train on, in file order. */
  columns: Column[];
  /** Text columns to encode as date parts. */
  dates: Set<string>;
  /** One line per decision, such as `column "id" left out: identifier-like (…)`. */
  decisions: string[];
}

/**
 * Decides the role of each feature column of `data`; `chosen` holds the
 * columns `--features` named, which are never left out. In order, a column
 * is left out when it is empty in every row, constant, identifier-like
 * (whole numbers all distinct and consecutive or under an identifier's name;
 * texts ≥ 95 % distinct), dates (≥ 95 % ISO 8601; encoded as date parts when
 * named) or dates not written as ISO 8601 (kept as text when named); a kept
 * column with very many categories, or empty in more than half the rows, is
 * warned of.
 */
export function decideRoles(data: Dataset, chosen: ReadonlySet<string> = new Set()): Roles {
  const columns: Column[] = [];
  const dates = new Set<string>();
  const decisions: string[] = [];
  // what reading decided: learned missing markers, decimal commas
  decisions.push(...data.notes ?? []);
  for (const column of data.columns) {
    const name = quote(column.name);
    const named = chosen.has(column.name);
    /** Leaves the column out (or keeps it, when named) for `why`; `use` says how to use it. */
    const leaveOut = (why: string, use = "to use it: --features") => {
      if (named) {
        decisions.push(`column ${name} kept though ${why}: named by --features`);
        columns.push(column);
      } else decisions.push(`column ${name} left out: ${why} (${use})`);
    };
    const p = column.type === "numeric" ? numericProfile(column) : textProfile(column.values);
    if (p.present === 0) {
      leaveOut("empty in every row");
      continue;
    }
    if (p.distinct === 1 && (column.type === "numeric" || p.present === data.rows)) {
      leaveOut(`constant (every cell is ${quote(p.example)})`);
      continue;
    }
    if (column.type === "numeric") {
      const id = numericId(column, data.rows, p.present);
      if (id) leaveOut(`identifier-like, ${id}`);
      else {
        mostlyMissing(p.present, column.name, data.rows, decisions);
        columns.push(column);
      }
      continue;
    }
    const { present, distinct, isoDates, otherDates } = p as ReturnType<typeof textProfile>;
    if (isoDates >= DATE_SHARE * present) {
      const not = isoDates < present
        ? `${(present - isoDates).toLocaleString("en-US")} of ${
          present.toLocaleString("en-US")
        } cells are not dates, read as missing`
        : "";
      if (named) {
        dates.add(column.name);
        columns.push(column);
        decisions.push(
          `column ${name} encoded as a date (year, month, day of week, day of year): named by --features${
            not ? `; ${not}` : ""
          }`,
        );
      } else {
        decisions.push(
          `column ${name} left out: its values are dates (${
            not ? `${not}; ` : ""
          }to use it: --features, as date parts)`,
        );
      }
      continue;
    }
    if (otherDates >= DATE_SHARE * present) {
      leaveOut(
        `its values look like dates not written as ISO 8601 (${
          quote(p.example)
        }: day or month first), read as text`,
        "rewrite them as YYYY-MM-DD to use them as dates, or keep them as text categories with --features",
      );
      continue;
    }
    if (data.rows > ID_MIN_ROWS && distinct >= ID_DISTINCT * data.rows) {
      const share = `${Math.floor((100 * distinct) / data.rows)} % of ${data.rows} rows distinct`;
      if (named) {
        decisions.push(
          `column ${name} kept though identifier-like (${share}): named by --features`,
        );
        columns.push(column);
      } else {
        decisions.push(
          `column ${name} left out: identifier-like (${share}; to use it: --features)`,
        );
      }
      continue;
    }
    if (distinct > MANY_LEVELS) {
      decisions.push(
        `warning: column ${name} has ${distinct} categories, each a feature of its own; leave it out with --exclude if it is an identifier or free text`,
      );
    }
    mostlyMissing(present, column.name, data.rows, decisions);
    columns.push(column);
  }
  if (columns.length === 0) {
    const out = decisions.filter((d) => d.includes(" left out: "));
    throw new InputError(
      `Cannot train on ${quote(data.source)}: every feature column was left out (${out[0]}${
        out.length > 1 ? `, and ${out.length - 1} more` : ""
      }); name the columns to train on with --features`,
    );
  }
  return { columns, dates, decisions };
}

/** Warns, in `decisions`, of a column empty in more than half the rows. */
function mostlyMissing(present: number, name: string, rows: number, decisions: string[]): void {
  const missing = rows - present;
  if (missing <= MOSTLY_MISSING * rows) return;
  decisions.push(
    `warning: column ${quote(name)} is empty in ${Math.floor((100 * missing) / rows)} % of rows (${
      missing.toLocaleString("en-US")
    } of ${
      rows.toLocaleString("en-US")
    }), filled in with the training mean or as no category; leave it out with --exclude if that misleads`,
  );
}

/** Non-empty cells, distinct values (counted up to 2) and one value of a numeric column. */
function numericProfile(column: Column & { type: "numeric" }) {
  const values = column.values;
  let present = 0, first = NaN, distinct = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (present++ === 0) {
      first = v;
      distinct = 1;
    } else if (v !== first) distinct = 2;
  }
  return { present, distinct, example: String(first) };
}

/**
 * Why a numeric column looks like an identifier, or `undefined`: at least
 * 95 % of more than 50 rows filled, whole numbers, all distinct, and
 * consecutive or under an identifier's name ({@link idLikeName}).
 */
function numericId(
  column: Column & { type: "numeric" },
  rows: number,
  present: number,
): string | undefined {
  if (rows <= ID_MIN_ROWS || present < ID_DISTINCT * rows) return undefined;
  const values = column.values;
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (!Number.isInteger(v)) return undefined;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const consecutive = max - min + 1 === present;
  const named = idLikeName(column.name);
  if (!consecutive && !named) return undefined;
  if (!allDistinct(values, min, max, present)) return undefined;
  return `whole numbers all ${present.toLocaleString("en-US")} distinct ${
    consecutive ? `and consecutive from ${min}` : "under an identifier's name"
  }`;
}

/** Whether the non-missing whole numbers of `values`, within [min, max], are all distinct. */
function allDistinct(values: Float64Array, min: number, max: number, present: number): boolean {
  const range = max - min + 1;
  if (range < present) return false;
  if (range <= 8 * present) {
    const seen = new Uint8Array(range);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== v) continue;
      if (seen[v - min]) return false;
      seen[v - min] = 1;
    }
    return true;
  }
  const sorted = values.filter((v) => v === v).sort();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return false;
  return true;
}

/** Non-empty cells, distinct texts, and how many are ISO 8601 dates or other dates, of a text column. */
function textProfile(values: readonly (string | null)[]) {
  const seen = new Set<string>();
  let present = 0, isoDates = 0, otherDates = 0, example = "";
  // past this many cells that are not dates, the counts can no longer make a date column
  const limit = (1 - DATE_SHARE) * values.length;
  let notDates = 0;
  for (const v of values) {
    if (v === null) continue;
    if (present++ === 0) example = v;
    seen.add(v);
    if (notDates > limit) continue;
    if (ISO_DATE.test(v)) isoDates++;
    else if (OTHER_DATE.test(v)) otherDates++;
    else notDates++;
  }
  return { present, distinct: seen.size, isoDates, otherDates, example };
}

/** A target with more distinct numbers than this… */
export const CONTINUOUS_DISTINCT = 20;

/**
 * Refuses (InputError, exit 2) a target that looks continuous: more than
 * {@link CONTINUOUS_DISTINCT} distinct numbers, and either most rows distinct
 * or some number with a fractional part. The message names the last feature
 * columns that look like classes (2 to 20 distinct texts or whole numbers).
 */
export function refuseContinuousTarget(data: Dataset, classes: readonly Label[]): void {
  if (classes.length <= CONTINUOUS_DISTINCT || typeof classes[0] !== "number") return;
  const fractional = classes.some((c) => !Number.isInteger(c));
  if (!fractional && classes.length <= data.rows / 2) return;
  const classLike = data.columns.filter(looksCategorical).slice(-3).map((c) => quote(c.name));
  const target = data.defaultTarget
    ? `the default target, the last column ${quote(data.target)},`
    : `target ${quote(data.target)}`;
  throw new InputError(
    `Cannot train on ${quote(data.source)}: ${target} looks continuous (${
      classes.length.toLocaleString("en-US")
    } distinct numbers in ${
      data.rows.toLocaleString("en-US")
    } rows), and this trains classifiers; pick a class column with --target${
      classLike.length ? ` (the last that look like classes: ${classLike.join(", ")})` : ""
    }`,
  );
}

/** Whether a column holds 2 to 20 distinct texts or whole numbers. */
function looksCategorical(column: Column): boolean {
  const seen = new Set<string | number>();
  for (const v of column.values) {
    if (v === null || v !== v) continue;
    if (typeof v === "number" && !Number.isInteger(v)) return false;
    seen.add(v);
    if (seen.size > CONTINUOUS_DISTINCT) return false;
  }
  return seen.size >= 2;
}

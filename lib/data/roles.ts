/**
 * Column roles, decided at training: identifier-like text columns and date
 * columns are left out unless `--features` names them (a named date column
 * is encoded as date parts), and categorical columns with very many levels
 * are kept with a warning. Each decision is one line, for stderr and the card.
 * @module
 */
import { InputError, quoteValue as quote } from "../core/errors.ts";
import type { Column, Dataset, Label } from "./dataset.ts";

/** A text column is identifier-like above this share of distinct values… */
export const ID_DISTINCT = 0.95;
/** …when it has more than this many rows. */
export const ID_MIN_ROWS = 50;
/** A categorical column with more levels than this gets a warning. */
export const MANY_LEVELS = 50;

const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

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
 * columns `--features` named, which are never left out.
 */
export function decideRoles(data: Dataset, chosen: ReadonlySet<string> = new Set()): Roles {
  const columns: Column[] = [];
  const dates = new Set<string>();
  const decisions: string[] = [];
  // what reading decided: learned missing markers, decimal commas
  decisions.push(...data.notes ?? []);
  for (const column of data.columns) {
    if (column.type !== "categorical") {
      columns.push(column);
      continue;
    }
    const name = quote(column.name);
    const { present, distinct, dates: isDate } = profile(column.values);
    if (isDate && present > 0) {
      if (chosen.has(column.name)) {
        dates.add(column.name);
        columns.push(column);
        decisions.push(
          `column ${name} encoded as a date (year, month, day of week, day of year): named by --features`,
        );
      } else {
        decisions.push(
          `column ${name} left out: its values are dates (to use it: --features, as date parts)`,
        );
      }
      continue;
    }
    if (data.rows > ID_MIN_ROWS && distinct >= ID_DISTINCT * data.rows) {
      const share = `${Math.floor((100 * distinct) / data.rows)} % of ${data.rows} rows distinct`;
      if (chosen.has(column.name)) {
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
    columns.push(column);
  }
  return { columns, dates, decisions };
}

function profile(values: readonly (string | null)[]) {
  const seen = new Set<string>();
  let present = 0, dates = true;
  for (const v of values) {
    if (v === null) continue;
    present++;
    seen.add(v);
    if (dates && !ISO_DATE.test(v)) dates = false;
  }
  return { present, distinct: seen.size, dates };
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

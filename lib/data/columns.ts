/**
 * Choosing columns: which header columns `--features` and `--exclude` keep,
 * and the header names closest to a name that is not there.
 * @module
 */
import { InputError, quoteValue } from "../core/errors.ts";

/** The columns a user asked for: `--features` keeps exactly these, `--exclude` drops these. */
export interface ColumnChoice {
  /** Names to keep, each a header name or a comma-separated list of them. */
  features?: readonly string[];
  /** Names to drop, each a header name or a comma-separated list of them. */
  exclude?: readonly string[];
}

/**
 * Splits the values of a repeatable flag into header names: a value that is
 * itself a header name is one name (so a name with a comma can be given),
 * any other value is split on commas.
 */
export function flagNames(values: readonly string[], header: readonly string[]): string[] {
  const names = new Set(header);
  const out: string[] = [];
  for (const value of values) {
    const name = value.trim();
    if (names.has(name)) out.push(name);
    else out.push(...name.split(",").map((n) => n.trim()).filter((n) => n !== ""));
  }
  return [...new Set(out)];
}

/**
 * The header's feature columns the choice keeps, by index, in file order;
 * `target` is the target column's index. Refuses (InputError) a name not in
 * the header, the target among the chosen or excluded columns, and a choice
 * that leaves no feature.
 */
export function chooseColumns(
  header: readonly string[],
  target: number,
  choice: ColumnChoice & { source: string },
): number[] {
  const place = `Cannot use ${quoteValue(choice.source)}`;
  const check = (flag: string, names: string[]) => {
    for (const name of names) {
      if (!header.includes(name)) {
        const near = closestNames(name, header);
        throw new InputError(
          `${place}: ${flag} names ${quoteValue(name)}, which is not in the header${
            near.length ? ` (closest: ${near.map(quoteValue).join(", ")})` : ""
          }`,
        );
      }
      if (name === header[target]) {
        throw new InputError(
          `${place}: ${flag} names the target ${
            quoteValue(name)
          }; choose another target with --target`,
        );
      }
    }
    return new Set(names);
  };
  const keep = choice.features?.length
    ? check("--features", flagNames(choice.features, header))
    : undefined;
  const drop = check("--exclude", flagNames(choice.exclude ?? [], header));
  const kept: number[] = [];
  header.forEach((name, c) => {
    if (c !== target && (!keep || keep.has(name)) && !drop.has(name)) kept.push(c);
  });
  if (kept.length === 0) {
    throw new InputError(
      `${place}: --features and --exclude leave no feature column besides the target`,
    );
  }
  return kept;
}

/**
 * The (at most three) header names closest to `name`: same name in another
 * case first, then the fewest edits, and only names within half the name's
 * length of edits.
 */
export function closestNames(name: string, header: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const scored = header.map((h) => ({
    h,
    d: editDistance(lower, h.toLowerCase()),
  }));
  const limit = Math.max(2, Math.ceil(name.length / 2));
  return scored.filter((s) => s.d <= limit).sort((a, b) => a.d - b.d).slice(0, 3).map((s) => s.h);
}

/** Levenshtein distance between `a` and `b` (names are short: one row of memory). */
export function editDistance(a: string, b: string): number {
  if (a.length > 200 || b.length > 200) return Math.max(a.length, b.length);
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length]!;
}

/**
 * A labelled table read from CSV: typed feature columns and the target.
 *
 * A column is numeric when every non-empty cell is a finite number, and
 * categorical otherwise. Empty cells are missing values. The target's values
 * are numbers when every one is numeric, strings otherwise, and are kept in
 * sorted order as the class list.
 * @module
 */
import { openCsv } from "./csv.ts";
import { InputError } from "./errors.ts";

/** A numeric column: one value per row, `NaN` where the cell was empty. */
export interface NumericColumn {
  /** Header name. */
  name: string;
  /** Discriminant. */
  type: "numeric";
  /** Values by row. */
  values: Float64Array;
}

/** A categorical column: the cell text per row, `null` where empty. */
export interface CategoricalColumn {
  /** Header name. */
  name: string;
  /** Discriminant. */
  type: "categorical";
  /** Values by row. */
  values: (string | null)[];
}

/** A feature column of either kind. */
export type Column = NumericColumn | CategoricalColumn;

/** A class label as it was written in the data. */
export type Label = number | string;

/** A table read from CSV, split into features and a target. */
export interface Dataset {
  /** Where it came from, for messages and the model card. */
  source: string;
  /** Number of data rows. */
  rows: number;
  /** Feature columns in file order. */
  columns: Column[];
  /** Name of the target column. */
  target: string;
  /** The target's value on each row. */
  labels: Label[];
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
}

/** Options for {@link readDataset}. */
export interface ReadOptions {
  /** Target column name; the last column when absent. */
  target?: string;
}

/** Reads the CSV file at `path` into a {@link Dataset}. */
export async function readDataset(
  path: string,
  options: ReadOptions = {},
): Promise<Dataset> {
  const csv = await openCsv(path);
  const header = csv.header.map((h) => h.trim());
  checkHeader(header, path);
  const targetName = options.target ?? header[header.length - 1]!;
  const targetIndex = header.indexOf(targetName);
  if (targetIndex < 0) {
    throw new InputError(
      `Cannot use "${path}": target column "${targetName}" is not in the header (${
        header.join(", ")
      })`,
    );
  }
  if (header.length < 2) {
    throw new InputError(
      `Cannot use "${path}": it needs at least one feature column besides the target`,
    );
  }
  const builders = header.map((name) => new ColumnBuilder(name));
  const rawLabels: string[] = [];
  for await (const { line, fields } of csv.records) {
    for (let c = 0; c < fields.length; c++) {
      if (c === targetIndex) {
        const label = fields[c]!.trim();
        if (label === "") {
          throw new InputError(
            `Cannot use "${path}": line ${line}: target "${targetName}" is empty`,
          );
        }
        rawLabels.push(label);
      } else {
        builders[c]!.push(fields[c]!, line, path);
      }
    }
  }
  if (rawLabels.length === 0) {
    throw new InputError(`Cannot use "${path}": it has a header but no data rows`);
  }
  return {
    source: path,
    rows: rawLabels.length,
    columns: builders.filter((_, c) => c !== targetIndex).map((b) => b.build()),
    target: targetName,
    labels: parseLabels(rawLabels),
    sha256: await sha256File(path),
  };
}

/** Sorted distinct labels, numerically when they are numbers. */
export function distinctLabels(labels: readonly Label[]): Label[] {
  const distinct = [...new Set(labels)];
  return distinct.every((l) => typeof l === "number")
    ? (distinct as number[]).sort((a, b) => a - b)
    : (distinct as string[]).map(String).sort();
}

/** Parses a cell as a number: `undefined` when empty, `null` if not numeric. */
export function parseNumber(cell: string): number | null | undefined {
  const text = cell.trim();
  if (text === "") return undefined;
  const value = Number(text);
  if (Number.isFinite(value)) return value;
  if (NON_FINITE.test(text) || !Number.isNaN(value)) return NaN;
  return null;
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

function checkHeader(header: string[], path: string): void {
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === "") {
      throw new InputError(
        `Cannot use "${path}": line 1: column ${i + 1} has no name`,
      );
    }
    if (seen.has(name)) {
      throw new InputError(
        `Cannot use "${path}": line 1: column name "${name}" appears twice`,
      );
    }
    seen.add(name);
  });
}

function parseLabels(raw: string[]): Label[] {
  const numbers = raw.map(Number);
  return numbers.every(Number.isFinite) ? numbers : raw;
}

/** Grows a column, numeric until a cell proves it categorical. */
class ColumnBuilder {
  #numbers = new Float64Array(1024);
  #strings: (string | null)[] | null = null;
  #length = 0;

  constructor(readonly name: string) {}

  push(cell: string, line: number, path: string): void {
    const value = parseNumber(cell);
    if (this.#strings) {
      this.#strings.push(value === undefined ? null : cell.trim());
    } else if (value === null) {
      this.#toCategorical();
      this.#strings!.push(cell.trim());
    } else if (Number.isNaN(value)) {
      throw new InputError(
        `Cannot use "${path}": line ${line}: column "${this.name}" holds the non-finite number "${cell.trim()}"`,
      );
    } else {
      if (this.#length === this.#numbers.length) this.#grow();
      this.#numbers[this.#length] = value === undefined ? NaN : value;
    }
    this.#length++;
  }

  build(): Column {
    if (this.#strings) {
      return { name: this.name, type: "categorical", values: this.#strings };
    }
    return {
      name: this.name,
      type: "numeric",
      values: this.#numbers.slice(0, this.#length),
    };
  }

  #grow(): void {
    const bigger = new Float64Array(this.#numbers.length * 2);
    bigger.set(this.#numbers);
    this.#numbers = bigger;
  }

  #toCategorical(): void {
    const strings: (string | null)[] = [];
    for (let i = 0; i < this.#length; i++) {
      const v = this.#numbers[i]!;
      strings.push(Number.isNaN(v) ? null : String(v));
    }
    this.#strings = strings;
  }
}

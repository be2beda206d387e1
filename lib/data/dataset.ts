/**
 * A labelled table read from CSV: typed feature columns and the target.
 *
 * A column is numeric when every non-empty cell is a finite number, and
 * categorical otherwise. Empty cells are missing values. The target's values
 * are numbers when every one is numeric, strings otherwise, and are kept in
 * sorted order as the class list.
 * @module
 */
import { type FieldView, scanCsv } from "./scan.ts";
import { InputError, quoteValue } from "../core/errors.ts";
import { chooseColumns, type ColumnChoice, flagNames } from "./columns.ts";
import {
  type CellDialect,
  decimalCommaValues,
  detectDelimiter,
  isMissing,
  markers,
} from "./dialect.ts";

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
  /** The field delimiter the file was read with (`,` when absent). */
  delimiter?: string;
  /** Columns read with decimal commas (`3,14`) as numbers. */
  decimalCommas?: string[];
  /** The columns `--features` named, when it was given. */
  chosen?: string[];
}

/** Options for {@link readDataset}. */
export interface ReadOptions extends ColumnChoice {
  /** Target column name; the last column when absent. */
  target?: string;
  /** Receives progress lines (rows read). */
  progress?: (message: string) => void;
  /** The field delimiter; detected from the header and first rows when absent. */
  delimiter?: string;
  /** Cell texts read as missing values, besides pandas' defaults (`NA`, `null`, …). */
  na?: readonly string[];
}

/** Reads the CSV file at `path` into a {@link Dataset}. */
export async function readDataset(
  path: string,
  options: ReadOptions = {},
): Promise<Dataset> {
  const delimiter = options.delimiter ?? await detectDelimiter(path);
  const table = new TableBuilder(path, options, delimiter);
  const progress = options.progress;
  const { sha256 } = await scanCsv(path, table, {
    delimiter,
    progress: progress && ((n) => progress(`reading: ${rowsRead(n, table.expected)}`)),
  });
  return table.build(sha256);
}

/** "N of about M rows (P %)" while the estimate from the file size holds, else "N rows". */
function rowsRead(n: number, expected: number): string {
  const count = n.toLocaleString("en");
  if (expected < n) return `${count} rows`;
  return `${count} of about ${expected.toLocaleString("en")} rows (${
    Math.floor(100 * n / expected)
  } %)`;
}

/** Sorted distinct labels, numerically when they are numbers. */
export function distinctLabels(labels: readonly Label[]): Label[] {
  const distinct = [...new Set(labels)];
  return distinct.every((l) => typeof l === "number")
    ? (distinct as number[]).sort((a, b) => a - b)
    : (distinct as string[]).map(String).sort();
}

/** The first ten names of a header, quoted, for a message; then how many there are. */
function someNames(header: readonly string[]): string {
  const shown = header.slice(0, 10).map(quoteValue).join(", ");
  return header.length > 10
    ? `${shown}, … (${header.length.toLocaleString("en-US")} columns)`
    : shown;
}

function checkHeader(header: string[], path: string): void {
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === "") {
      throw new InputError(
        `Cannot use ${quoteValue(path)}: line 1: column ${i + 1} has no name`,
      );
    }
    if (seen.has(name)) {
      throw new InputError(
        `Cannot use ${quoteValue(path)}: line 1: column name ${quoteValue(name)} appears twice`,
      );
    }
    seen.add(name);
  });
}

/** Builds a {@link Dataset} from the header and records of a CSV scan. */
class TableBuilder {
  #header: string[] = [];
  #targetIndex = -1;
  #builders: (ColumnBuilder | null)[] = [];
  #labelIds = new Int32Array(1024);
  #labelText = new Map<string, number>();
  #rows = 0;
  /** The scanner's estimate of the rows to come, from the file size (0 before it). */
  expected = 0;

  readonly #na: Pick<CellDialect, "na" | "numericNa">;

  constructor(readonly path: string, readonly options: ReadOptions, readonly delimiter: string) {
    this.#na = markers(options.na);
  }

  header(names: string[]): void {
    const header = names.map((h) => h.trim());
    checkHeader(header, this.path);
    const targetName = this.options.target ?? header[header.length - 1]!;
    const targetIndex = header.indexOf(targetName);
    if (targetIndex < 0) {
      throw new InputError(
        `Cannot use ${quoteValue(this.path)}: target column ${
          quoteValue(targetName)
        } is not in the header (${someNames(header)})`,
      );
    }
    if (header.length < 2) {
      throw new InputError(
        `Cannot use ${
          quoteValue(this.path)
        }: it needs at least one feature column besides the target`,
      );
    }
    const kept = new Set(
      chooseColumns(header, targetIndex, { ...this.options, source: this.path }),
    );
    this.#header = header;
    this.#targetIndex = targetIndex;
    this.#builders = header.map((name, c) =>
      kept.has(c) ? new ColumnBuilder(name, this.#na) : null
    );
  }

  record(fields: FieldView): void {
    const builders = this.#builders;
    const target = this.#targetIndex;
    for (let c = 0; c < builders.length; c++) {
      const builder = builders[c];
      if (builder) builder.push(fields, c, this.path);
      else if (c === target) this.#pushLabel(fields.text(c).trim(), fields.line);
    }
    this.#rows++;
  }

  expect(records: number): void {
    // the scanner adds a 5 % margin for longer lines; the estimate shown leaves it out
    this.expected = Math.round(records / 1.05);
    for (const builder of this.#builders) builder?.reserve(records);
    if (records > this.#labelIds.length) {
      const ids = new Int32Array(records);
      ids.set(this.#labelIds.subarray(0, this.#rows));
      this.#labelIds = ids;
    }
  }

  restart(): void {
    this.#header = [];
    this.#builders = [];
    this.#labelText.clear();
    this.#rows = 0;
  }

  build(sha256: string): Dataset {
    if (this.#rows === 0) {
      throw new InputError(`Cannot use ${quoteValue(this.path)}: it has a header but no data rows`);
    }
    // labels are numbers when every distinct label reads as one
    const texts = [...this.#labelText.keys()];
    const numbers = texts.map(Number);
    const values: Label[] = numbers.every(Number.isFinite) ? numbers : texts;
    const ids = this.#labelIds;
    const labels = new Array<Label>(this.#rows);
    for (let i = 0; i < this.#rows; i++) labels[i] = values[ids[i]!]!;
    const decimalCommas: string[] = [];
    const columns = this.#builders.filter((b) => b !== null).map((b) => {
      const column = b.build();
      // "3,14" is a number only where the comma cannot be the delimiter
      if (this.delimiter === "," || column.type !== "categorical") return column;
      const numbers = decimalCommaValues(column.values, column.name);
      if (!numbers) return column;
      decimalCommas.push(column.name);
      return { name: column.name, type: "numeric", values: numbers } as const;
    });
    return {
      source: this.path,
      rows: this.#rows,
      columns,
      target: this.#header[this.#targetIndex]!,
      labels,
      sha256,
      delimiter: this.delimiter,
      ...(decimalCommas.length ? { decimalCommas } : {}),
      ...(this.options.features?.length
        ? { chosen: flagNames(this.options.features, this.#header) }
        : {}),
    };
  }

  #pushLabel(label: string, line: number): void {
    if (label === "") {
      throw new InputError(
        `Cannot use ${quoteValue(this.path)}: line ${line}: target ${
          quoteValue(this.#header[this.#targetIndex]!)
        } is empty`,
      );
    }
    let id = this.#labelText.get(label);
    if (id === undefined) {
      id = this.#labelText.size;
      this.#labelText.set(label, id);
    }
    if (this.#rows === this.#labelIds.length) {
      const bigger = new Int32Array(this.#labelIds.length * 2);
      bigger.set(this.#labelIds);
      this.#labelIds = bigger;
    }
    this.#labelIds[this.#rows] = id;
  }
}

/** Grows a column, numeric until a cell proves it categorical. */
class ColumnBuilder {
  #numbers = new Float64Array(1024);
  #strings: (string | null)[] | null = null;
  #length = 0;

  constructor(readonly name: string, readonly na: Pick<CellDialect, "na" | "numericNa">) {}

  push(fields: FieldView, c: number, path: string): void {
    if (this.#strings) {
      const text = fields.text(c).trim();
      this.#strings.push(isMissing(text, this.na.na) ? null : text);
      this.#length++;
      return;
    }
    let value = fields.number(c);
    // a missing-value marker (NA, null, NaN, …, and numbers given with --na) is an empty cell
    if (
      (value === null || value !== value || this.na.numericNa) &&
      isMissing(fields.text(c).trim(), this.na.na)
    ) {
      value = undefined;
    }
    if (value === null) {
      this.#toCategorical();
      this.#strings!.push(fields.text(c).trim());
    } else if (value !== value) {
      throw new InputError(
        `Cannot use ${quoteValue(path)}: line ${fields.line}: column ${
          quoteValue(this.name)
        } holds the non-finite number ${quoteValue(fields.text(c).trim())}`,
      );
    } else {
      if (this.#length === this.#numbers.length) this.#grow();
      this.#numbers[this.#length] = value === undefined ? NaN : value;
    }
    this.#length++;
  }

  /** Makes room for `rows` values in all, so a good guess saves every regrowth. */
  reserve(rows: number): void {
    if (this.#strings || rows <= this.#numbers.length) return;
    const bigger = new Float64Array(rows);
    bigger.set(this.#numbers.subarray(0, this.#length));
    this.#numbers = bigger;
  }

  build(): Column {
    if (this.#strings) {
      return { name: this.name, type: "categorical", values: this.#strings };
    }
    const numbers = this.#numbers;
    // a guess within 10 % is kept as is (a view), rather than copied once more
    const values = numbers.length - this.#length <= this.#length / 10
      ? numbers.subarray(0, this.#length)
      : numbers.slice(0, this.#length);
    return { name: this.name, type: "numeric", values };
  }

  #grow(): void {
    this.reserve(this.#numbers.length * 2);
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

/**
 * A labelled table read from CSV: typed feature columns and the target.
 *
 * A column is numeric when every non-empty cell is a finite number, or
 * when at most {@link MAX_STRAY_TEXTS} distinct other texts fill at most
 * {@link STRAY_SHARE} of its cells: those are learned as missing markers of
 * the table (`Dataset.na`). Otherwise it is categorical, each cell as the
 * file writes it. Empty cells and missing markers are missing values. The target's values
 * are numbers when every one is numeric, strings otherwise, and are kept in
 * sorted order as the class list.
 * @module
 */
import { type CsvVisitor, type FieldView, scanCsv } from "./scan.ts";
import { InputError, quoteValue } from "../core/errors.ts";
import { chooseColumns, type ColumnChoice, flagNames } from "./columns.ts";
import {
  type CellDialect,
  decimalCommaNumber,
  decimalCommaValues,
  detectDelimiter,
  isMissing,
  markers,
  unreadNumbers,
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
  /**
   * Missing-value markers learned from the file: the few stray texts of
   * columns otherwise numeric, read as missing in every column (as `--na`).
   */
  na?: string[];
  /** What reading decided, one line each (learned markers, decimal commas), for stderr and the card. */
  notes?: string[];
  /** Whether the target is the last column by default (no `--target`). */
  defaultTarget?: boolean;
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
  return await table.build(sha256);
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

/** A count for a message: 1,234. */
function count(n: number): string {
  return n.toLocaleString("en-US");
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
      kept.has(c) ? new ColumnBuilder(name, this.#na, this.delimiter !== ",") : null
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

  async build(sha256: string): Promise<Dataset> {
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
    const { columns, na, notes } = await this.#columns(sha256);
    const decimalCommas: string[] = [];
    const read = columns.map((column) => {
      // "3,14" is a number only where the comma cannot be the delimiter
      if (this.delimiter === "," || column.type !== "categorical") return column;
      const numbers = decimalCommaValues(column.values, column.name);
      if (!numbers) return column;
      decimalCommas.push(column.name);
      return { name: column.name, type: "numeric", values: numbers } as const;
    });
    for (const column of read) {
      if (column.type === "categorical") unreadNumbers(column.values, column.name, this.delimiter);
    }
    for (const b of this.#builders) {
      if (b && b.commaCells > 0) decimalCommas.push(b.name);
    }
    for (const name of decimalCommas) {
      const b = this.#builders.find((b) => b?.name === name);
      const points = b ? b.numberCells - b.commaCells : 0;
      notes.push(
        `column ${quoteValue(name)} read as numbers written with decimal commas${
          points > 0
            ? ` (${count(b!.commaCells)} cells; ${count(points)} with a decimal point)`
            : ""
        }`,
      );
    }
    return {
      source: this.path,
      rows: this.#rows,
      columns: read,
      target: this.#header[this.#targetIndex]!,
      labels,
      sha256,
      delimiter: this.delimiter,
      ...(decimalCommas.length ? { decimalCommas } : {}),
      ...(this.options.features?.length
        ? { chosen: flagNames(this.options.features, this.#header) }
        : {}),
      ...(na.length ? { na } : {}),
      ...(notes.length ? { notes } : {}),
      ...(this.options.target === undefined ? { defaultTarget: true } : {}),
    };
  }

  /**
   * The feature columns: a column whose few stray texts sit among ≥ 95 %
   * numbers reads them as missing markers, which then hold for the whole
   * table (as `--na` would); any other column with stray texts is text, read
   * again from the file when numbers of it were already read.
   */
  async #columns(sha256: string) {
    const drafts = this.#builders.map((b) => b?.build() ?? null);
    const learned = new Set<string>();
    const notes: string[] = [];
    const lines = new Map<number, string>();
    drafts.forEach((d, c) => {
      if (d?.kind !== "strays") return;
      const b = this.#builders[c]!;
      const strays = d.counts.reduce((a, n) => a + n, 0);
      if (strays > STRAY_SHARE * (b.numberCells + strays)) return;
      const order = d.strays.map((text, k) => ({ text, n: d.counts[k]! }))
        .sort((a, b) => a.text < b.text ? -1 : 1);
      for (const { text } of order) learned.add(text);
      lines.set(
        c,
        `column ${quoteValue(b.name)}: read ${
          order.map(({ text, n }) => `${quoteValue(text)} (${count(n)} cells)`).join(", ")
        } as missing, as --na would; pass --na or fix the file to silence this`,
      );
      drafts[c] = { kind: "column", column: { name: b.name, type: "numeric", values: d.values } };
    });
    // the rest: numbers whose strays were all learned elsewhere, else text
    const also = new Map<number, number>();
    drafts.forEach((d, c) => {
      if (d?.kind !== "strays") return;
      const b = this.#builders[c]!;
      if (d.strays.every((t) => learned.has(t))) {
        also.set(c, d.counts.reduce((a, n) => a + n, 0));
        drafts[c] = { kind: "column", column: { name: b.name, type: "numeric", values: d.values } };
      } else drafts[c] = { kind: "reread" };
    });
    const again = drafts.flatMap((d, c) => d?.kind === "reread" ? [c] : []);
    const texts = again.length ? await this.#reread(again, sha256) : [];
    const columns: Column[] = [];
    drafts.forEach((d, c) => {
      if (d === null) return;
      const column: Column = d.kind === "column"
        ? d.column
        : { name: this.#header[c]!, type: "categorical", values: texts[again.indexOf(c)]! };
      if (learned.size && column.type === "categorical") {
        let n = 0;
        const values = column.values;
        for (let i = 0; i < values.length; i++) {
          if (values[i] !== null && learned.has(values[i]!)) {
            values[i] = null;
            n++;
          }
        }
        if (n) also.set(c, n);
      }
      const line = lines.get(c);
      if (line) notes.push(line);
      const n = also.get(c);
      if (n) {
        notes.push(
          `column ${quoteValue(column.name)}: read ${
            count(n)
          } cells as missing too, as --na would (markers learned from other columns)`,
        );
      }
      columns.push(column);
    });
    return { columns, na: [...learned].sort(), notes };
  }

  /** The texts of columns `wanted`, read in a second pass over the (unchanged) file. */
  async #reread(wanted: number[], sha256: string): Promise<(string | null)[][]> {
    const out = wanted.map(() => [] as (string | null)[]);
    const na = this.#na;
    const visitor: CsvVisitor = {
      header() {},
      restart() {
        for (const o of out) o.length = 0;
      },
      record(fields) {
        for (let k = 0; k < wanted.length; k++) {
          const text = fields.text(wanted[k]!).trim();
          out[k]!.push(isMissing(text, na.na) ? null : text);
        }
      },
    };
    const again = await scanCsv(this.path, visitor, { delimiter: this.delimiter });
    if (again.sha256 !== sha256) {
      throw new InputError(
        `Cannot use ${quoteValue(this.path)}: the file changed while it was read; train again`,
      );
    }
    return out;
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

/** A column's stray texts may be missing markers: at most this many distinct texts… */
export const MAX_STRAY_TEXTS = 3;
/** …in at most this share of the column's non-empty cells, the rest numbers. */
export const STRAY_SHARE = 0.05;

/** A column as the scan left it, before the table decides what its stray texts are. */
type Draft =
  | { kind: "column"; column: Column }
  | { kind: "strays"; values: Float64Array; strays: string[]; counts: number[]; codes: Uint8Array }
  | { kind: "reread" };

/**
 * Grows a column, numeric until the cells prove it categorical. A text that
 * is not a number (a stray) is remembered by a code per row while there are
 * at most {@link MAX_STRAY_TEXTS} distinct ones, so that the table can read
 * them as missing markers; past that the column is text. A column whose
 * numbers were already read is then read again from the file (`reread`), so
 * that it keeps its cells' text (`-0.080`, not `-0.08`).
 */
class ColumnBuilder {
  #numbers = new Float64Array(1024);
  #codes: Uint8Array | null = null;
  #strays: string[] = [];
  #counts: number[] = [];
  #strings: (string | null)[] | null = null;
  #reread = false;
  #length = 0;
  /** Cells read as numbers, and those of them written with a decimal comma. */
  numberCells = 0;
  commaCells = 0;

  constructor(
    readonly name: string,
    readonly na: Pick<CellDialect, "na" | "numericNa">,
    readonly decimalCommas: boolean,
  ) {}

  push(fields: FieldView, c: number, path: string): void {
    if (this.#reread) {
      this.#length++;
      return;
    }
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
      const text = fields.text(c).trim();
      value = this.decimalCommas ? decimalCommaNumber(text) : undefined;
      if (value === undefined) return this.#stray(text);
      this.commaCells++;
    }
    if (value !== value) {
      throw new InputError(
        `Cannot use ${quoteValue(path)}: line ${fields.line}: column ${
          quoteValue(this.name)
        } holds the non-finite number ${quoteValue(fields.text(c).trim())}`,
      );
    }
    if (this.#length === this.#numbers.length) this.#grow();
    if (value === undefined) this.#numbers[this.#length] = NaN;
    else {
      this.#numbers[this.#length] = value;
      this.numberCells++;
    }
    this.#length++;
  }

  /** Makes room for `rows` values in all, so a good guess saves every regrowth. */
  reserve(rows: number): void {
    if (this.#strings || this.#reread || rows <= this.#numbers.length) return;
    const bigger = new Float64Array(rows);
    bigger.set(this.#numbers.subarray(0, this.#length));
    this.#numbers = bigger;
    if (this.#codes) {
      const codes = new Uint8Array(rows);
      codes.set(this.#codes.subarray(0, this.#length));
      this.#codes = codes;
    }
  }

  build(): Draft {
    if (this.#reread) return { kind: "reread" };
    if (this.#strings) {
      return {
        kind: "column",
        column: { name: this.name, type: "categorical", values: this.#strings },
      };
    }
    const numbers = this.#numbers;
    // a guess within 10 % is kept as is (a view), rather than copied once more
    const values = numbers.length - this.#length <= this.#length / 10
      ? numbers.subarray(0, this.#length)
      : numbers.slice(0, this.#length);
    if (!this.#codes) {
      return { kind: "column", column: { name: this.name, type: "numeric", values } };
    }
    // no number at all: a text column of a few values, whose codes say it all
    if (this.numberCells === 0) return { kind: "column", column: this.#textColumn() };
    return {
      kind: "strays",
      values,
      strays: this.#strays,
      counts: this.#counts,
      codes: this.#codes.subarray(0, this.#length),
    };
  }

  /** The column's texts from the codes, for a column without numbers. */
  #textColumn(): CategoricalColumn {
    const codes = this.#codes!;
    const values = new Array<string | null>(this.#length);
    for (let i = 0; i < this.#length; i++) {
      values[i] = codes[i] ? this.#strays[codes[i]! - 1]! : null;
    }
    return { name: this.name, type: "categorical", values };
  }

  #stray(text: string): void {
    let k = this.#strays.indexOf(text);
    if (k < 0) {
      if (this.#strays.length === MAX_STRAY_TEXTS) return this.#toText(text);
      k = this.#strays.push(text) - 1;
      this.#counts.push(0);
    }
    this.#counts[k]!++;
    if (this.#length === this.#numbers.length) this.#grow();
    this.#codes ??= new Uint8Array(this.#numbers.length);
    this.#codes[this.#length] = k + 1;
    this.#numbers[this.#length] = NaN;
    this.#length++;
  }

  /** One text too many: a text column from here on (read again if it held numbers). */
  #toText(text: string): void {
    if (this.numberCells > 0) {
      this.#reread = true;
      this.#numbers = new Float64Array(0);
      this.#codes = null;
    } else {
      this.#strings = this.#textColumn().values;
      this.#strings.push(text);
      this.#codes = null;
    }
    this.#length++;
  }

  #grow(): void {
    this.reserve(this.#numbers.length * 2);
  }
}

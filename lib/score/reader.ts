/**
 * Reading a file of rows to score, in blocks: the one reader behind batch
 * scoring (`batch.ts`) and the drift report (lib/monitor/report.ts).
 *
 * The file is read by the project's CSV reader (`scanCsv`, lib/data/scan.ts),
 * its cells by the one cell rule (`cellValue`, lib/data/dialect.ts) into typed
 * columns of {@link BLOCK_ROWS} rows, no object per row. A full block is
 * encoded as training encodes columns (`encodeColumns`, lib/model/features.ts)
 * and handed on; memory stays bounded whatever the file's size.
 *
 * Rows are accepted exactly as serving accepts a JSON row: a number for each
 * numeric feature, text for each categorical one, an ISO 8601 date for each
 * date, empty cells only where training saw missing values, and finite class
 * scores (`Model.scoresFiniteAt`, the check `Model.rowAccepts` ends with).
 * The read stops at the first refused cell with an `InputError` naming its
 * line, column and the cell as written (cut to 40 characters), in serving's
 * words; a missing value where training had none says so. A row whose scores
 * are not finite is put through `Model.rowSchema` for serving's message.
 *
 * Columns that are neither a feature nor an id (the target, columns training
 * left out: ids, dates, notes) are not read, and listed for the caller to name.
 * @module
 */
import { InputError, quoteValue } from "../core/errors.ts";
import { flagNames } from "../data/columns.ts";
import { cellPlace } from "../data/csv.ts";
import type { Column } from "../data/dataset.ts";
import { type CellDialect, cellValue, fileDialect } from "../data/dialect.ts";
import { type FieldView, scanCsv } from "../data/scan.ts";
import { DATE_EXPECTED, dateParts, encodeColumns, type Row } from "../model/features.ts";
import { rowProblem, type UnseenCount } from "../model/inputs.ts";
import type { Model } from "../model/model.ts";

/** Records encoded and handed on together. */
export const BLOCK_ROWS = 4096;

/** A block of accepted rows. Valid only inside the callback that receives it. */
export interface Block {
  /** Rows in the block. */
  count: number;
  /** The features' values, one column per feature in model order (NaN or null: missing). */
  columns: readonly Column[];
  /** The rows encoded, `count × model.width`, every class score finite. */
  x: Float64Array;
  /** The id cells as written, row after row, one per id column. */
  ids: readonly string[];
}

/** Options for {@link readBlocks}. */
export interface ReadOptions {
  /** The model whose features are read. */
  model: Model;
  /** Columns to keep as text, in this order: values of a repeatable flag, split as `train --features` splits them. */
  ids?: readonly string[];
  /** The field delimiter; detected as training detects it when absent. */
  delimiter?: string;
  /** Receives the number of rows read so far, now and then. */
  progress?: (rows: number) => void;
  /** The verb errors begin with: `Cannot <verb> "<path>": …` (`score` by default). */
  verb?: string;
  /**
   * Read a feature column the file lacks as missing on every row, when
   * training saw missing values for it, as serving reads a row without the
   * field; by default the file is refused.
   */
  absentAsMissing?: boolean;
  /** Called once, before any block, with the id columns (split) of the output. */
  header?(ids: readonly string[]): void;
  /** Receives each block of accepted rows, in file order. */
  block(block: Block): void;
}

/** What a finished read found. */
export interface ReadResult {
  /** Rows read. */
  rows: number;
  /**
   * Per categorical feature with values training never saw: how many rows,
   * and the values (scored as none of the known ones, as serving does).
   */
  unseen: UnseenCount[];
  /** The file's columns that are neither features of the model nor ids, left unread. */
  ignored: string[];
}

/** Reads every row of the CSV file at `path`, a block at a time, as training read its own. */
export async function readBlocks(path: string, options: ReadOptions): Promise<ReadResult> {
  // the file is read as training read its own: delimiter, missing-value markers, decimal commas
  const dialect = await fileDialect(path, {
    delimiter: options.delimiter,
    na: options.model.file.training.na,
  });
  const reader = new BlockReader(path, { ...options, dialect });
  await scanCsv(path, reader, {
    progress: options.progress,
    hash: false,
    delimiter: dialect.delimiter,
  });
  reader.finish();
  return { rows: reader.rows, unseen: reader.unseen(), ignored: reader.ignored };
}

/** The scan visitor: plans the columns from the header, then fills a block at a time. */
class BlockReader {
  /** Rows handed on so far. */
  rows = 0;
  /** Header columns neither a feature nor an id, in file order. */
  ignored: string[] = [];
  readonly #model: Model;
  readonly #names: string[];
  readonly #numeric: boolean[];
  readonly #optional: boolean[];
  readonly #dates: boolean[];
  /** Per feature: the known categories and the unseen values met, for categorical ones. */
  readonly #unseen: (UnseenCount & { known: ReadonlySet<string> } | null)[];
  readonly #dialect: CellDialect;
  /** The block's values, one column per feature, as training's `encodeColumns` takes them. */
  readonly #block: Column[];
  readonly #lines = new Int32Array(BLOCK_ROWS);
  #ids: string[] = [];
  #count = 0;
  readonly #index = Uint32Array.from({ length: BLOCK_ROWS }, (_, i) => i);
  /** The CSV column of each feature (-1: absent, read as missing), and of each id. */
  #featureColumns = new Int32Array(0);
  #idColumns = new Int32Array(0);
  #header: string[] = [];
  /** After a restart, records already taken (see `restart`), and records seen since. */
  #skip = 0;
  #seen = 0;
  #planned = false;

  constructor(
    readonly path: string,
    readonly options: ReadOptions & { dialect: CellDialect },
  ) {
    const model = options.model;
    const features = model.file.features;
    this.#model = model;
    this.#dialect = options.dialect;
    this.#dates = features.map((f) => f.type === "date");
    this.#unseen = features.map((f) =>
      f.type === "categorical"
        ? { feature: f.name, rows: 0, values: new Map(), known: new Set(f.categories) }
        : null
    );
    this.#names = features.map((f) => f.name);
    this.#numeric = features.map((f) => f.type === "numeric");
    this.#optional = features.map((f) => f.missing > 0);
    this.#block = features.map((f): Column =>
      f.type === "numeric"
        ? { name: f.name, type: "numeric", values: new Float64Array(BLOCK_ROWS) }
        : { name: f.name, type: "categorical", values: new Array(BLOCK_ROWS).fill(null) }
    );
  }

  header(raw: string[]): void {
    const names = raw.map((h) => h.trim());
    this.#header = names;
    const where = new Map<string, number>();
    names.forEach((name, c) => {
      if (where.has(name)) {
        throw this.#error(`line 1: column name ${quoteValue(name)} appears twice`);
      }
      where.set(name, c);
    });
    const lenient = this.options.absentAsMissing === true;
    const missing = this.#names.filter((n, f) => !where.has(n) && !(lenient && this.#optional[f]));
    if (missing.length) {
      throw this.#error(
        `line 1: no column for feature${missing.length > 1 ? "s" : ""} ${
          missing.slice(0, 5).map(quoteValue).join(", ")
        }${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`,
      );
    }
    // split as train splits --features: a header name as it is, else on commas
    const ids = flagNames(this.options.ids ?? [], names);
    const absent = ids.find((id) => !where.has(id));
    if (absent !== undefined) throw this.#error(`line 1: no column ${quoteValue(absent)} for --id`);
    // as serving scores a row: columns training left out (ids, dates, the target) are not read
    const used = new Set([...this.#names, ...ids]);
    this.ignored = names.filter((n) => !used.has(n));
    this.#featureColumns = Int32Array.from(this.#names, (n) => where.get(n) ?? -1);
    this.#idColumns = Int32Array.from(ids, (id) => where.get(id)!);
    // read again after a restart: the block keeps the rows it holds
    if (this.#planned) return;
    this.#planned = true;
    this.#ids = new Array(BLOCK_ROWS * ids.length).fill("");
    this.options.header?.(ids);
  }

  record(fields: FieldView): void {
    if (this.#seen++ < this.#skip) return;
    const i = this.#count;
    const names = this.#names, numeric = this.#numeric, columns = this.#featureColumns;
    const dialect = this.#dialect;
    for (let f = 0; f < names.length; f++) {
      const c = columns[f]!;
      const column = this.#block[f]!;
      if (c < 0) {
        column.values[i] = numeric[f] ? NaN : null;
      } else if (numeric[f]) {
        const value = fields.number(c);
        // plain numbers need no more reading, unless --na made a number a marker
        if (typeof value === "number" && Number.isFinite(value) && !dialect.numericNa) {
          column.values[i] = value;
          continue;
        }
        const read = cellValue(fields.text(c), true, dialect);
        if (typeof read === "number") column.values[i] = read;
        // a missing value (an empty cell, NA, …) is NaN in a numeric column
        else if (read === null && this.#optional[f]) column.values[i] = NaN;
        else throw this.#cellError(fields, f);
      } else {
        const text = cellValue(fields.text(c), false, dialect) as string | null;
        if (text === null) {
          if (!this.#optional[f]) throw this.#cellError(fields, f);
        } else if (this.#dates[f]) {
          if (dateParts(text) === undefined) throw this.#cellError(fields, f);
        } else {
          const unseen = this.#unseen[f];
          if (unseen && !unseen.known.has(text)) tally(unseen, text);
        }
        column.values[i] = text;
      }
    }
    const ids = this.#idColumns;
    for (let j = 0; j < ids.length; j++) this.#ids[i * ids.length + j] = fields.text(ids[j]!);
    this.#lines[i] = fields.line;
    if (++this.#count === BLOCK_ROWS) this.#flush();
  }

  restart(): void {
    // the byte scanner met a quote and hands the file to csv-parse, which reads it again
    // from the start: the rows already taken are the same rows, so they are skipped
    this.#skip = this.rows + this.#count;
    this.#seen = 0;
  }

  /** The unseen categories met, per feature that had any. */
  unseen(): UnseenCount[] {
    return this.#unseen.flatMap((u) =>
      u && u.rows > 0 ? [{ feature: u.feature, rows: u.rows, values: u.values }] : []
    );
  }

  /** Hands on the last, partial block. */
  finish(): void {
    this.#flush();
  }

  /** Encodes and checks the block's rows, and hands them on. */
  #flush(): void {
    const n = this.#count;
    if (n === 0) return;
    const model = this.#model;
    const width = model.width;
    const x = encodeColumns(model.file.features, this.#block, this.#index.subarray(0, n));
    for (let i = 0; i < n; i++) {
      if (!model.scoresFiniteAt(x, i * width)) throw this.#rowError(i);
    }
    this.options.block({ count: n, columns: this.#block, x, ids: this.#ids });
    this.rows += n;
    this.#count = 0;
  }

  /**
   * The error for feature `f`'s cell of the current record, which its type
   * refuses: serving's words with the cell as written (a row object would
   * only say "got string" or "got null").
   */
  #cellError(fields: FieldView, f: number): InputError {
    const text = fields.text(this.#featureColumns[f]!).trim();
    const name = quoteValue(this.#names[f]!);
    let message: string;
    if (cellValue(text, this.#numeric[f]!, this.#dialect) === null) {
      const cell = text === "" ? "an empty cell" : `${quoteValue(text)}, a missing value,`;
      message =
        `got ${cell} but ${name} had no missing values in training, so the model cannot fill one in`;
    } else {
      message = `${this.#dates[f] ? DATE_EXPECTED : "expected number"}, got ${quoteValue(text)}`;
    }
    return this.#error(
      `${cellPlace(fields.line, this.#featureColumns[f]! + 1, this.#header)}: ${message}`,
    );
  }

  /** Why block row `i`, whose class scores are not finite, was refused, as serving would say it. */
  #rowError(i: number): InputError {
    const row: Row = {};
    this.#names.forEach((name, f) => {
      const v = this.#block[f]!.values[i]!;
      row[name] = typeof v === "number" && Number.isNaN(v) ? null : v;
    });
    const { feature: f, message } = rowProblem(row, this.#model.rowSchema, this.#names);
    const line = this.#lines[i]!;
    const c = f >= 0 ? this.#featureColumns[f]! : -1;
    const place = c >= 0 ? cellPlace(line, c + 1, this.#header) : `line ${line}`;
    return this.#error(`${place}: ${message}`);
  }

  #error(detail: string): InputError {
    return new InputError(
      `Cannot ${this.options.verb ?? "score"} ${quoteValue(this.path)}: ${detail}`,
    );
  }
}

/** Distinct unseen values kept per feature: memory stays bounded whatever the file. */
export const UNSEEN_KEPT = 100;

/** Counts one row's unseen `value`. */
function tally(unseen: UnseenCount, value: string): void {
  unseen.rows++;
  const n = unseen.values.get(value);
  if (n !== undefined) unseen.values.set(value, n + 1);
  else if (unseen.values.size < UNSEEN_KEPT) unseen.values.set(value, 1);
}

/**
 * Batch scoring: a CSV file of rows in, a CSV of predictions out, streamed.
 *
 * The file is read by the project's CSV reader (`scanCsv`, lib/data/scan.ts);
 * records gather in blocks of {@link BLOCK_ROWS} columns, which are encoded
 * as training encodes columns (`encodeColumns`, lib/model/features.ts),
 * predicted as the gate predicts (`Model.predictEncoded`), and written out
 * before the next block fills. Memory stays bounded whatever the file's size.
 *
 * Rows are accepted exactly as serving accepts a JSON row: a number for each
 * numeric feature, text for each categorical one, empty cells only where
 * training saw missing values, and finite class scores
 * (`Model.scoresFiniteAt`, the check `Model.rowAccepts` ends with). The
 * run stops at the first refused cell with an `InputError` naming its line,
 * column and the cell as written (cut to 40 characters), in serving's words;
 * a missing value where training had none says so. A row whose scores are
 * not finite is put through `Model.rowSchema` for serving's message.
 *
 * Output columns: the `ids` columns as they are, `prediction`, a `p_<label>`
 * per class, and with `explain` the predicted class's `logit`, its `base` and
 * a `c_<feature>` contribution per feature (lib/score/explain.ts). The model's
 * target column and any other column that is neither a feature nor an id
 * (columns training left out: ids, dates, notes) are not read, and listed in
 * the result for the caller to name.
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
import { type Explainer, explainer } from "./explain.ts";
import { ByteWriter, csvCell, type Sink } from "./output.ts";

/** Records encoded and predicted together. */
export const BLOCK_ROWS = 4096;

/** Options for {@link scoreCsv}. */
export interface ScoreOptions {
  /** The model to score with. */
  model: Model;
  /** Columns copied to the output first, unchanged, in this order. */
  ids?: readonly string[];
  /** Add the explanation columns. */
  explain?: boolean;
  /** Receives the number of rows scored so far, now and then. */
  progress?: (rows: number) => void;
  /** The field delimiter (`--delimiter`); detected as training detects it when absent. */
  delimiter?: string;
}

/** What a finished run did. */
export interface ScoreResult {
  /** Rows scored. */
  rows: number;
  /**
   * Per categorical feature with values training never saw: how many rows,
   * and the values (scored as none of the known ones, as serving does).
   */
  unseen: UnseenCount[];
  /** The file's columns that are neither features of the model nor ids, left unread. */
  ignored: string[];
}

/**
 * Scores every row of the CSV file at `path` into `sink`, committing it once
 * all are written; on any failure the sink is aborted and the error thrown.
 */
export async function scoreCsv(
  path: string,
  sink: Sink,
  options: ScoreOptions,
): Promise<ScoreResult> {
  let scorer: Scorer;
  try {
    // the file is read as training read its own: delimiter, missing-value markers, decimal commas
    const dialect = await fileDialect(path, {
      delimiter: options.delimiter,
      na: options.model.file.training.na,
    });
    scorer = new Scorer(path, new ByteWriter(sink), { ...options, dialect });
    await scanCsv(path, scorer, {
      progress: options.progress,
      hash: false,
      delimiter: dialect.delimiter,
    });
    scorer.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  await sink.commit();
  return { rows: scorer.rows, unseen: scorer.unseen(), ignored: scorer.ignored };
}

const COMMA = 0x2c, LF = 0x0a;

/** The scan visitor: plans the columns from the header, then scores a block at a time. */
class Scorer {
  /** Rows written so far. */
  rows = 0;
  /** Header columns neither a feature nor an id, in file order. */
  ignored: string[] = [];
  readonly #model: Model;
  readonly #explain: Explainer | null;
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
  /** The CSV column of each feature, and of each id. */
  #featureColumns = new Int32Array(0);
  #idColumns = new Int32Array(0);
  #header: string[] = [];
  readonly #contributions: Float64Array;
  /** Each class's `prediction` cell, ready quoted. */
  readonly #labels: string[];
  /** After a restart, records already scored (see `restart`), and records seen since. */
  #skip = 0;
  #seen = 0;
  #headerWritten = false;

  constructor(
    readonly path: string,
    readonly out: ByteWriter,
    readonly options: ScoreOptions & { dialect: CellDialect },
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
    this.#explain = options.explain ? explainer(model.file) : null;
    this.#names = features.map((f) => f.name);
    this.#numeric = features.map((f) => f.type === "numeric");
    this.#optional = features.map((f) => f.missing > 0);
    this.#block = features.map((f): Column =>
      f.type === "numeric"
        ? { name: f.name, type: "numeric", values: new Float64Array(BLOCK_ROWS) }
        : { name: f.name, type: "categorical", values: new Array(BLOCK_ROWS).fill(null) }
    );
    this.#contributions = new Float64Array(features.length);
    this.#labels = model.classes.map((c) => csvCell(String(c)));
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
    const missing = this.#names.filter((n) => !where.has(n));
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
    this.#featureColumns = Int32Array.from(this.#names, (n) => where.get(n)!);
    this.#idColumns = Int32Array.from(ids, (id) => where.get(id)!);
    // read again after a restart: the block keeps the rows it holds
    if (this.#headerWritten) return;
    this.#headerWritten = true;
    this.#ids = new Array(BLOCK_ROWS * ids.length).fill("");
    const columns = [
      ...ids,
      "prediction",
      ...this.#model.classes.map((c) => `p_${c}`),
      ...(this.#explain ? ["logit", "base", ...this.#names.map((n) => `c_${n}`)] : []),
    ];
    this.out.text(columns.map(csvCell).join(",") + "\n");
  }

  record(fields: FieldView): void {
    if (this.#seen++ < this.#skip) return;
    const i = this.#count;
    const names = this.#names, numeric = this.#numeric, columns = this.#featureColumns;
    const dialect = this.#dialect;
    for (let f = 0; f < names.length; f++) {
      const c = columns[f]!;
      const column = this.#block[f]!;
      if (numeric[f]) {
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
    if (++this.#count === BLOCK_ROWS) this.#score();
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

  /** Scores the last, partial block and writes out what is left. */
  finish(): void {
    this.#score();
    this.out.flush();
  }

  /** Encodes, checks, predicts and writes the block's rows. */
  #score(): void {
    const n = this.#count;
    if (n === 0) return;
    const model = this.#model;
    const width = model.width;
    const x = encodeColumns(model.file.features, this.#block, this.#index.subarray(0, n));
    for (let i = 0; i < n; i++) {
      if (!model.scoresFiniteAt(x, i * width)) throw this.#rowError(this.#blockRow(i), i);
    }
    const { classes, probabilities } = model.predictEncoded(x, n);
    const k = model.classes.length;
    const out = this.out, explain = this.#explain, contributions = this.#contributions;
    const idCount = this.#idColumns.length;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < idCount; j++) {
        out.text(csvCell(this.#ids[i * idCount + j]!));
        out.byte(COMMA);
      }
      const c = classes[i]!;
      out.text(this.#labels[c]!);
      for (let j = 0; j < k; j++) {
        out.byte(COMMA);
        out.text(String(probabilities[i * k + j]!));
      }
      if (explain) {
        const logit = explain.intoEncoded(x, i * width, c, contributions);
        out.byte(COMMA);
        out.text(String(logit));
        out.byte(COMMA);
        out.text(String(explain.base(c)));
        for (let f = 0; f < contributions.length; f++) {
          out.byte(COMMA);
          out.text(String(contributions[f]!));
        }
      }
      out.byte(LF);
    }
    this.rows += n;
    this.#count = 0;
  }

  /** Row `i` of the block as a row object, as serving would have received it. */
  #blockRow(i: number): Row {
    const row: Row = {};
    this.#names.forEach((name, f) => {
      const v = this.#block[f]!.values[i]!;
      row[name] = typeof v === "number" && Number.isNaN(v) ? null : v;
    });
    return row;
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

  /** Why `row` (block row `i`, or the record on `line`) was refused, as serving would say it. */
  #rowError(row: Row, i: number, line = this.#lines[i]!): InputError {
    const { feature: f, message } = rowProblem(row, this.#model.rowSchema, this.#names);
    const place = f >= 0
      ? cellPlace(line, this.#featureColumns[f]! + 1, this.#header)
      : `line ${line}`;
    return this.#error(`${place}: ${message}`);
  }

  #error(detail: string): InputError {
    return new InputError(`Cannot score ${quoteValue(this.path)}: ${detail}`);
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

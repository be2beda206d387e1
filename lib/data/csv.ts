/**
 * Reading CSV: the one module that parses it with a general parser.
 *
 * It streams records through `csv-parse` (standing in for `@std/csv`, which
 * lives on JSR), so switching parsers touches this file only. Every error is
 * an {@link InputError} that names the source and the line. It refuses what
 * would be read wrongly: a NUL byte, bytes that are not UTF-8, more than
 * {@link MAX_COLUMNS} columns (docs/registry.md, Input limits). Whole files for
 * training go through `scan.ts`, which hands any file with quotes back here.
 * @module
 */
import { CsvError, parse } from "csv-parse/stream";
import { InputError, quoteValue } from "../core/errors.ts";
import { readProblem } from "../core/files.ts";

/**
 * The most columns a CSV may have. Both readers stop at the first field past
 * it, so a 10 MB header of a million names is refused at once, before any
 * column storage is made for it (docs/registry.md, Input limits).
 */
export const MAX_COLUMNS = 10_000;

/** One data record and the line of the file it ends on (1-based). */
export interface CsvRecord {
  /** The line number in the file, counting the header as line 1. */
  line: number;
  /** The record's fields, as many as the header has. */
  fields: string[];
}

/** An open CSV source: its header row and its remaining records. */
export interface CsvReader {
  /** The column names from the first row. */
  header: string[];
  /** The data records, streamed. */
  records: AsyncGenerator<CsvRecord>;
}

/** How to read a CSV. */
export interface CsvOptions {
  /** The field delimiter, `,` by default. */
  delimiter?: string;
}

/** Opens the CSV file at `path` and reads its header row. */
export async function openCsv(path: string, options: CsvOptions = {}): Promise<CsvReader> {
  const { file } = await openCsvFile(path);
  return await readCsvStream(file.readable, path, options);
}

/** Opens a CSV file for reading; a missing file or a directory is an {@link InputError}. */
export async function openCsvFile(path: string): Promise<{ file: Deno.FsFile; size: number }> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const info = await file.stat();
    if (info.isDirectory) throw csvError(path, "it is a directory");
    return { file, size: info.size };
  } catch (err) {
    file?.close();
    if (err instanceof InputError) throw err;
    throw csvError(path, readProblem(err));
  }
}

/** Reads CSV from a string, as {@link openCsv} reads a file. */
export function csvFromString(text: string, name = "<string>"): Promise<CsvReader> {
  const stream = new Blob([text]).stream();
  return readCsvStream(stream, name);
}

/** Reads CSV from a byte stream; `name` is used in error messages. */
export async function readCsvStream(
  stream: ReadableStream<Uint8Array>,
  name: string,
  options: CsvOptions = {},
): Promise<CsvReader> {
  // the last whole record's position, kept as the parser goes: the
  // iterator drops records still buffered when an error arrives
  const last: Position = { lines: 0, empty_lines: 0 };
  const parser = parse({
    // the UTF-8 BOM is dropped before (csv-parse would also take FF FE as UTF-16),
    // and each byte read as one character: fields are checked as UTF-8 in `cast`
    bom: false,
    delimiter: options.delimiter ?? ",",
    encoding: "latin1",
    info: true,
    skip_empty_lines: true,
    relax_column_count: false,
    on_record: (item, context) => {
      last.lines = context.lines;
      last.empty_lines = context.empty_lines;
      // the parser runs ahead of the reader: the header is kept here, as it goes by
      // (with `info`, each item is `{ record, info }`)
      last.header ??= (item as unknown as { record: string[] }).record;
      return item;
    },
    // called as each field ends: the only hook that sees a record before it is whole
    cast: (value, context) => {
      if (context.index >= MAX_COLUMNS) {
        throw new FieldProblem(tooManyFields(context.lines, last.header?.length));
      }
      if (!NOT_PLAIN.test(value)) return value;
      const place = () => cellPlace(context.lines, context.index + 1, last.header);
      if (value.includes("\0")) throw new FieldProblem(`${place()}: NUL byte`);
      const bytes = Uint8Array.from(value, (c) => c.charCodeAt(0));
      try {
        return strictUtf8.decode(bytes);
      } catch {
        throw new FieldProblem(`${place()}: invalid UTF-8`);
      }
    },
  });
  // csv-parse reports lines as it goes
  const records = withoutBom(stream).pipeThrough(parser)[Symbol.asyncIterator]() as AsyncIterator<
    { record: string[]; info: { lines: number } }
  >;
  const first = await next(records, name, last);
  if (first.done) {
    throw csvError(name, "file is empty");
  }
  const header = first.value.record;
  return { header, records: rest(records, name, last) };
}

/** A field of only ASCII bytes other than NUL, which needs no decoding. */
// deno-lint-ignore no-control-regex -- NUL is what it finds
const NOT_PLAIN = /[^\x01-\x7f]/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const BOM = [0xef, 0xbb, 0xbf];

/** `stream` without the UTF-8 byte-order mark it may start with. */
function withoutBom(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  let head: Uint8Array | null = new Uint8Array(0);
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (head === null) return controller.enqueue(chunk);
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        // wait for three bytes: a mark can be cut across chunks
        if (joined.length < BOM.length) return void (head = joined);
        head = null;
        controller.enqueue(BOM.every((b, i) => joined[i] === b) ? joined.subarray(3) : joined);
      },
      flush(controller) {
        // fewer than three bytes in all: no mark
        if (head?.length) controller.enqueue(head);
      },
    }),
  );
}

async function* rest(
  records: AsyncIterator<{ record: string[]; info: { lines: number } }>,
  name: string,
  last: Position,
): AsyncGenerator<CsvRecord> {
  while (true) {
    const item = await next(records, name, last);
    if (item.done) return;
    yield { line: item.value.info.lines, fields: item.value.record };
  }
}

async function next<T>(
  records: AsyncIterator<T>,
  name: string,
  last: Position,
): Promise<IteratorResult<T>> {
  try {
    return await records.next();
  } catch (err) {
    throw csvError(name, csvProblem(err, last));
  }
}

/** Lines read up to the last whole record, blank lines skipped among them, and the header. */
interface Position {
  lines: number;
  empty_lines: number;
  header?: string[];
}

/** A problem with a field, found while csv-parse reads it: its message is the detail. */
class FieldProblem extends Error {}

function csvProblem(err: unknown, last: Position): string {
  if (err instanceof FieldProblem) return err.message;
  if (!(err instanceof CsvError)) {
    return err instanceof Error ? err.message : String(err);
  }
  const ragged = /expect (\d+), got (\d+) on line (\d+)/.exec(err.message);
  if (ragged) {
    return `line ${ragged[3]} has ${ragged[2]} fields, expected ${ragged[1]}`;
  }
  if (err.code === "CSV_QUOTE_NOT_CLOSED") {
    // csv-parse names the file's last line; the quote opened on the line
    // after the last whole record and the blank lines skipped since
    const skipped = (err as CsvError & Partial<Position>).empty_lines ?? last.empty_lines;
    return `line ${last.lines + 1 + skipped - last.empty_lines}: quoted field is never closed`;
  }
  const { lines: line, index } = err as CsvError & { lines?: number; index?: number };
  if (line !== undefined && index !== undefined) {
    // csv-parse's own words would echo the field, however long
    if (err.code === "INVALID_OPENING_QUOTE") {
      return `${cellPlace(line, index + 1, last.header)}: a quote inside an unquoted field`;
    }
    if (err.code === "CSV_INVALID_CLOSING_QUOTE") {
      return `${cellPlace(line, index + 1, last.header)}: text after a closing quote`;
    }
  }
  const detail = err.message.replace(/^Invalid [^:]*:\s*/, "");
  return line !== undefined && !/line \d+/.test(detail) ? `line ${line}: ${detail}` : detail;
}

/** The error for a CSV that cannot be read: `Cannot read CSV "<name>": <detail>`. */
export function csvError(name: string, detail: string): InputError {
  return new InputError(`Cannot read CSV ${quoteValue(name)}: ${detail}`);
}

/**
 * Where a cell is, for error messages: `line 3, column 2 ("f1")`, with the
 * column's name once the header is known (1-based line and column).
 */
export function cellPlace(line: number, column: number, header?: readonly string[]): string {
  const name = header?.[column - 1];
  return `line ${line}, column ${column}${name === undefined ? "" : ` (${quoteValue(name)})`}`;
}

/**
 * The detail for a record with more than {@link MAX_COLUMNS} fields: the
 * header (`width` unknown yet), or a record of a file `width` columns wide.
 */
export function tooManyFields(line: number, width?: number): string {
  const limit = MAX_COLUMNS.toLocaleString("en-US");
  return width === undefined
    ? `line ${line} has more than ${limit} columns, the limit`
    : `line ${line} has more than ${limit} fields, expected ${width}`;
}

/** Parses a cell as a number: `undefined` when empty, `null` if not numeric, NaN if non-finite. */
export function parseNumber(cell: string): number | null | undefined {
  const text = cell.trim();
  if (text === "") return undefined;
  const value = Number(text);
  if (Number.isFinite(value)) return value;
  if (NON_FINITE.test(text) || !Number.isNaN(value)) return NaN;
  return null;
}

const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/**
 * Reading a whole CSV file for training, fast: {@link scanCsv} scans the
 * bytes itself while the file holds no quote character (plain numeric
 * exports, the large ones), parsing numbers without making a string per
 * cell, and hands any file with quotes to csv-parse (`csv.ts`). Both paths
 * give the same fields, lines and error messages.
 * @module
 */
import { createHash } from "node:crypto";
import {
  cellPlace,
  csvError,
  MAX_COLUMNS,
  openCsv,
  openCsvFile,
  parseNumber,
  tooManyFields,
} from "./csv.ts";
import { sha256File } from "./hash.ts";

/**
 * The current record during {@link scanCsv}: valid only inside the callback
 * that receives it, which must copy what it keeps.
 */
export interface FieldView {
  /** The line of the file the record ends on (1-based, the header is line 1). */
  readonly line: number;
  /** The field's text, untrimmed. */
  text(field: number): string;
  /** The field as `parseNumber` (csv.ts) reads it. */
  number(field: number): number | null | undefined;
}

/** What {@link scanCsv} calls. */
export interface CsvVisitor {
  /** Receives the header row, before any record. */
  header(names: string[]): void;
  /** Receives each data record; its field count always matches the header. */
  record(fields: FieldView): void;
  /** Forget everything received so far: the file is read again from the start. */
  restart(): void;
  /** A guess at the number of records to come, to size storage once (optional). */
  expect?(records: number): void;
}

/** Options for {@link scanCsv}. */
export interface ScanOptions {
  /** Receives the number of records read so far, now and then. */
  progress?: (records: number) => void;
  /** Always use csv-parse (the byte scanner is checked against it in tests). */
  general?: boolean;
  /** Bytes per read of the byte scanner (4 MiB); small values test chunk edges. */
  chunkSize?: number;
  /** Hash the file's bytes (the default); `false` leaves `sha256` empty, for readers that never record it. */
  hash?: boolean;
  /** The field delimiter, `,` by default. */
  delimiter?: string;
}

/** What {@link scanCsv} learned about the file as a whole. */
export interface ScanResult {
  /** Data records read (empty lines skipped). */
  records: number;
  /** SHA-256 of the file's bytes, hex (empty with `hash: false`). */
  sha256: string;
}

/**
 * Reads the CSV file at `path` from start to end, calling `visitor` with the
 * header and each record. Throws the same `InputError`s as
 * {@link openCsv} and the reader it returns.
 */
export async function scanCsv(
  path: string,
  visitor: CsvVisitor,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const delimiter = options.delimiter ?? ",";
  // the byte scanner splits on one ASCII byte; any other delimiter goes to csv-parse
  const plain = !options.general && delimiter.length === 1 && delimiter.charCodeAt(0) < 0x80 &&
    !/[\r\n"0-9.+-]/.test(delimiter);
  const fast = plain ? await scanPlain(path, visitor, options) : null;
  if (fast) return fast;
  // quotes need a real CSV parser; the byte scanner stopped at the first one
  if (plain) visitor.restart();
  const csv = await openCsv(path, { delimiter });
  visitor.header(csv.header);
  const view = new StringFields();
  let records = 0;
  for await (const { line, fields } of csv.records) {
    view.line = line;
    view.fields = fields;
    visitor.record(view);
    if (++records % PROGRESS_EVERY === 0) options.progress?.(records);
  }
  return { records, sha256: options.hash === false ? "" : await sha256File(path) };
}

const PROGRESS_EVERY = 65_536;
const CHUNK = 1 << 22;
const QUOTE = 0x22, LF = 0x0a, CR = 0x0d;
const MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, ZERO = 0x30, NINE = 0x39;
// exact powers of ten as doubles: 10^0 … 10^22
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const utf8 = new TextDecoder();

/** Fields of a record that csv-parse produced. */
class StringFields implements FieldView {
  line = 0;
  fields: string[] = [];
  text(field: number): string {
    return this.fields[field]!;
  }
  number(field: number): number | null | undefined {
    return parseNumber(this.fields[field]!);
  }
}

/** Fields of a record as byte ranges of the scanner's buffer, numbers pre-parsed. */
class ByteFields implements FieldView {
  line = 0;
  bytes = new Uint8Array(0);
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** The value of each field the scanner could parse exactly. */
  values = new Float64Array(64);
  /** Per field: PARSED (see `values`), EMPTY, or OTHER (read the text). */
  kinds = new Uint8Array(64);

  /** Makes room for `fields` fields a record, forgetting the current one. */
  reserve(fields: number): void {
    this.starts = new Int32Array(fields);
    this.ends = new Int32Array(fields);
    this.values = new Float64Array(fields);
    this.kinds = new Uint8Array(fields);
  }

  text(field: number): string {
    const start = this.starts[field]!, end = this.ends[field]!;
    const b = this.bytes;
    if (end - start <= 32) {
      let ascii = "";
      for (let i = start; i < end; i++) {
        const c = b[i]!;
        if (c >= 0x80) return utf8.decode(b.subarray(start, end));
        ascii += String.fromCharCode(c);
      }
      return ascii;
    }
    return utf8.decode(b.subarray(start, end));
  }

  number(field: number): number | null | undefined {
    const kind = this.kinds[field]!;
    if (kind === PARSED) return this.values[field]!;
    if (kind === EMPTY) return undefined;
    return parseNumber(this.text(field));
  }
}

const PARSED = 1, EMPTY = 2, OTHER = 0;

/**
 * Scans a file with no quote character in it; returns `null` as soon as it
 * meets one (or a carriage return that does not end a line), so that
 * {@link scanCsv} can hand the file to csv-parse instead.
 *
 * One pass over the bytes splits lines and fields and parses plain decimals
 * (sign, digits, one dot, at most 15 significant digits): such a number is
 * exact as m / 10^k, one correctly rounded division, so it equals
 * `Number(text)`. Any other field is read as text later, if at all.
 */
async function scanPlain(
  path: string,
  visitor: CsvVisitor,
  options: ScanOptions,
): Promise<ScanResult | null> {
  const { file, size } = await openCsvFile(path);
  using _ = file;
  const hash = options.hash === false ? null : createHash("sha256");
  const view = new ByteFields();
  let buffer = new Uint8Array(options.chunkSize ?? CHUNK);
  let filled = 0;
  const scan: ScanState = {
    path,
    visitor,
    options,
    view,
    sep: (options.delimiter ?? ",").charCodeAt(0),
    line: 1,
    width: -1,
    records: 0,
    eol: 0,
  };
  let first = true;
  let eof = false;
  while (!eof) {
    if (filled === buffer.length) {
      // one line longer than the buffer: grow it
      const bigger = new Uint8Array(buffer.length * 2);
      bigger.set(buffer);
      buffer = bigger;
    }
    const n = await file.read(buffer.subarray(filled));
    if (n === null) eof = true;
    else {
      hash?.update(buffer.subarray(filled, filled + n));
      filled += n;
    }
    if (first) {
      if (!eof && filled < 3) continue;
      first = false;
      if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
        buffer.copyWithin(0, 3, filled);
        filled -= 3;
      }
    }
    if (eof && filled > 0 && buffer[filled - 1] !== LF) {
      // the last line lacks its LF: add one, so every line scanned ends alike
      if (filled === buffer.length) {
        const bigger = new Uint8Array(buffer.length + 1);
        bigger.set(buffer);
        buffer = bigger;
      }
      buffer[filled++] = LF;
    }
    // whole lines only: up to the last LF read so far
    // (lastIndexOf counts a negative start from the end, hence the guard)
    const limit = filled > 0 ? buffer.lastIndexOf(LF, filled - 1) + 1 : 0;
    if (limit === 0) continue;
    view.bytes = buffer;
    const before = scan.records;
    if (scanLines(buffer, { start: 0, limit }, scan)) return null;
    if (before === 0 && scan.records > 0 && size > 0) {
      // bytes per record so far, times the file size, plus a margin for longer lines;
      // a guess is only passed on while 8 bytes per field stays within twice the
      // file's size, so short first lines cannot make it reserve a fortune
      const guess = Math.ceil((size / limit) * scan.records * 1.05) + 16;
      if (guess * scan.width * 8 <= 2 * size + 1_000_000) visitor.expect?.(guess);
    }
    buffer.copyWithin(0, limit, filled);
    filled -= limit;
  }
  if (scan.width < 0) throw csvError(path, "file is empty");
  return { records: scan.records, sha256: hash?.digest("hex") ?? "" };
}

/** What the byte scanner carries from one block of lines to the next. */
interface ScanState {
  path: string;
  visitor: CsvVisitor;
  options: ScanOptions;
  view: ByteFields;
  /** The delimiter's byte. */
  sep: number;
  /** Line number of the next line. */
  line: number;
  /** Fields per record, -1 before the header. */
  width: number;
  /** The header's names, once read. */
  names?: string[];
  records: number;
  /** Line ending: 0 not seen yet, 1 LF, 2 CRLF. */
  eol: 0 | 1 | 2;
}

/**
 * Scans the whole lines in `buffer[start, limit)`, which ends with a LF.
 * Returns true when the bytes need csv-parse.
 * A plain synchronous function, so that V8 optimises the hot loop.
 */
function scanLines(
  buffer: Uint8Array,
  block: { start: number; limit: number },
  state: ScanState,
): boolean {
  const { start, limit } = block;
  const { path, visitor, options, view, sep } = state;
  let line = state.line, width = state.width, records = state.records, eol = state.eol;
  let names = state.names;
  let starts = view.starts, ends = view.ends, values = view.values, kinds = view.kinds;
  let count = 0;
  let i = start;
  while (i < limit) {
    // one field per turn: a plain decimal is parsed in tight loops as it is scanned
    const fieldStart = i;
    let c = buffer[i]!;
    let negative = false;
    if (c === MINUS || c === PLUS) {
      negative = c === MINUS;
      c = buffer[++i]!;
    }
    let mantissa = 0, significant = 0, digits = 0, decimals = 0;
    while (c >= ZERO && c <= NINE) {
      if (mantissa !== 0 || c !== ZERO) significant++;
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      c = buffer[++i]!;
    }
    if (c === DOT) {
      c = buffer[++i]!;
      while (c >= ZERO && c <= NINE) {
        if (mantissa !== 0 || c !== ZERO) significant++;
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        decimals++;
        c = buffer[++i]!;
      }
    }
    let plain = true;
    // the rest of the field's bytes ORed together (a NUL adds 0x100): above 0x7f,
    // the field holds a NUL or a byte of a multi-byte character, checked once it ends
    let seen = 0;
    // the rest of the field, if any, is not a plain decimal
    while (c !== sep && c !== LF) {
      if (c <= QUOTE) {
        // one test for the rare bytes: NUL, the controls, the space, "!" and the quote
        if (c === QUOTE) return true;
        if (c === CR) {
          // only CRLF line ends are plain; a lone CR is left to csv-parse
          if (buffer[i + 1] !== LF) return true;
          break;
        }
        if (c === 0) seen |= 0x100;
      }
      seen |= c;
      plain = false;
      c = buffer[++i]!;
    }
    const end = i;
    if (c === LF || c === CR) {
      // csv-parse takes the line ending of the first line for the whole file;
      // a file that mixes LF and CRLF is left to it
      const crlf = c === CR;
      if (eol === 0) eol = crlf ? 2 : 1;
      else if (eol !== (crlf ? 2 : 1)) return true;
      if (crlf) c = buffer[++i]!;
    }
    // the field ends at `end`; `i` is on its delimiter or LF
    if (c === LF && count === 0 && end === fieldStart) {
      // an empty line: skipped, but counted
      line++;
      i++;
      continue;
    }
    if (count === starts.length) {
      // room grows to MAX_COLUMNS at most: one field more is refused here, once per record
      if (count >= MAX_COLUMNS) {
        throw csvError(path, tooManyFields(line, width < 0 ? undefined : width));
      }
      const keep = { s: starts, e: ends, v: values, k: kinds };
      view.reserve(Math.min(2 * (count + 1), MAX_COLUMNS));
      ({ starts, ends, values, kinds } = view);
      starts.set(keep.s);
      ends.set(keep.e);
      values.set(keep.v);
      kinds.set(keep.k);
    }
    starts[count] = fieldStart;
    ends[count] = end;
    if (end === fieldStart) kinds[count] = EMPTY;
    else if (plain && digits > 0 && significant <= 15 && decimals <= 22) {
      const v = decimals === 0 ? mantissa : mantissa / POW10[decimals]!;
      values[count] = negative ? -v : v;
      kinds[count] = PARSED;
    } else {
      // a NUL or non-ASCII bytes (rare): refused as csv-parse's reader refuses them (csv.ts)
      if (seen > 0x7f && (seen > 0xff || !validUtf8(buffer, fieldStart, end))) {
        const problem = seen > 0xff ? "NUL byte" : "invalid UTF-8";
        throw csvError(path, `${cellPlace(line, count + 1, names)}: ${problem}`);
      }
      kinds[count] = OTHER;
    }
    count++;
    i++;
    // after a delimiter comes another field, even an empty one right before the LF
    if (c === sep) continue;
    if (width < 0) {
      width = count;
      names = Array.from({ length: count }, (_, f) => view.text(f));
      visitor.header(names);
    } else {
      if (count !== width) {
        throw csvError(path, `line ${line} has ${count} fields, expected ${width}`);
      }
      view.line = line;
      visitor.record(view);
      if (++records % PROGRESS_EVERY === 0) options.progress?.(records);
    }
    count = 0;
    line++;
  }
  if (count > 0) throw new RangeError("Cannot scan CSV: a line was cut at a chunk boundary");
  state.line = line;
  state.width = width;
  state.names = names;
  state.records = records;
  state.eol = eol;
  return false;
}

/**
 * Whether `bytes[start, end)` is well-formed UTF-8, as a fatal TextDecoder
 * judges it: no stray or missing continuation bytes, no overlong forms, no
 * surrogates, nothing past U+10FFFF. Allocates nothing: the byte scanner
 * calls it on each field with a byte of 0x80 or more.
 */
export function validUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // the sequence's length, and the range its second byte must fall in
    let more: number, low = 0x80, high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      more = 2;
      if (b === 0xe0) low = 0xa0; // overlong
      else if (b === 0xed) high = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      more = 3;
      if (b === 0xf0) low = 0x90; // overlong
      else if (b === 0xf4) high = 0x8f; // past U+10FFFF
    } else return false;
    if (i + more >= end) return false; // cut short by the field's end
    const second = bytes[i + 1]!;
    if (second < low || second > high) return false;
    for (let k = 2; k <= more; k++) {
      const next = bytes[i + k]!;
      if (next < 0x80 || next > 0xbf) return false;
    }
    i += more + 1;
  }
  return true;
}

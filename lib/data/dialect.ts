/**
 * A CSV file's dialect: its delimiter, detected from the header and the first
 * rows unless given, and the cell texts that mean "missing".
 * @module
 */
import { InputError, quoteValue } from "../core/errors.ts";
import { parseNumber } from "./csv.ts";

/** The delimiters {@link sniffDelimiter} considers, in order of preference on a tie. */
export const DELIMITERS = [",", ";", "\t", "|"] as const;

/**
 * Cells read as missing values, as pandas' `read_csv` reads them by default
 * (besides the empty cell).
 */
export const NA_MARKERS: readonly string[] = [
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
];

/** The missing-value markers: pandas' defaults plus `extra` (`--na`). */
export function naMarkers(extra: readonly string[] = []): Set<string> {
  return new Set([...NA_MARKERS, ...extra.map((m) => m.trim()).filter((m) => m !== "")]);
}

/** How many bytes of a file {@link sniffDelimiter} looks at. */
export const SNIFF_BYTES = 65_536;

/**
 * The delimiter of a CSV from its first lines: of `,` `;` tab and `|`, the
 * one found on the header that splits every sampled line into as many fields
 * as the header, the most fields winning; `,` when none is found.
 */
export function sniffDelimiter(sample: string): string {
  // quoted text may hold any delimiter: leave it out of the counts
  const lines = sample.replace(/"(?:[^"]|"")*"?/g, "x").split(/\r?\n/);
  // the last line may be cut short by the sample's end
  if (lines.length > 1) lines.pop();
  const rows = lines.filter((l) => l.trim() !== "").slice(0, 50);
  const header = rows[0];
  if (header === undefined) return ",";
  let best = ",", bestFields = 0, fallback = ",", fallbackFields = 0;
  for (const d of DELIMITERS) {
    const fields = header.split(d).length;
    if (fields < 2) continue;
    if (fields > fallbackFields) [fallback, fallbackFields] = [d, fields];
    if (rows.every((r) => r.split(d).length === fields) && fields > bestFields) {
      [best, bestFields] = [d, fields];
    }
  }
  return bestFields > 0 ? best : fallback;
}

/** Reads the start of the file at `path` and detects its delimiter. */
export async function detectDelimiter(path: string): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    // the reader that follows reports the problem in its own words
    return ",";
  }
  using _ = file;
  const buffer = new Uint8Array(SNIFF_BYTES);
  let filled = 0;
  try {
    while (filled < buffer.length) {
      const n = await file.read(buffer.subarray(filled));
      if (n === null) break;
      filled += n;
    }
  } catch {
    return ",";
  }
  return sniffDelimiter(new TextDecoder().decode(buffer.subarray(0, filled)));
}

/** Validates a `--delimiter` value: one character, `\t` or `tab` for a tab. */
export function parseDelimiter(value: string): string {
  const d = value === "\\t" || value.toLowerCase() === "tab" ? "\t" : value;
  if ([...d].length !== 1 || d === '"' || d === "\n" || d === "\r") {
    throw new InputError(
      `Cannot use delimiter ${quoteValue(value)}: expected one character such as , ; | or tab`,
    );
  }
  return d;
}

/** A decimal written with a comma (`3,14`), or a whole number. */
const DECIMAL_COMMA = /^[+-]?\d+(,\d+)?$/;

/** The number a decimal-comma text (`3,14`) writes; `undefined` if it is not one. */
function decimalComma(text: string): number | undefined {
  return DECIMAL_COMMA.test(text) ? Number(text.replace(",", ".")) : undefined;
}

/**
 * How the cells of a file read: training's rules, kept in `model.json`
 * (`training.na`) so that scoring and drift read new files as training read
 * its file.
 */
export interface CellDialect {
  /** The file's delimiter: a decimal comma can only be one where it is not `,`. */
  delimiter: string;
  /** The missing-value markers, from {@link naMarkers}. */
  na: ReadonlySet<string>;
  /** Whether a marker reads as a number (`--na -999`): then numbers are looked up too. */
  numericNa: boolean;
}

/**
 * The dialect of a file to read as training read its own: the delimiter
 * given (`--delimiter`) or detected, and pandas' markers plus training's `na`.
 */
export async function fileDialect(
  path: string,
  options: { delimiter?: string; na?: readonly string[] } = {},
): Promise<CellDialect> {
  const delimiter = options.delimiter ?? await detectDelimiter(path);
  return { delimiter, ...markers(options.na) };
}

/** {@link naMarkers} of `extra`, and whether any of them reads as a number. */
export function markers(extra: readonly string[] = []): Pick<CellDialect, "na" | "numericNa"> {
  const na = naMarkers(extra);
  return { na, numericNa: [...na].some((m) => Number.isFinite(parseNumber(m) ?? NaN)) };
}

/**
 * One cell as the value of a feature, the one rule that readers of files to
 * score share (batch scoring, the drift report): `null` when it is empty or
 * a missing-value marker; for a numeric feature the number, written with a
 * decimal comma too where the delimiter is not `,` (as training reads such a
 * column), else the trimmed text, which the row schema then refuses as it
 * refuses a string sent for a number; for any other feature the trimmed text
 * (a category, or a date's ISO 8601 string).
 */
export function cellValue(
  text: string,
  numeric: boolean,
  dialect: CellDialect,
): number | string | null {
  const t = text.trim();
  if (t === "" || dialect.na.has(t)) return null;
  if (!numeric) return t;
  const value = parseNumber(t);
  if (value !== null && value !== undefined && Number.isFinite(value)) return value;
  return (dialect.delimiter !== "," ? decimalComma(t) : undefined) ?? t;
}

/** Whether a trimmed cell text is a missing value: empty, or a marker. */
export function isMissing(text: string, na: ReadonlySet<string>): boolean {
  return text === "" || na.has(text);
}

/** A number with a decimal comma, perhaps with dots between thousands (`1.234,5`). */
const COMMA_NUMBER = /^[+-]?[\d.]*\d,\d+$/;

/**
 * The numbers of a column of texts written with decimal commas (`3,14`), NaN
 * where the cell is missing; `undefined` for a column of text. A column whose
 * texts mostly look like such numbers but not all read as one (`1.234,5`) is
 * refused, naming it, rather than read as categories.
 */
export function decimalCommaValues(
  values: readonly (string | null)[],
  name: string,
): Float64Array | undefined {
  // numbers: cells with a decimal comma, and any other spelling of a number (`12`, `1e309`)
  let commas = 0, numbers = 0, present = 0, bad: string | undefined;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      out[i] = NaN;
      continue;
    }
    present++;
    const comma = COMMA_NUMBER.test(v);
    if (comma) commas++;
    if (comma || parseNumber(v) !== null) numbers++;
    const number = decimalComma(v);
    if (number !== undefined) out[i] = number;
    else bad ??= v;
  }
  if (commas === 0) return undefined;
  if (bad === undefined) return out;
  // a column of numbers with a few that do not read: refused by name, never categories
  if (numbers >= 0.9 * present) {
    throw new InputError(
      `Cannot read column ${quoteValue(name)}: its numbers are written with decimal commas, but ${
        quoteValue(bad)
      } is not one; write plain numbers such as 1234.5`,
    );
  }
  return undefined;
}

/** A number written with a decimal comma (`3,14`, `-0,5`). */
const COMMA_DECIMAL = /^[+-]?\d+,\d+$/;

/**
 * The number a cell written with a decimal comma holds (`0,60` → 0.6);
 * `undefined` for any other text. Training reads a column that mixes `0.60`
 * and `0,60` as numbers this way, where the delimiter is not `,`.
 */
export function decimalCommaNumber(text: string): number | undefined {
  return COMMA_DECIMAL.test(text) ? Number(text.replace(",", ".")) : undefined;
}

/** A number with thousands separators (`1,234` or `1,234.56`). */
const THOUSANDS = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

/** A percentage (`12.5%`). */
const PERCENT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+) ?%$/;

/**
 * Refuses (InputError, one line naming the column and the fix) a text
 * column that is really numbers in a form this does not read: at least 90 %
 * of its cells plain numbers or numbers with thousands separators
 * (`1,234.56`), or percentages (`12.5%`), and at least one of those. In a
 * file delimited by other than `,`, `1,234` is a decimal comma: only forms
 * with a point count as thousands there.
 */
export function unreadNumbers(
  values: readonly (string | null)[],
  name: string,
  delimiter: string,
): void {
  let present = 0, plain = 0, thousands = 0, percent = 0, other = 0;
  let example = "";
  for (const v of values) {
    if (v === null) continue;
    present++;
    if (Number.isFinite(Number(v))) plain++;
    else if (THOUSANDS.test(v) && (delimiter === "," || v.includes("."))) {
      if (thousands++ === 0 && !percent) example = v;
    } else if (PERCENT.test(v)) {
      if (percent++ === 0 && !thousands) example = v;
    } // a text column: no need to look further
    else if (++other > 0.1 * values.length) return;
  }
  if (thousands + percent === 0 || plain + thousands + percent < 0.9 * present) return;
  const column = `Cannot read column ${quoteValue(name)}: its numbers are written`;
  throw new InputError(
    thousands >= percent
      ? `${column} with thousands separators (${
        quoteValue(example)
      }); write plain numbers such as 1234.56, or leave it out with --exclude`
      : `${column} as percentages (${
        quoteValue(example)
      }); strip the % (write 12.5 for 12.5%), or leave it out with --exclude`,
  );
}

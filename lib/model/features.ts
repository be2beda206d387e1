/**
 * The feature schema: what each input column is, how it is scaled, imputed
 * or one-hot encoded, and the request schema that follows from it.
 *
 * Encoded rows start with a constant 1 (the intercept the learner lacks),
 * then, feature by feature, one standardised value for a numeric feature or
 * one 0/1 slot per category for a categorical one. A category not seen in training
 * encodes as all zeros; a missing numeric value as the training mean.
 * @module
 */
import { z } from "zod";
import type { Column } from "../data/dataset.ts";

/** A numeric feature and its training statistics. */
export const NumericFeature = z.object({
  name: z.string().min(1),
  type: z.literal("numeric"),
  /** Training mean, also the value imputed for a missing cell. */
  mean: z.number(),
  /** Training standard deviation (1 when the column is constant). */
  scale: z.number().positive(),
  min: z.number(),
  max: z.number(),
  /** Empty cells seen in training; when above 0 the feature is optional. */
  missing: z.number().int().nonnegative(),
});
/** A numeric feature and its training statistics. */
export type NumericFeature = z.infer<typeof NumericFeature>;

/** A categorical feature and the categories seen in training. */
export const CategoricalFeature = z.object({
  name: z.string().min(1),
  type: z.literal("categorical"),
  categories: z.array(z.string()).min(1),
  /** Empty cells seen in training; when above 0 the feature is optional. */
  missing: z.number().int().nonnegative(),
  /**
   * The share of training rows holding each category, in `categories` order:
   * the training mean of its one-hot slot, which explanations measure from
   * (absent in older files).
   */
  frequencies: z.array(z.number().min(0).max(1)).optional(),
});
/** A categorical feature and the categories seen in training. */
export type CategoricalFeature = z.infer<typeof CategoricalFeature>;

/** The numeric parts a date feature is encoded as, each standardised. */
export const DATE_PARTS = ["year", "month", "weekday", "yearday"] as const;

/** One part of a date feature and its training statistics. */
export const DatePart = z.object({
  part: z.enum(DATE_PARTS),
  mean: z.number(),
  scale: z.number().positive(),
  min: z.number(),
  max: z.number(),
});

/**
 * A date or date-time column asked for with `--features`: requests send the
 * ISO 8601 string, encoded as its year, month, day of week (Monday 0) and day
 * of year, each standardised (a missing or unreadable date as the means).
 */
export const DateFeature = z.object({
  name: z.string().min(1),
  type: z.literal("date"),
  parts: z.array(DatePart).length(DATE_PARTS.length),
  /** A date seen in training, for examples. */
  example: z.string(),
  /** Empty cells seen in training; when above 0 the feature is optional. */
  missing: z.number().int().nonnegative(),
});
/** A date feature. */
export type DateFeature = z.infer<typeof DateFeature>;

/** Any kind of feature. */
export const Feature = z.discriminatedUnion("type", [
  NumericFeature,
  CategoricalFeature,
  DateFeature,
]);
/** Any kind of feature. */
export type Feature = z.infer<typeof Feature>;

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The parts of an ISO 8601 date or date-time (`2024-01-31`,
 * `2024-01-31T12:00:00Z`) in {@link DATE_PARTS} order; `undefined` if it is not one.
 */
export function dateParts(text: string): number[] | undefined {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]), month = Number(m[2]), day = Number(m[3]);
  const time = Date.UTC(year, month - 1, day);
  const date = new Date(time);
  // 2024-02-31 is no date
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59)) return undefined;
  const yearday = Math.round((time - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
  return [year, month, (date.getUTCDay() + 6) % 7, yearday];
}

/** Days since 1970-01-01 of an ISO 8601 date or date-time; NaN for anything else. */
export function dayNumber(text: unknown): number {
  const parts = typeof text === "string" ? dateParts(text) : undefined;
  return parts ? Date.UTC(parts[0]!, 0, 1) / 86_400_000 + parts[3]! - 1 : NaN;
}

/** Slots a feature takes in an encoded row. */
export function featureWidth(f: Feature): number {
  return f.type === "numeric" ? 1 : f.type === "date" ? DATE_PARTS.length : f.categories.length;
}

/** One input row as a client sends it: feature name to value. */
export type Row = Record<string, number | string | null | undefined>;

/** Number of slots in an encoded row, the intercept included. */
export function encodedWidth(features: readonly Feature[]): number {
  let width = 1;
  for (const f of features) width += featureWidth(f);
  return width;
}

/** Options for {@link fitFeatures}. */
export interface FitFeatureOptions {
  /** Text columns to encode as date parts (see {@link DateFeature}). */
  dates?: ReadonlySet<string>;
}

/** Learns each column's statistics or categories from the given rows. */
export function fitFeatures(
  columns: readonly Column[],
  rows: ArrayLike<number>,
  options: FitFeatureOptions = {},
): Feature[] {
  return columns.map((column): Feature => {
    if (column.type === "categorical" && options.dates?.has(column.name)) {
      return fitDate(column.name, column.values, rows);
    }
    if (column.type === "numeric") {
      const { count, sum, min, max } = sums(column.values, rows);
      let mean = count > 0 ? sum / count : 0;
      const squares = squaredDeviations(column.values, rows, mean);
      let std = count > 0 ? Math.sqrt(squares / count) : 0;
      if (!Number.isFinite(sum) || !Number.isFinite(squares)) {
        // values beyond ~1e154 overflow the sums: redo them scaled into [-1, 1]
        ({ mean, std } = scaledMoments(column.values, rows, Math.max(-min, max)));
      }
      return {
        name: column.name,
        type: "numeric",
        mean,
        scale: std > 0 ? std : 1,
        min: count > 0 ? min : 0,
        max: count > 0 ? max : 0,
        missing: rows.length - count,
      };
    }
    const seen = new Map<string, number>();
    let missing = 0;
    for (let i = 0; i < rows.length; i++) {
      const v = column.values[rows[i]!]!;
      if (v === null) missing++;
      else seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    const categories = seen.size > 0 ? [...seen.keys()].sort() : [""];
    return {
      name: column.name,
      type: "categorical",
      categories,
      missing,
      frequencies: categories.map((c) => rows.length ? (seen.get(c) ?? 0) / rows.length : 0),
    };
  });
}

/**
 * A categorical feature's most frequent training category (the first in
 * order on a tie), from its `frequencies`; the first category for a file
 * older than them.
 */
export function mostFrequent(
  feature: Pick<CategoricalFeature, "categories" | "frequencies">,
): string {
  const shares = feature.frequencies;
  let best = 0;
  if (shares) { for (let k = 1; k < shares.length; k++) if (shares[k]! > shares[best]!) best = k; }
  return feature.categories[best]!;
}

function fitDate(
  name: string,
  values: readonly (string | null)[],
  rows: ArrayLike<number>,
): DateFeature {
  const sums = DATE_PARTS.map(() => ({ n: 0, sum: 0, squares: 0, min: Infinity, max: -Infinity }));
  let missing = 0, example = "";
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!];
    const parts = v === null || v === undefined ? undefined : dateParts(v);
    if (!parts) {
      missing++;
      continue;
    }
    if (example === "") example = v!;
    parts.forEach((x, k) => {
      const s = sums[k]!;
      s.n++;
      s.sum += x;
      s.squares += x * x;
      if (x < s.min) s.min = x;
      if (x > s.max) s.max = x;
    });
  }
  return {
    name,
    type: "date",
    parts: DATE_PARTS.map((part, k) => {
      const s = sums[k]!;
      const mean = s.n ? s.sum / s.n : 0;
      const sd = s.n ? Math.sqrt(Math.max(0, s.squares / s.n - mean * mean)) : 0;
      return { part, mean, scale: sd > 1e-9 ? sd : 1, min: s.n ? s.min : 0, max: s.n ? s.max : 0 };
    }),
    example: example || "2000-01-01",
    missing,
  };
}

/** The standardised parts of a date text: the means' zeros when it is missing or unreadable. */
export function encodeDate(
  feature: DateFeature,
  text: unknown,
  out: Float64Array,
  at: number,
): void {
  const parts = typeof text === "string" ? dateParts(text) : undefined;
  for (let k = 0; k < DATE_PARTS.length; k++) {
    const p = feature.parts[k]!;
    out[at + k] = parts ? (parts[k]! - p.mean) / p.scale : 0;
  }
}

/**
 * Encodes the given rows of `columns` into a row-major matrix of
 * `rows.length × encodedWidth(features)` values.
 */
export function encodeColumns(
  features: readonly Feature[],
  columns: readonly Column[],
  rows: ArrayLike<number>,
): Float64Array {
  const width = encodedWidth(features);
  const out = new Float64Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out[i * width] = 1;
  let slot = 1;
  // numeric features are written row by row below: one sequential pass over
  // the output instead of one strided pass per feature
  const numericSlots: number[] = [], means: number[] = [], scales: number[] = [];
  const numericValues: Float64Array[] = [];
  features.forEach((feature, f) => {
    const column = columns[f]!;
    if (feature.type === "numeric") {
      // a non-numeric column leaves zeros: the mean, standardised
      if (column.type === "numeric") {
        numericSlots.push(slot);
        means.push(feature.mean);
        scales.push(feature.scale);
        numericValues.push(column.values);
      }
      slot += 1;
    } else if (feature.type === "date") {
      const tmp = new Float64Array(DATE_PARTS.length);
      for (let i = 0; i < rows.length; i++) {
        const raw = column.type === "categorical" ? column.values[rows[i]!] : null;
        encodeDate(feature, raw, tmp, 0);
        out.set(tmp, i * width + slot);
      }
      slot += DATE_PARTS.length;
    } else {
      const index = categoryIndex(feature);
      for (let i = 0; i < rows.length; i++) {
        const raw = column.type === "categorical"
          ? column.values[rows[i]!]
          : String(column.values[rows[i]!]);
        const k = raw === null || raw === undefined ? undefined : index.get(raw);
        if (k !== undefined) out[i * width + slot + k] = 1;
      }
      slot += feature.categories.length;
    }
  });
  const count = numericSlots.length;
  for (let i = 0, base = 0; i < rows.length; i++, base += width) {
    const r = rows[i]!;
    for (let k = 0; k < count; k++) {
      const raw = numericValues[k]![r]!;
      // NaN (a missing cell) imputes the mean, which standardises to 0
      out[base + numericSlots[k]!] = raw === raw ? (raw - means[k]!) / scales[k]! : 0;
    }
  }
  return out;
}

/** An encoder for single rows, with its lookups built once. */
export interface RowEncoder {
  /** Slots per encoded row. */
  width: number;
  /** Writes `row` into `out` from `offset`; `row` must have passed validation. */
  encode(row: Row, out: Float64Array, offset: number): void;
}

/** Builds the encoder for validated rows of the given schema. */
export function rowEncoder(features: readonly Feature[]): RowEncoder {
  const width = encodedWidth(features);
  const plan: Array<
    | { type: "numeric"; name: string; mean: number; scale: number; slot: number }
    | { type: "categorical"; name: string; index: Map<string, number>; slot: number }
    | { type: "date"; name: string; feature: DateFeature; slot: number }
  > = [];
  let slot = 1;
  for (const feature of features) {
    if (feature.type === "numeric") {
      plan.push({
        type: "numeric",
        name: feature.name,
        mean: feature.mean,
        scale: feature.scale,
        slot,
      });
      slot += 1;
    } else if (feature.type === "date") {
      plan.push({ type: "date", name: feature.name, feature, slot });
      slot += DATE_PARTS.length;
    } else {
      plan.push({ type: "categorical", name: feature.name, index: categoryIndex(feature), slot });
      slot += feature.categories.length;
    }
  }
  return {
    width,
    encode(row, out, offset) {
      out.fill(0, offset, offset + width);
      out[offset] = 1;
      for (let f = 0; f < plan.length; f++) {
        const step = plan[f]!;
        const value = row[step.name];
        if (step.type === "numeric") {
          // a missing value imputes the mean, which standardises to 0
          out[offset + step.slot] = typeof value === "number"
            ? (value - step.mean) / step.scale
            : 0;
        } else if (step.type === "date") {
          encodeDate(step.feature, value, out, offset + step.slot);
        } else if (typeof value === "string") {
          const k = step.index.get(value);
          if (k !== undefined) out[offset + step.slot + k] = 1;
        }
      }
    },
  };
}

/** How {@link rowSchema} and {@link rowAccepts} treat fields that are not features. */
export interface RowOptions {
  /**
   * A field accepted with any value and dropped, neither a feature nor an
   * unknown field: the model's target, which rows copied from the training
   * file carry (`deno task predict` ignores that column too).
   */
  ignore?: string;
}

/** What serving says of a date feature's value that is no ISO 8601 date. */
export const DATE_EXPECTED = "expected an ISO 8601 date such as 2024-01-31";

/**
 * The zod schema one input row must satisfy: every feature present with the
 * right type (optional, or `null`, when training imputed it), and no
 * unknown fields but `options.ignore`, which is dropped.
 */
export function rowSchema(features: readonly Feature[], options: RowOptions = {}): z.ZodType<Row> {
  const shape: Record<string, z.ZodType> = {};
  for (const feature of features) {
    // zod v4's number() already refuses NaN and ±Infinity
    const base = feature.type === "numeric"
      ? z.number()
      : feature.type === "date"
      ? z.string().refine((v) => dateParts(v) !== undefined, { message: DATE_EXPECTED })
      : z.string();
    shape[feature.name] = feature.missing > 0 ? base.nullable().optional() : base;
  }
  const ignore = options.ignore;
  if (ignore === undefined || Object.hasOwn(shape, ignore)) {
    return z.strictObject(shape) as unknown as z.ZodType<Row>;
  }
  shape[ignore] = z.unknown().optional().meta({
    description: "The model's target: accepted with any value and ignored",
  });
  return z.strictObject(shape).transform((row) => {
    const { [ignore]: _, ...features } = row;
    return features;
  }) as unknown as z.ZodType<Row>;
}

// the two passes of fitFeatures over a numeric column, as functions of their
// own so that V8 optimises each loop for its arrays

function sums(values: Float64Array, rows: ArrayLike<number>) {
  let count = 0, sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!]!;
    if (v !== v) continue;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { count, sum, min, max };
}

function squaredDeviations(values: Float64Array, rows: ArrayLike<number>, mean: number): number {
  let squares = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!]!;
    if (v === v) squares += (v - mean) * (v - mean);
  }
  return squares;
}

/** Mean and standard deviation of huge values, computed on `value / bound`. */
function scaledMoments(
  values: Float64Array,
  rows: ArrayLike<number>,
  bound: number,
): { mean: number; std: number } {
  let count = 0, sum = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!]!;
    if (Number.isNaN(v)) continue;
    count++;
    sum += v / bound;
  }
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!]!;
    if (!Number.isNaN(v)) squares += (v / bound - mean) ** 2;
  }
  return { mean: mean * bound, std: Math.sqrt(squares / count) * bound };
}

function categoryIndex(feature: CategoricalFeature): Map<string, number> {
  return new Map(feature.categories.map((c, k) => [c, k]));
}

/** What {@link exampleRow} needs of a feature (`GET /model` describes features this way). */
export const FeatureOutline = z.discriminatedUnion("type", [
  NumericFeature.pick({ name: true, type: true, mean: true }),
  CategoricalFeature.pick({ name: true, type: true, categories: true, frequencies: true }),
  DateFeature.pick({ name: true, type: true, example: true }),
]);
/** What {@link exampleRow} needs of a feature (`GET /model` describes features this way). */
export type FeatureOutline = z.infer<typeof FeatureOutline>;

/**
 * A row every model trained on `features` accepts: each numeric feature at
 * its training mean, each categorical one at its most frequent category (the
 * first in older files), each date at a date seen in training.
 */
export function exampleRow(features: readonly FeatureOutline[]): Row {
  const row: Row = {};
  for (const f of features) {
    row[f.name] = f.type === "numeric" ? f.mean : f.type === "date" ? f.example : mostFrequent(f);
  }
  return row;
}

/**
 * A compiled predicate that accepts only rows {@link rowSchema} accepts (all
 * of them that JSON can express), without building a result or issues. The
 * server runs it first and falls back to the zod schema, which stays the
 * definition and reports every problem, for rows it refuses; a test checks
 * the two agree on generated rows.
 */
export function rowAccepts(
  features: readonly Feature[],
  options: RowOptions = {},
): (value: unknown) => value is Row {
  const names = features.map((f) => f.name);
  const ignore = options.ignore !== undefined && !names.includes(options.ignore)
    ? options.ignore
    : undefined;
  const numeric = features.map((f) => f.type === "numeric");
  const date = features.map((f) => f.type === "date");
  const optional = features.map((f) => f.missing > 0);
  const required = optional.filter((o) => !o).length;
  return (value: unknown): value is Row => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    const row = value as Record<string, unknown>;
    let present = 0;
    for (let f = 0; f < names.length; f++) {
      const v = row[names[f]!];
      if (v === undefined) {
        if (!optional[f] || Object.hasOwn(row, names[f]!)) return false;
        continue;
      }
      present++;
      if (v === null) {
        if (!optional[f]) return false;
      } else if (
        numeric[f]
          ? typeof v !== "number" || !Number.isFinite(v)
          : typeof v !== "string" || (date[f] && dateParts(v) === undefined)
      ) {
        return false;
      }
    }
    // no unknown keys: each feature counted above has a number or string
    // value, which no inherited property has, so equal counts mean every own
    // key is a feature (or the ignored field)
    const ignored = ignore !== undefined && Object.hasOwn(row, ignore) ? 1 : 0;
    return present >= required && Object.keys(row).length === present + ignored &&
      Object.getPrototypeOf(row) === Object.prototype;
  };
}

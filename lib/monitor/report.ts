/**
 * The offline drift report (`deno task drift`): the PSI of each feature and
 * of the predicted classes for a CSV file against a model's training
 * profile. The file is read as batch scoring reads it (`readBlocks`,
 * lib/score/reader.ts: typed blocks, validated as serving validates a row,
 * the first bad cell stopping the report with an {@link InputError} naming
 * it), and its rows go through the same {@link DriftWindow} the server
 * keeps, with no eviction, so a file and live traffic are measured alike.
 * @module
 */
import { InputError, quoteValue } from "../core/errors.ts";
import type { Model } from "../model/model.ts";
import { resolveModel } from "../registry/runs.ts";
import { loadSealedModel } from "../registry/seal.ts";
import { readBlocks } from "../score/reader.ts";
import { driftPlan } from "./monitor.ts";
import { DriftWindow, type FeaturePsi } from "./window.ts";

/** PSI above which a shift is major (and the alert rule fires). */
export const MAJOR_PSI = 0.25;
/** PSI below which a distribution counts as stable. */
export const STABLE_PSI = 0.1;

/**
 * Fewest rows a report accepts by default (`--min-rows`). On an unchanged
 * feature of ten decile bins, sampling noise alone gives a PSI of about
 * 9 / rows on average: 0.09 at 100 rows, and above 0.25 on a few features
 * in a hundred; at 300 rows the noise stays below 0.1 in 999 samples of 1000
 * (docs/http-api.md, "Drift and the prediction log").
 */
export const MIN_ROWS = 300;

/** What {@link driftReport} found. */
export interface DriftReport {
  /** The data file. */
  data: string;
  /** Rows read. */
  rows: number;
  /** Each feature's PSI, in the model's feature order. */
  features: FeaturePsi[];
  /** The PSI of the predicted classes. */
  predictions: number;
}

/** Loads the model `model` names (`latest`, a run id or directory) and reports on `data`. */
export async function reportForRun(
  options: { data: string; model: string; delimiter?: string; minRows?: number },
): Promise<DriftReport> {
  const dir = await resolveModel(options.model);
  const model = await loadSealedModel(dir, { label: options.model });
  return await driftReport(model, options.data, options);
}

/**
 * Measures the drift of the CSV file `data` against `model`'s training
 * profile; `model` names it in messages. The file is read by batch scoring's
 * reader (lib/score/reader.ts), so as training read its own (the delimiter
 * given or detected, missing-value markers, decimal commas, dates as text),
 * in typed blocks with no object per row, each block predicted at once.
 * A feature column the file lacks reads as missing when training saw
 * missing values for it, as serving reads a row without the field.
 * A file of fewer than `minRows` rows ({@link MIN_ROWS} by default) is
 * refused: its PSI would measure sampling noise rather than drift.
 */
export async function driftReport(
  model: Model,
  data: string,
  options: { model: string; delimiter?: string; minRows?: number },
): Promise<DriftReport> {
  const label = options.model;
  const plan = driftPlan(model);
  if (!plan) {
    throw new InputError(
      `Cannot report drift for model "${label}": it has no drift profile (trained before profiles were stored); retrain it`,
    );
  }
  const window = new DriftWindow(plan, Infinity);
  const { rows } = await readBlocks(data, {
    model,
    delimiter: options.delimiter,
    verb: "read",
    absentAsMissing: true,
    block: ({ count, columns, x }) => {
      window.observeColumns(columns, count, model.predictEncoded(x, count).classes);
    },
  });
  if (rows === 0) throw new InputError(`Cannot read ${quoteValue(data)}: it has no data rows`);
  const least = options.minRows ?? MIN_ROWS;
  if (rows < least) {
    throw new InputError(
      `Cannot report drift on ${quoteValue(data)}: ${rows} rows, fewer than --min-rows ${least}; ` +
        `on so few rows sampling noise alone gives an unchanged feature a PSI of about ${
          (9 / rows).toFixed(2)
        }; give more rows, or lower --min-rows knowingly`,
    );
  }
  return {
    data,
    rows,
    features: window.featurePsi(),
    predictions: window.predictionPsi(),
  };
}

/** The report as a Markdown table, worst feature first. */
export function reportText(report: DriftReport): string {
  const verdict = (psi: number) =>
    psi > MAJOR_PSI ? "major shift" : psi >= STABLE_PSI ? "moderate shift" : "stable";
  const rows = [...report.features].sort((a, b) => b.psi - a.psi).map((f) =>
    `| ${f.feature} | ${f.psi.toFixed(4)} | ${verdict(f.psi)} |`
  );
  return [
    `${report.rows} rows of ${report.data} against the training profile (PSI: < ${STABLE_PSI} stable, > ${MAJOR_PSI} major)`,
    "",
    "| feature | PSI | verdict |",
    "|---|---|---|",
    ...rows,
    `| (predicted class) | ${report.predictions.toFixed(4)} | ${verdict(report.predictions)} |`,
  ].join("\n");
}

/** The largest PSI in a report, features and predicted classes alike. */
export function worstPsi(report: DriftReport): number {
  return Math.max(report.predictions, ...report.features.map((f) => f.psi));
}

/**
 * The offline drift report (`deno task drift`): the PSI of each feature and
 * of the predicted classes for a CSV file against a model's training
 * profile. Rows stream through the same {@link DriftWindow} the server keeps,
 * with no eviction, so a file and live traffic are measured alike. Rows are
 * validated as serving validates them: the first bad one stops the report
 * (an {@link InputError} naming its line).
 * @module
 */
import { InputError } from "../core/errors.ts";
import { cellPlace, openCsv } from "../data/csv.ts";
import { cellValue, fileDialect } from "../data/dialect.ts";
import type { Row } from "../model/features.ts";
import { rowProblem } from "../model/inputs.ts";
import type { Model } from "../model/model.ts";
import { resolveModel } from "../registry/runs.ts";
import { loadSealedModel } from "../registry/seal.ts";
import { driftPlan } from "./monitor.ts";
import { DriftWindow, type FeaturePsi } from "./window.ts";

/** PSI above which a shift is major (and the alert rule fires). */
export const MAJOR_PSI = 0.25;
/** PSI below which a distribution counts as stable. */
export const STABLE_PSI = 0.1;

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
  options: { data: string; model: string; delimiter?: string },
): Promise<DriftReport> {
  const dir = await resolveModel(options.model);
  const model = await loadSealedModel(dir, { label: options.model });
  return await driftReport(model, options.data, options);
}

/**
 * Measures the drift of the CSV file `data` against `model`'s training
 * profile; `model` names it in messages. The file is read as training read
 * its own (lib/data/dialect.ts): the delimiter given or detected, missing-value
 * markers, decimal commas, dates as text.
 */
export async function driftReport(
  model: Model,
  data: string,
  options: { model: string; delimiter?: string },
): Promise<DriftReport> {
  const label = options.model;
  const plan = driftPlan(model);
  if (!plan) {
    throw new InputError(
      `Cannot report drift for model "${label}": it has no drift profile (trained before profiles were stored); retrain it`,
    );
  }
  const dialect = await fileDialect(data, {
    delimiter: options.delimiter,
    na: model.file.training.na,
  });
  const reader = await openCsv(data, { delimiter: dialect.delimiter });
  const features = model.file.features;
  const header = reader.header.map((h) => h.trim());
  const names = features.map((f) => f.name);
  const columns = names.map((name) => header.indexOf(name));
  features.forEach((f, j) => {
    if (columns[j]! < 0 && f.missing === 0) {
      throw new InputError(`Cannot read "${data}": no column "${f.name}", which the model needs`);
    }
  });
  const window = new DriftWindow(plan, Infinity);
  const probabilities = new Float64Array(model.classes.length);
  for await (const { line, fields } of reader.records) {
    const row: Row = {};
    features.forEach((f, j) => {
      const c = columns[j]!;
      // a column left out is missing on every row; the model says whether it may be
      if (c >= 0) row[f.name] = cellValue(fields[c]!, f.type === "numeric", dialect);
    });
    if (!model.rowAccepts(row)) {
      // the cell at fault, in serving's words, as batch scoring names it
      const { feature: j, message } = rowProblem(row, model.rowSchema, names);
      const c = j >= 0 ? columns[j]! : -1;
      const place = c >= 0 ? cellPlace(line, c + 1, header) : `line ${line}`;
      throw new InputError(`Cannot read "${data}": ${place}: ${message}`);
    }
    window.observe(row, model.predictOne(row, probabilities));
  }
  if (window.rows === 0) throw new InputError(`Cannot read "${data}": it has no data rows`);
  return {
    data,
    rows: window.rows,
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

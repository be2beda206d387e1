/**
 * Scoring a trained model on any labelled dataset.
 * @module
 */
import type { Column, Dataset } from "../data/dataset.ts";
import { InputError } from "../core/errors.ts";
import { encodeColumns } from "../model/features.ts";
import {
  classificationReport,
  type LabelledReport,
  type Scores,
  withLabels,
} from "../model/scores.ts";
import { type Model, positiveIndex } from "../model/model.ts";
import { classIndices } from "../model/training.ts";

/** The label under which rows whose class the model never saw are counted. */
export const UNSEEN_LABEL = "(unseen label)";

/** Accuracy and macro F1 of `model` on every row of `data`; see {@link reportDataset}. */
export function scoreDataset(model: Model, data: Dataset): Scores {
  const { accuracy, f1 } = reportDataset(model, data);
  return { accuracy, f1 };
}

/**
 * Every metric of `model` on every row of `data`. Columns are matched by
 * name; extra columns are ignored, missing values and unseen categories are
 * handled as in serving, and a label the model never saw counts as a wrong
 * prediction, under {@link UNSEEN_LABEL}.
 */
export function reportDataset(model: Model, data: Dataset): LabelledReport {
  const byName = new Map(data.columns.map((c) => [c.name, c]));
  const columns: Column[] = model.file.features.map((feature) => {
    const column = byName.get(feature.name);
    if (!column) {
      throw new InputError(
        `Cannot score "${data.source}": feature column "${feature.name}" is missing`,
      );
    }
    if (feature.type === "numeric" && column.type !== "numeric") {
      const bad = column.values.find((v) => v !== null);
      throw new InputError(
        `Cannot score "${data.source}": column "${feature.name}" must be numeric, found "${bad}"`,
      );
    }
    return column;
  });
  const classes = model.classes;
  const k = classes.length;
  const y = classIndices(data.labels.map((l) => coerceLabel(l, classes)), classes)
    .map((c) => (c < 0 ? k : c));
  const rows = Uint32Array.from({ length: data.rows }, (_, i) => i);
  const predictions = model.predictEncoded(
    encodeColumns(model.file.features, columns, rows),
    data.rows,
  );
  const unseen = y.some((c) => c === k);
  const report = classificationReport(y, predictions.classes, {
    classCount: unseen ? k + 1 : k,
    probabilities: { values: predictions.probabilities, width: k },
    positive: positiveIndex(model.file) ?? undefined,
  });
  const labels = classes.map(String);
  return withLabels(report, unseen ? [...labels, UNSEEN_LABEL] : labels);
}

function coerceLabel(label: number | string, classes: readonly (number | string)[]) {
  // "1" in an evaluation file matches class 1 of a model trained on numbers
  return typeof classes[0] === "number" && typeof label === "string" && label.trim() !== "" &&
      Number.isFinite(Number(label))
    ? Number(label)
    : label;
}

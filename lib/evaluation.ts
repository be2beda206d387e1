/**
 * Scoring a trained model on any labelled dataset.
 * @module
 */
import type { Column, Dataset } from "./dataset.ts";
import { InputError } from "./errors.ts";
import { encodeColumns } from "./features.ts";
import { type Scores, scores } from "./metrics.ts";
import type { Model } from "./model.ts";
import { classIndices } from "./training.ts";

/**
 * Accuracy and macro F1 of `model` on every row of `data`. Columns are
 * matched by name; extra columns are ignored, and a label the model never saw
 * counts as a wrong prediction.
 */
export function scoreDataset(model: Model, data: Dataset): Scores {
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
  const predicted =
    model.predictEncoded(encodeColumns(model.file.features, columns, rows), data.rows)
      .classes;
  return scores(y, predicted, k + 1);
}

function coerceLabel(label: number | string, classes: readonly (number | string)[]) {
  // "1" in an evaluation file matches class 1 of a model trained on numbers
  return typeof classes[0] === "number" && typeof label === "string" && label.trim() !== "" &&
      Number.isFinite(Number(label))
    ? Number(label)
    : label;
}

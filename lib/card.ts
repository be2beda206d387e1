/**
 * The model card, `model_card.md`: what a reviewer reads before trusting a
 * model. Every figure in it comes from the model document.
 * @module
 */
import type { ModelFile } from "./model.ts";

/** Renders the model card for a model document. */
export function modelCard(file: ModelFile): string {
  const t = file.training;
  const solver = Object.entries(t.solver).map(([k, v]) => `${k}=${v}`).join(", ");
  const features = file.features.map((f) =>
    f.type === "numeric"
      ? `| ${f.name} | numeric | mean ${fmt(f.mean)}, sd ${fmt(f.scale)}, range [${fmt(f.min)}, ${
        fmt(f.max)
      }] | ${f.missing} |`
      : `| ${f.name} | categorical | ${
        f.categories.map((c) => JSON.stringify(c)).join(", ")
      } | ${f.missing} |`
  );
  return [
    `# Model card: ${file.name}`,
    "",
    "## Model details",
    "",
    `- Algorithm: multi-class logistic regression (ml-logistic-regression ${
      file.runtime["ml-logistic-regression"] ?? "?"
    }), features standardised, intercept added, categories one-hot encoded`,
    "- Missing values: an empty numeric cell is imputed with the training mean (the `missing` column counts them in training); a category not seen in training encodes as none of the categories",
    `- Solver: ${solver}${
      t.solver.solver === "lbfgs"
        ? " (L-BFGS on the L2-regularised log-loss, as scikit-learn's LogisticRegression)"
        : ""
    }`,
    `- Created: ${file.createdAt}, with Deno ${file.runtime.deno ?? "?"}`,
    `- Format: ${file.format} v${file.formatVersion}`,
    "",
    "## Intended use",
    "",
    `Predicting \`${file.target}\` (${
      file.classes.map(String).join(", ")
    }) from rows shaped like the training data.`,
    "Out of scope: data whose columns, units or population differ from the training data.",
    "",
    "## Training data",
    "",
    `- File: \`${t.data}\` (SHA-256 \`${t.sha256}\`)`,
    t.testRows > 0
      ? `- Rows: ${t.rows} (${t.trainRows} to train, ${t.testRows} held out; stratified, seed ${t.seed}, test size ${t.testSize})`
      : `- Rows: ${t.rows}, all used to train (test size 0, seed ${t.seed}); no rows held out`,
    "",
    "| feature | type | training statistics | missing |",
    "|---|---|---|---|",
    ...features,
    "",
    `## Metrics (${t.scoredOn ?? "held-out rows"})`,
    "",
    ...(t.scoredOn === "training rows"
      ? [
        "Scored on the rows it was trained on, so optimistic: score it on other data with `deno task evaluate --data`.",
        "",
      ]
      : []),
    `- Accuracy: ${fmt(file.metrics.accuracy)}`,
    `- Macro F1: ${fmt(file.metrics.f1)}`,
    "",
    "## Caveats",
    "",
    "- Scores on a small held-out split are noisy; evaluate on more data before relying on them.",
    "- A linear model: interactions between features are not captured.",
    "",
  ].join("\n");
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4);
}

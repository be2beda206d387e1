/**
 * The model card, `model_card.md`: what a reviewer reads before trusting a
 * model, in the sections of Mitchell et al., "Model Cards for Model
 * Reporting" (2019) that apply. Every figure in it comes from the model
 * document and, once the gate has run, its `evaluation.json`.
 * @module
 */
import { CARD_FACTS } from "../model/training.ts";
import { type ModelFile, positiveLabel } from "../model/model.ts";
import type { Evaluation } from "./evaluations.ts";
import { fmt, mdCode, mdCodeBlock, mdText } from "../core/markdown.ts";
import { shellCommand } from "../core/shell.ts";
import { EVALUATION_MD_FILE, PROMOTION_FILE } from "./layout.ts";
import { largestCoefficients } from "../score/explain.ts";

/** Records of the gate to show on a card. */
export interface CardEvaluations {
  /** The latest evaluation. */
  latest?: Evaluation | null;
  /** The evaluation that promoted the run, if one did. */
  promotion?: Evaluation | null;
}

/** Renders the model card for a model document and the gate's records of it. */
export function modelCard(file: ModelFile, evaluations: CardEvaluations = {}): string {
  const evaluation = evaluations.latest ?? null;
  const promotion = evaluations.promotion ?? null;
  const t = file.training;
  const facts = file.card ?? CARD_FACTS;
  const solver = Object.entries(t.solver).map(([k, v]) => mdText(`${k}=${v}`)).join(", ");
  const features = file.features.map((f) =>
    f.type === "numeric"
      ? `| ${mdText(f.name)} | numeric | ${fmt(f.min)} – ${fmt(f.max)} | ${fmt(f.mean)} | ${
        fmt(f.scale)
      } | ${f.missing} |`
      : f.type === "date"
      ? `| ${mdText(f.name)} | date (year, month, day of week, day of year) | ${
        f.parts.map((p) => `${p.part} ${fmt(p.min)} – ${fmt(p.max)}`).join(", ")
      } | | | ${f.missing} |`
      : `| ${mdText(f.name)} | categorical | ${
        mdText(f.categories.map((c) => JSON.stringify(c)).join(", "))
      } | | | ${f.missing} |`
  );
  const balance = t.classBalance
    ? Object.entries(t.classBalance).map(([label, n]) =>
      `${mdText(label)}: ${n} (${fmt((100 * n) / t.rows)}%)`
    ).join(", ")
    : "not recorded (model made before the registry)";
  const h = file.heldOut;
  const positive = positiveLabel(file);
  return [
    `# Model card: ${mdText(file.name)}${file.runId ? ` (run ${mdText(file.runId)})` : ""}`,
    "",
    "## Model details",
    "",
    `- Algorithm: multi-class logistic regression (ml-logistic-regression ${
      mdText(file.runtime["ml-logistic-regression"] ?? "?")
    }), features standardised, intercept added, categories one-hot encoded`,
    `- Solver: ${solver}${
      t.solver.solver === "lbfgs"
        ? " (L-BFGS on the L2-regularised log-loss, as scikit-learn's LogisticRegression)"
        : ""
    }`,
    "- Missing values: an empty numeric cell is imputed with the training mean (the `missing` column counts them in training); a category not seen in training encodes as none of the categories",
    ...(positive === null ? [] : [
      `- Positive class: ${mdText(positive)}${
        file.positive === undefined
          ? " (the second class: a model from before positive classes)"
          : ""
      }: the class PR AUC is reported for and whose probability a threshold cuts`,
    ]),
    ...(file.threshold === undefined || positive === null ? [] : [
      `- Threshold: ${fmt(file.threshold)} on P(${mdText(positive)}): ${
        mdText(positive)
      } is predicted when its probability is at least ${fmt(file.threshold)} (${
        mdText(file.thresholdSelection ?? "given")
      }); probabilities are unchanged`,
    ]),
    `- Seed: ${t.seed}; held-out fraction: ${t.testSize}`,
    `- Created: ${mdText(file.createdAt)}, with Deno ${mdText(file.runtime.deno ?? "?")} (V8 ${
      mdText(file.runtime.v8 ?? "?")
    }, TypeScript ${mdText(file.runtime.typescript ?? "?")})`,
    `- Libraries: ${
      Object.entries(file.runtime).filter(([k]) => !["deno", "v8", "typescript"].includes(k))
        .map(([k, v]) => mdText(`${k} ${v}`)).join(", ")
    }`,
    `- Run id: ${
      file.runId === undefined ? "none (written outside the registry)" : mdText(file.runId)
    }`,
    `- Format: ${mdText(file.format)} v${file.formatVersion}`,
    "",
    "## Intended use",
    "",
    `Predicting ${mdCode(file.target)} (${
      file.classes.map((c) => mdText(String(c))).join(", ")
    }) from rows with the features below. ${mdText(facts.intendedUse)}`,
    "",
    "### Out-of-scope use",
    "",
    ...facts.outOfScope.map((s) => `- ${mdText(s)}`),
    "",
    "## Training data",
    "",
    `- File: ${mdCode(t.data)}`,
    `- SHA-256: ${mdCode(t.sha256)}`,
    t.testRows > 0
      ? `- Rows: ${t.rows} (${t.trainRows} to train, ${t.testRows} held out; stratified split, seed ${t.seed})`
      : `- Rows: ${t.rows}, all used to train (test size 0, seed ${t.seed}); no rows held out`,
    `- Class balance: ${balance}`,
    ...(t.decisions ?? []).map((d) => `- Column roles: ${mdText(d)}`),
    "",
    "Feature statistics over the training rows:",
    "",
    "| feature | type | range / categories | mean | sd | missing |",
    "|---|---|---|---|---|---|",
    ...features,
    "",
    ...coefficientLines(file),
    "## Evaluation",
    "",
    t.scoredOn === "training rows"
      ? "### Training rows (no rows held out)"
      : "### Held-out rows (at training)",
    ...(t.scoredOn === "training rows"
      ? [
        "",
        "Scored on the rows it was trained on, so optimistic: score it on other data with `deno task evaluate --data`.",
      ]
      : []),
    "",
    `- Accuracy ${fmt(file.metrics.accuracy)}, macro F1 ${fmt(file.metrics.f1)}${
      h
        ? `, log loss ${h.logLoss === null ? "n/a" : fmt(h.logLoss)}, ROC AUC ${
          h.rocAuc === null ? "n/a" : fmt(h.rocAuc)
        } on ${h.rows} rows`
        : ""
    }`,
    ...(h
      ? h.perClass.map((c) =>
        `- ${mdText(c.label)}: precision ${fmt(c.precision)}, recall ${fmt(c.recall)}, F1 ${
          fmt(c.f1)
        }, support ${c.support}`
      )
      : []),
    "",
    "### Quality gate",
    "",
    ...(evaluation ? gateLines(evaluation) : [
      "Not evaluated yet: run `deno task evaluate` (it gates the newest run and promotes it when it passes).",
    ]),
    ...(promotion && promotion.evaluatedAt !== evaluation?.evaluatedAt
      ? [
        "",
        `Promoted to \`models/latest\` by the evaluation of ${mdText(promotion.evaluatedAt)}, on ${
          evaluationData(promotion)
        }: accuracy ${fmt(promotion.accuracy)}, macro F1 ${
          fmt(promotion.f1)
        } against thresholds ${promotion.thresholds.accuracy} / ${promotion.thresholds.f1} ([${PROMOTION_FILE}](${PROMOTION_FILE})).`,
      ]
      : []),
    "",
    "## Reproducibility",
    "",
    "Retraining with the same data (same SHA-256), seed and settings gives the same weights:",
    "",
    mdCodeBlock(retrainCommand(file), "sh"),
    "",
    "## Caveats and recommendations",
    "",
    ...facts.caveats.map((s) => `- ${mdText(s)}`),
    "",
  ].join("\n");
}

/** The card's table of the largest coefficients, and how to read them. */
function coefficientLines(file: ModelFile): string[] {
  const top = largestCoefficients(file, COEFFICIENTS_SHOWN);
  const whose = file.classes.length === 2
    ? `the log-odds of ${mdCode(String(file.classes[1]))}`
    : "each class's logit";
  return [
    `Largest coefficients (of ${whose}, per standard deviation of a number or for a category; \`--explain\` splits one prediction this way):`,
    "",
    "| class | term | weight |",
    "|---|---|---|",
    ...top.map((c) => `| ${mdText(String(c.class))} | ${mdText(c.term)} | ${fmt(c.weight)} |`),
    "",
  ];
}

/** Coefficients the card lists at most. */
const COEFFICIENTS_SHOWN = 10;

/** Where an evaluation's rows came from, in Markdown: for the card and `evaluation.md`. */
export function evaluationData(e: Evaluation): string {
  const sha = e.data.sha256 ? ` (SHA-256 ${mdCode(e.data.sha256)})` : "";
  return e.data.kind === "held-out"
    ? `the ${e.data.rows} rows of ${mdCode(e.data.path)}${sha} held out at training`
    : `${mdCode(e.data.path)}${sha}, ${e.data.rows} rows`;
}

function gateLines(e: Evaluation): string[] {
  return [
    `- Verdict: **${e.passed ? "passed" : "failed"}**${
      e.failures.length ? ` (${e.failures.map(mdText).join("; ")})` : ""
    }; promoted by this evaluation: ${e.promoted ? "yes" : "no"}`,
    `- Data: ${evaluationData(e)}`,
    `- Thresholds: accuracy ≥ ${e.thresholds.accuracy}, macro F1 ≥ ${e.thresholds.f1}${
      e.maxRegression === null ? "" : `, no drop over ${e.maxRegression} against latest`
    }`,
    `- Accuracy ${fmt(e.accuracy)}, macro F1 ${fmt(e.f1)}${
      e.metrics
        ? `, log loss ${e.metrics.logLoss === null ? "n/a" : fmt(e.metrics.logLoss)}, ROC AUC ${
          e.metrics.rocAuc === null ? "n/a" : fmt(e.metrics.rocAuc)
        }${
          e.metrics.balancedAccuracy === undefined
            ? ""
            : `, balanced accuracy ${fmt(e.metrics.balancedAccuracy)}`
        }${
          e.metrics.prAuc == null
            ? ""
            : `, PR AUC (${mdText(e.metrics.positive ?? e.metrics.labels[1] ?? "")}) ${
              fmt(e.metrics.prAuc)
            }`
        }`
        : ""
    }`,
    ...(e.metrics?.majority
      ? [
        `- Majority baseline: always predicting ${
          mdText(e.metrics.majority.label)
        } scores accuracy ${fmt(e.metrics.majority.accuracy)}, macro F1 ${
          fmt(e.metrics.majority.f1)
        }`,
      ]
      : []),
    `- Evaluated at ${
      mdText(e.evaluatedAt)
    }; details in [${EVALUATION_MD_FILE}](${EVALUATION_MD_FILE})`,
  ];
}

/**
 * The positive class training picks without `--positive`: the minority of
 * the training rows (the rows minus those held out), the second on a tie;
 * `undefined` when the counts are not recorded.
 */
function defaultPositive(file: ModelFile): ModelFile["positive"] {
  const balance = file.training.classBalance;
  const held = file.heldOut;
  if (!balance || !held || file.classes.length !== 2) return undefined;
  const trainRows = file.classes.map((c, k) =>
    (balance[String(c)] ?? 0) - (file.training.testRows > 0 ? held.perClass[k]?.support ?? 0 : 0)
  );
  return file.classes[trainRows[0]! < trainRows[1]! ? 0 : 1];
}

function retrainCommand(file: ModelFile): string {
  const t = file.training;
  const s = t.solver;
  const flags: Array<[string, string | number]> = [
    ["data", t.data],
    ["target", file.target],
    ["seed", t.seed],
    ["test-size", t.testSize],
  ];
  for (const name of ["features", "exclude", "na"] as const) {
    for (const value of t[name] ?? []) flags.push([name, value]);
  }
  if (t.delimiter) flags.push(["delimiter", t.delimiter === "\t" ? "tab" : t.delimiter]);
  if (s.solver === "gd") {
    flags.push(["solver", "gd"], ["iterations", s.iterations!], ["learning-rate", s.learningRate!]);
  } else if (s.solver === "lbfgs") {
    // the C that was used (chosen or given) gives the same weights without the search
    flags.push(["solver", "lbfgs"], ["C", s.C!], ["max-iter", s.maxIter!], ["tol", s.tol!]);
  }
  if (s.classWeight) flags.push(["class-weight", s.classWeight]);
  // the positive class, when the default rule would not pick it again
  if (file.positive !== undefined && file.positive !== defaultPositive(file)) {
    flags.push(["positive", String(file.positive)]);
  }
  // the threshold that was used (chosen or given), as C
  if (file.threshold !== undefined) flags.push(["threshold", file.threshold]);
  // a value that starts with "-" would read as a flag: train takes it only as --flag=value
  const args = flags.flatMap(([name, value]) =>
    String(value).startsWith("-") ? [`--${name}=${value}`] : [`--${name}`, String(value)]
  );
  return shellCommand(["deno", "task", "train", ...args]);
}

/**
 * The quality gate: thresholds a model's scores must meet to ship.
 * @module
 */
import { z } from "zod";
import { type LabelledReport, Scores } from "../model/scores.ts";

/** Minimum scores; the seed's defaults are 0.7 and 0.7. */
export const Thresholds = Scores;
/** Minimum scores; the seed's defaults are 0.7 and 0.7. */
export type Thresholds = z.infer<typeof Thresholds>;

/** The seed's thresholds. */
export const SEED_THRESHOLDS: Thresholds = { accuracy: 0.7, f1: 0.7 };

/** The gate's verdict and, when it fails, why. */
export interface Verdict {
  /** True when every threshold holds. */
  passed: boolean;
  /** One line per threshold missed. */
  failures: string[];
}

/** Holds `scores` to `thresholds`. */
export function checkGate(scores: Scores, thresholds: Thresholds): Verdict {
  const failures: string[] = [];
  for (const key of ["accuracy", "f1"] as const) {
    if (!(scores[key] >= thresholds[key])) {
      failures.push(`${key} ${scores[key].toFixed(4)} is below ${thresholds[key]}`);
    }
  }
  return { passed: failures.length === 0, failures };
}

/**
 * The no-regression rule: one line per metric on which `candidate` is worse
 * than `baseline` by more than `tolerance`.
 */
export function checkRegression(
  candidate: Scores,
  baseline: Scores,
  tolerance: number,
): string[] {
  const failures: string[] = [];
  for (const key of ["accuracy", "f1"] as const) {
    const drop = baseline[key] - candidate[key];
    if (!(drop <= tolerance + 1e-12)) {
      failures.push(
        `${key} ${candidate[key].toFixed(4)} regressed from ${
          baseline[key].toFixed(4)
        } (latest) by more than ${tolerance}`,
      );
    }
  }
  return failures;
}

/**
 * A warning when the model does not beat always predicting the most frequent
 * class on balanced accuracy (the baseline's is 1/k over the k classes in
 * truth) or macro F1; `undefined` when it beats it on both. Accuracy is not
 * judged: on imbalanced data the baseline's is high by construction, and a
 * model weighted for balance trades it for the rare classes. It is named as
 * information.
 */
export function belowMajority(report: LabelledReport): string | undefined {
  const m = report.majority;
  if (!m) return undefined;
  const chance = majorityBalancedAccuracy(report);
  const lost = [
    ...(report.balancedAccuracy === undefined || report.balancedAccuracy > chance + 1e-12 ? [] : [
      `balanced accuracy ${report.balancedAccuracy.toFixed(4)} against ${chance.toFixed(4)}`,
    ]),
    ...(report.f1 > m.f1 + 1e-12
      ? []
      : [`macro F1 ${report.f1.toFixed(4)} against ${m.f1.toFixed(4)}`]),
  ];
  if (lost.length === 0) return undefined;
  return `the model does not beat the majority-class baseline, always predicting ${
    JSON.stringify(m.label)
  }: ${lost.join(", ")} (accuracy ${report.accuracy.toFixed(4)}, the baseline's is ${
    m.accuracy.toFixed(4)
  })`;
}

/** The balanced accuracy of always predicting one class: 1/k over the k classes in truth. */
export function majorityBalancedAccuracy(report: Pick<LabelledReport, "perClass">): number {
  return 1 / Math.max(1, report.perClass.filter((c) => c.support > 0).length);
}

/**
 * What the server watches on `/predict` and V2 infer: the live drift window of the served
 * model and the prediction log, and the Prometheus metrics they export —
 * `mvd_feature_drift_psi{feature}`, `mvd_prediction_drift_psi` and
 * `mvd_drift_window_rows` (computed at scrape time), `mvd_prediction_log_errors_total`,
 * and `mvd_ready`, the readiness the alert rules watch.
 * @module
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "../core/log.ts";
import type { ServedModel } from "../http/holder.ts";
import type { Row } from "../model/features.ts";
import type { Model } from "../model/model.ts";
import { Journal, type JournalOptions } from "./journal.ts";
import { type BinPlan, binPlan } from "./profile.ts";
import { DriftWindow } from "./window.ts";

/** Settings of {@link createMonitor}. */
export interface MonitorOptions {
  /** The registry the metrics go on. */
  registry: Registry;
  /** Rows in the drift window; 0 turns drift off. */
  driftWindow: number;
  /** The prediction log, when on. */
  journal?: Omit<JournalOptions, "onLost" | "logger">;
  /** Where a failing prediction log says so. */
  logger?: Logger;
  /** Readiness for `mvd_ready`; the gauge is left out without it. */
  ready?: () => boolean;
}

/** The hooks `/predict` calls after predicting. */
export interface Monitor {
  /** True when answers need a request id (the prediction log is on). */
  readonly needsIds: boolean;
  /** One row predicted as class `k`, answered with `answer`. */
  one(served: ServedModel, row: Row, k: number, answer: string, id: string): void;
  /** A batch predicted as `classes`, row `i` answered with `answer(i)`. */
  batch(
    served: ServedModel,
    rows: readonly Row[],
    classes: Int32Array,
    answer: (i: number) => string,
    id: string,
  ): void;
  /** Called on every model swap: the drift window starts over for the new model. */
  swap(served: ServedModel): void;
  /** Writes out the prediction log; call on shutdown. */
  close(): Promise<void>;
}

/** The drift plan of a model, or null when it has no usable profile. */
export function driftPlan(model: Model): BinPlan | null {
  let plan = plans.get(model);
  if (plan === undefined) {
    const profile = model.file.drift;
    plan = profile && profile.predictions.length === model.classes.length
      ? binPlan(profile, model.file.features)
      : null;
    plans.set(model, plan);
  }
  return plan;
}
const plans = new WeakMap<Model, BinPlan | null>();

/** Builds the monitor and registers its metrics on `options.registry`. */
export function createMonitor(options: MonitorOptions): Monitor {
  const registers = [options.registry];
  let served: ServedModel | null = null;
  let window: DriftWindow | null = null;
  new Gauge({
    name: "mvd_drift_window_rows",
    help: "Rows in the drift window of the served model (0 while drift is off)",
    registers,
    collect() {
      this.set(window?.rows ?? 0);
    },
  });
  new Gauge({
    name: "mvd_feature_drift_psi",
    help: "Population stability index of each feature over the drift window, against training",
    labelNames: ["feature"] as const,
    registers,
    collect() {
      this.reset();
      if (!window?.rows) return;
      for (const { feature, psi } of window.featurePsi()) this.set({ feature }, psi);
    },
  });
  new Gauge({
    name: "mvd_prediction_drift_psi",
    help: "Population stability index of the predicted classes over the drift window",
    registers,
    collect() {
      this.reset();
      this.set(window?.rows ? window.predictionPsi() : 0);
    },
  });
  const lost = new Counter({
    name: "mvd_prediction_log_errors_total",
    help: "Prediction log lines that could not be written (write failures, full disk, backlog)",
    registers,
  });
  const ready = options.ready;
  if (ready) {
    new Gauge({
      name: "mvd_ready",
      help: "1 while the server is ready to answer (a model loaded, not draining), else 0",
      registers,
      collect() {
        this.set(ready() ? 1 : 0);
      },
    });
  }
  const journal = options.journal
    ? new Journal({ ...options.journal, logger: options.logger, onLost: (n) => lost.inc(n) })
    : null;
  const size = options.driftWindow;
  return {
    needsIds: journal !== null,
    one(s, row, k, answer, id) {
      // a request that began before a swap must not count in the new model's window
      if (s === served) window?.observe(row, k);
      if (journal?.take()) journal.one(s, id, row, answer);
    },
    batch(s, rows, classes, answer, id) {
      if (s === served && window) {
        for (let i = 0; i < rows.length; i++) window.observe(rows[i]!, classes[i]!);
      }
      if (journal?.take()) journal.add(s, id, rows, answer);
    },
    swap(s) {
      served = s;
      const plan = size > 0 ? driftPlan(s.model) : null;
      window = plan ? new DriftWindow(plan, size) : null;
    },
    close: () => journal?.close() ?? Promise.resolve(),
  };
}

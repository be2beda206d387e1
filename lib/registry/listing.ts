/**
 * What `deno task runs` prints for people: the table of runs and the
 * side-by-side comparison of two, as aligned plain-text columns.
 * @module
 */
import type { Comparison, Delta, MetricName, PromotionSummary, SettingName } from "./comparison.ts";
import { METRICS, SETTINGS } from "./comparison.ts";
import type { RunSummary } from "./history.ts";

/** What the runs were filtered by, for the empty table's hint. */
export interface TableOptions {
  /** The `--name` the runs were filtered by. */
  name?: string;
}

/** The table of `runs`, in their order, `*` marking latest; a hint when there are none. */
export function runsTable(runs: readonly RunSummary[], options: TableOptions = {}): string {
  // the mark column keeps its width whether or not latest is listed
  const head = [
    " ",
    "id",
    "name",
    "created (UTC)",
    "data",
    "rows",
    "target",
    "accuracy",
    "f1",
    "gate",
  ];
  const right = new Set([5, 7, 8]);
  const rows = runs.map((run): string[] => {
    const lead = [run.latest ? "*" : "", run.id, run.name ?? "-"];
    // a run that cannot be read gets its reason in place of the facts it lacks
    if (run.problem !== null) return [...lead, `! ${run.problem}`];
    return [
      ...lead,
      run.created === null ? "-" : utc(run.created),
      run.data ?? "-",
      run.rows === null ? "-" : String(run.rows),
      run.target ?? "-",
      score(run.accuracy),
      score(run.f1),
      verdict(run.passed),
    ];
  });
  const lines = columns([head, ...rows], { right });
  if (runs.length === 0) {
    lines.push(
      options.name === undefined
        ? "no runs yet: deno task train"
        : `no runs named "${options.name}" (list every run: deno task runs)`,
    );
  } else if (runs.some((r) => r.latest)) {
    lines.push("", "* latest: what serve and infer use (models/latest)");
  }
  return lines.join("\n");
}

const SETTING_LABELS: Record<SettingName, string> = {
  data: "data",
  rows: "rows",
  dataSha256: "data SHA-256",
  target: "target",
  solver: "solver",
  C: "C",
  seed: "seed",
  testSize: "test size",
};

const METRIC_LABELS: Record<MetricName, string> = {
  accuracy: "accuracy",
  f1: "macro F1",
  logLoss: "log loss",
  rocAuc: "ROC AUC",
};

/** Two runs side by side: settings, metrics and per-class F1 with B − A, schema, promotions. */
export function comparisonText(c: Comparison): string {
  const runs = columns(
    (["a", "b"] as const).map((k) => [
      k.toUpperCase(),
      c[k].id,
      `trained ${utc(c[k].created)} UTC`,
      c[k].latest ? "(latest)" : "",
    ]),
  );
  const settings = columns([
    ["setting", "A", "B", ""],
    ...SETTINGS.map((name) => {
      const { a, b } = c.settings[name];
      const show = name === "dataSha256" ? sha : plain;
      return [SETTING_LABELS[name], show(a), show(b), a === b ? "" : "differs"];
    }),
  ]);
  const right = new Set([1, 2, 3]);
  const metrics = columns([
    ["metric", "A", "B", "B − A"],
    ...METRICS.map((name) => deltaRow(METRIC_LABELS[name], c.metrics[name])),
  ], { right });
  const perClass = c.perClass.length === 0
    ? ["F1 by class: not recorded (models trained before per-class reports)"]
    : columns(
      [["F1 by class", "A", "B", "B − A"], ...c.perClass.map((d) => deltaRow(d.label, d))],
      {
        right,
      },
    );
  const schema = c.schemaChanges.length === 0
    ? ["schema: same (target, classes and features)"]
    : ["schema, from A to B:", ...c.schemaChanges.map((s) => `  ${s}`)];
  const promotions = [
    "promoted by:",
    ...(["a", "b"] as const).flatMap((k) => promotionLines(k.toUpperCase(), c[k].promotion)),
  ];
  return [runs, settings, metrics, perClass, schema, promotions].map((b) => b.join("\n"))
    .join("\n\n");
}

function deltaRow(label: string, d: Delta): string[] {
  const signed = d.delta === null
    ? "-"
    : `${d.delta >= 0 ? "+" : "-"}${Math.abs(d.delta).toFixed(4)}`;
  return [label, score(d.a), score(d.b), signed];
}

/** Lines on the evaluation that promoted run `run`: when and how it scored, on what. */
function promotionLines(run: string, p: PromotionSummary | null): string[] {
  if (p === null) return [`  ${run}: never promoted`];
  const rows = p.data.kind === "held-out"
    ? `the ${p.data.rows} rows of ${p.data.path} held out at training`
    : `${p.data.path}, ${p.data.rows} rows`;
  const digest = p.data.sha256 ? ` (SHA-256 ${sha(p.data.sha256)})` : "";
  return [
    `  ${run}: ${utc(p.evaluatedAt)} UTC, accuracy ${score(p.accuracy)}, macro F1 ${
      score(p.f1)
    } (thresholds ${p.thresholds.accuracy} / ${p.thresholds.f1})`,
    `     on ${rows}${digest}`,
    `     record: ${p.record}`,
  ];
}

/** `2026-01-01 00:01:00` from an ISO time; the text itself when it is not one. */
function utc(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toISOString().slice(0, 19).replace("T", " ");
}

function score(x: number | null): string {
  return x === null ? "-" : x.toFixed(4);
}

function verdict(passed: boolean | null): string {
  return passed === null ? "not evaluated" : passed ? "passed" : "failed";
}

function plain(value: string | number | null): string {
  return value === null ? "-" : String(value);
}

/** The first 12 hex digits of a SHA-256, enough to tell two files apart by eye. */
function sha(value: string | number | null): string {
  return typeof value === "string" && value.length > 12 ? `${value.slice(0, 12)}…` : plain(value);
}

/**
 * Rows as lines of aligned columns, two spaces apart; columns in `right`
 * align right. A row shorter than the widest lets its last cell run on.
 */
function columns(rows: string[][], options: { right?: Set<number> } = {}): string[] {
  const full = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      // the last cell of a short row runs on and sets no width
      if (row.length < full && i === row.length - 1) return;
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row.map((cell, i) => {
      const width = i === row.length - 1 && row.length < full ? 0 : widths[i] ?? 0;
      return options.right?.has(i) ? cell.padStart(width) : cell.padEnd(width);
    }).join("  ").trimEnd()
  );
}

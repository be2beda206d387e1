/**
 * Training benchmark: `deno task train` against scikit-learn's seed-style
 * `train.py` (bench/sklearn_train.py), side by side in one run, plus the
 * accuracy table on the real datasets. Prints markdown for docs/benchmarks.md.
 *
 * Run it under the shared lock: `deno task bench:train` (see deno.json).
 * Flags: `--repeat N` runs per side and case (median wall time, 3 by
 * default), `--max-rows N` skips synthetic files above N rows.
 * @module
 */
import { parseArgs } from "node:util";

const PYTHON = "/usr/bin/python3";
const TIME = "/usr/bin/time";
const DATASETS = "/work/shared/datasets";
const OUT = "bench/out";
const MODELS = "models/bench";
const SIZES = [10_000, 100_000, 1_000_000];

export interface Run {
  /** Wall seconds. */
  wall: number;
  /** Peak resident set, MB. */
  rssMb: number;
  /** User + system CPU seconds, steadier than wall time on a shared machine. */
  cpu: number;
  stdout: string;
  /** Standard error, less GNU time's line. */
  stderr: string;
}

/** Runs `cmd` under GNU time; returns wall time, peak RSS and stdout. */
export async function timed(cmd: string[]): Promise<Run> {
  const out = await new Deno.Command(TIME, {
    args: ["-f", "TIME %e %M %U %S", ...cmd],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  const stdout = new TextDecoder().decode(out.stdout);
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  if (!out.success || !m) throw new Error(`${cmd.join(" ")} failed:\n${stderr}`);
  return {
    wall: Number(m[1]),
    rssMb: Number(m[2]) / 1024,
    cpu: Number(m[3]) + Number(m[4]),
    stdout,
    stderr: stderr.slice(0, m.index),
  };
}

async function run(cmd: string[]): Promise<string> {
  const out = await new Deno.Command(cmd[0]!, { args: cmd.slice(1), stderr: "inherit" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success && !text.trim().startsWith("{")) throw new Error(`${cmd.join(" ")} failed`);
  return text;
}

/** Our training command; `out` is cleared first, since train writes a run only to a new or empty DIR. */
async function ours(data: string, out: string, extra: string[] = []): Promise<string[]> {
  await Deno.remove(out, { recursive: true }).catch(() => {});
  return ["deno", "task", "-q", "train", "--data", data, "--out", out, "--quiet", ...extra];
}

async function evaluate(model: string, data: string): Promise<{ accuracy: number; f1: number }> {
  const text = await run([
    "deno",
    "task",
    "-q",
    "evaluate",
    "--model",
    model,
    "--data",
    data,
    "--json",
  ]);
  return JSON.parse(text);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f3 = (x: number) => x.toFixed(3);
// no "-0.0000" for a difference of -1e-17
const f4 = (x: number) => (Math.abs(x) < 5e-5 ? 0 : x).toFixed(4);

interface Score {
  accuracy: number;
  f1: number;
}

/** What bench/sklearn_accuracy.py prints per dataset. */
interface SklearnScores {
  split: { seed: Score; scaled: Score };
  cv: { seed: number; scaled: number };
  folds: [string, string][];
}

export async function accuracyTables(): Promise<string[]> {
  await Deno.mkdir(`${OUT}/folds`, { recursive: true });
  await Deno.mkdir(`${OUT}/extra`, { recursive: true });
  // the shared datasets, then more of the same kind bundled with scikit-learn
  await run([PYTHON, "bench/make_extra.py", `${OUT}/extra`]);
  const sets: [string, string][] = [
    [DATASETS, "iris"],
    [DATASETS, "breast_cancer"],
    [`${OUT}/extra`, "wine"],
    [`${OUT}/extra`, "digits"],
  ];
  const sk: Record<string, SklearnScores> = {};
  for (const [dir, name] of sets) {
    Object.assign(
      sk,
      JSON.parse(await run([PYTHON, "bench/sklearn_accuracy.py", dir, `${OUT}/folds`, name])),
    );
  }
  const lines = [
    "Same rows on both sides: trained on `NAME.train.csv` (ours with `--test-size 0`), scored on `NAME.test.csv`.",
    "",
    "| dataset | ours accuracy | ours macro F1 | sklearn seed (acc / F1) | sklearn scaled (acc / F1) | ours − better sklearn (acc, F1) |",
    "|---|---|---|---|---|---|",
  ];
  const cvLines = [
    "",
    "Stratified 5-fold cross-validation (shuffle, random_state=0), mean accuracy, the folds written by scikit-learn and used by both sides:",
    "",
    "| dataset | ours | sklearn seed | sklearn scaled | ours − better |",
    "|---|---|---|---|---|",
  ];
  for (const [dir, name] of sets) {
    const model = `${MODELS}/${name}`;
    await run(await ours(`${dir}/${name}.train.csv`, model, ["--test-size", "0"]));
    const mine = await evaluate(model, `${dir}/${name}.test.csv`);
    const { seed, scaled } = sk[name]!.split;
    const best = seed.accuracy >= scaled.accuracy ? seed : scaled;
    lines.push(
      `| ${name} | ${f4(mine.accuracy)} | ${f4(mine.f1)} | ${f4(seed.accuracy)} / ${
        f4(seed.f1)
      } | ${f4(scaled.accuracy)} / ${f4(scaled.f1)} | ${f4(mine.accuracy - best.accuracy)}, ${
        f4(mine.f1 - Math.max(seed.f1, scaled.f1))
      } |`,
    );
    const folds = sk[name]!.folds;
    let sum = 0;
    for (const [k, [train, test]] of folds.entries()) {
      await run(await ours(train, `${model}-fold${k}`, ["--test-size", "0"]));
      sum += (await evaluate(`${model}-fold${k}`, test)).accuracy;
    }
    const cv = sum / folds.length;
    const cvBest = Math.max(sk[name]!.cv.seed, sk[name]!.cv.scaled);
    cvLines.push(
      `| ${name} | ${f4(cv)} | ${f4(sk[name]!.cv.seed)} | ${f4(sk[name]!.cv.scaled)} | ${
        f4(cv - cvBest)
      } |`,
    );
  }
  return [...lines, ...cvLines];
}

async function speedTable(repeat: number, maxRows: number): Promise<string[]> {
  const cases: { name: string; path: string; rows: number }[] = [
    { name: "iris", path: `${DATASETS}/iris.csv`, rows: 150 },
    { name: "breast_cancer", path: `${DATASETS}/breast_cancer.csv`, rows: 569 },
    { name: "wine", path: `${OUT}/extra/wine.csv`, rows: 178 },
    { name: "digits", path: `${OUT}/extra/digits.csv`, rows: 1797 },
  ];
  for (const rows of SIZES.filter((n) => n <= maxRows)) {
    const path = `${OUT}/synthetic_${rows}.csv`;
    try {
      await Deno.stat(path);
    } catch {
      console.error(`generating ${path}`);
      await run([PYTHON, "bench/make_data.py", String(rows), path]);
    }
    cases.push({ name: `synthetic ${rows.toLocaleString("en")} × 20`, path, rows });
  }
  const lines = [
    `Whole program, wall and CPU (user + system) time the median of ${repeat} alternating runs, peak RSS the largest; accuracy on each program's own held-out 20 %.`,
    "",
    "| data | rows | ours wall (s) | sklearn wall (s) | sklearn ÷ ours | ours CPU (s) | sklearn CPU (s) | ours peak RSS (MB) | sklearn peak RSS (MB) | ours µs/row | ours acc | sklearn acc |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const c of cases) {
    const a: Run[] = [], b: Run[] = [];
    for (let r = 0; r < repeat; r++) {
      a.push(await timed(await ours(c.path, `${MODELS}/speed`)));
      b.push(await timed([PYTHON, "bench/sklearn_train.py", c.path, `${OUT}/sklearn-model`]));
    }
    const wa = median(a.map((r) => r.wall)), wb = median(b.map((r) => r.wall));
    const ra = Math.max(...a.map((r) => r.rssMb)), rb = Math.max(...b.map((r) => r.rssMb));
    const ca = median(a.map((r) => r.cpu)), cb = median(b.map((r) => r.cpu));
    const accA = JSON.parse(a[0]!.stdout).accuracy, accB = JSON.parse(b[0]!.stdout).accuracy;
    lines.push(
      `| ${c.name} | ${c.rows} | ${f3(wa)} | ${f3(wb)} | ${(wb / wa).toFixed(2)}× | ${f3(ca)} | ${
        f3(cb)
      } | ${ra.toFixed(0)} | ${rb.toFixed(0)} | ${(wa / c.rows * 1e6).toFixed(2)} | ${f4(accA)} | ${
        f4(accB)
      } |`,
    );
    console.error(lines.at(-1));
  }
  return lines;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { repeat: { type: "string", default: "3" }, "max-rows": { type: "string" } },
  });
  const repeat = Number(values.repeat);
  const maxRows = values["max-rows"] ? Number(values["max-rows"]) : Infinity;
  await Deno.mkdir(OUT, { recursive: true });
  await Deno.mkdir(MODELS, { recursive: true });
  const started = new Date().toISOString();
  const accuracy = await accuracyTables();
  const speed = await speedTable(repeat, maxRows);
  console.log(
    [
      `Measured ${started} on ${Deno.build.os}/${Deno.build.arch}, Deno ${Deno.version.deno}.`,
      "",
      "### Accuracy",
      "",
      ...accuracy,
      "",
      "### Speed and memory",
      "",
      ...speed,
    ].join("\n"),
  );
}

/**
 * Training at scale: `deno task train` against scikit-learn's seed-style flow
 * (bench/sklearn_train.py) on synthetic files of millions of rows, side by
 * side and alternating, so machine noise hits both; prints markdown tables
 * for docs/benchmarks.md, our per-stage breakdown (`train --timings`) and the
 * targets of issue 17.
 *
 * Run it under the shared lock: `deno task bench:train-scale` (see deno.json).
 * Flags: `--rows 1000000,5000000` the file sizes (generated into bench/out/
 * when missing, which takes minutes), `--repeat N` runs per side and size (3).
 * @module
 */
import { parseArgs } from "node:util";
import { type Run, timed } from "./train.ts";

const PYTHON = "/usr/bin/python3";
const OUT = "bench/out";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Sized {
  rows: number;
  ours: Run[];
  sklearn: Run[];
}

async function ensureData(rows: number): Promise<string> {
  const path = `${OUT}/synthetic_${rows}.csv`;
  try {
    await Deno.stat(path);
  } catch {
    console.error(`generating ${path}`);
    const out = await new Deno.Command(PYTHON, {
      args: ["bench/make_data.py", String(rows), path],
    }).output();
    if (!out.success) throw new Error(`Cannot generate ${path}`);
  }
  return path;
}

async function measure(rows: number, repeat: number): Promise<Sized> {
  const path = await ensureData(rows);
  const result: Sized = { rows, ours: [], sklearn: [] };
  for (let r = 0; r < repeat; r++) {
    const out = `${OUT}/scale-model`;
    await Deno.remove(out, { recursive: true }).catch(() => {});
    result.ours.push(
      await timed([
        "deno",
        "run",
        "--allow-read",
        `--allow-write=${OUT}`,
        "train.ts",
        "--data",
        path,
        "--out",
        out,
        "--quiet",
        "--timings",
      ]),
    );
    result.sklearn.push(
      await timed([PYTHON, "bench/sklearn_train.py", path, `${OUT}/sklearn-model`]),
    );
    console.error(
      `${rows} rows, run ${r + 1}: ours ${result.ours.at(-1)!.wall} s, sklearn ${
        result.sklearn.at(-1)!.wall
      } s`,
    );
  }
  return result;
}

function summary(runs: Run[]) {
  return {
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    rss: Math.max(...runs.map((r) => r.rssMb)),
    accuracy: JSON.parse(runs[0]!.stdout).accuracy as number,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rows: { type: "string", default: "1000000,5000000" },
      repeat: { type: "string", default: "3" },
    },
  });
  const sizes = values.rows.split(",").map(Number);
  const repeat = Number(values.repeat);
  await Deno.mkdir(OUT, { recursive: true });
  const started = new Date().toISOString();
  const results: Sized[] = [];
  for (const rows of sizes) results.push(await measure(rows, repeat));
  const lines = [
    `Measured ${started} on ${Deno.build.os}/${Deno.build.arch}, Deno ${Deno.version.deno}; wall and CPU the median of ${repeat} alternating runs, peak RSS the largest.`,
    "",
    "| rows | ours wall (s) | sklearn wall (s) | ours ÷ sklearn | ours CPU (s) | sklearn CPU (s) | ours peak RSS (MB) | sklearn peak RSS (MB) | ours bytes/row | ours acc | sklearn acc |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    const a = summary(r.ours), b = summary(r.sklearn);
    lines.push(
      `| ${r.rows.toLocaleString("en")} | ${a.wall.toFixed(2)} | ${b.wall.toFixed(2)} | ${
        (a.wall / b.wall).toFixed(2)
      } | ${a.cpu.toFixed(2)} | ${b.cpu.toFixed(2)} | ${a.rss.toFixed(0)} | ${b.rss.toFixed(0)} | ${
        (a.rss * 1024 * 1024 / r.rows).toFixed(0)
      } | ${a.accuracy.toFixed(4)} | ${b.accuracy.toFixed(4)} |`,
    );
  }
  const at = (n: number) => results.find((r) => r.rows === n);
  const [m1, m5] = [at(1_000_000), at(5_000_000)];
  if (m1 && m5) {
    const g = (s: Sized[], side: "ours" | "sklearn") =>
      summary(s[1]![side]).wall / summary(s[0]![side]).wall;
    const a5 = summary(m5.ours), b5 = summary(m5.sklearn);
    const growth = g([m1, m5], "ours");
    lines.push(
      "",
      "| target (5M × 20) | measured | met |",
      "|---|---|---|",
      `| wall ≤ 0.6 × scikit-learn's | ${(a5.wall / b5.wall).toFixed(2)} × | ${
        a5.wall / b5.wall <= 0.6 ? "yes" : "no"
      } |`,
      `| peak RSS ≤ 1 GB (1,024 MB) | ${a5.rss.toFixed(0)} MB | ${a5.rss <= 1024 ? "yes" : "no"} |`,
      `| 1M → 5M wall growth ≤ 5.5 × | ${growth.toFixed(2)} × (scikit-learn ${
        g([m1, m5], "sklearn").toFixed(2)
      } ×) | ${growth <= 5.5 ? "yes" : "no"} |`,
      `| accuracy within 1 point of scikit-learn | ${(a5.accuracy - b5.accuracy).toFixed(4)} | ${
        Math.abs(a5.accuracy - b5.accuracy) <= 0.01 ? "yes" : "no"
      } |`,
    );
  }
  for (const r of results) {
    lines.push(
      "",
      `Stages at ${r.rows.toLocaleString("en")} rows (first run, \`train --timings\`):`,
      "",
      "```",
      r.ours[0]!.stderr.split("\n").filter((l) => !l.startsWith("wrote run")).join("\n").trim(),
      "```",
    );
  }
  console.log(lines.join("\n"));
}

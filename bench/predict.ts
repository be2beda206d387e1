/**
 * Batch scoring benchmark: `predict.ts` against scikit-learn's
 * `pandas.read_csv` → `predict_proba` → `to_csv` (bench/sklearn_predict.py)
 * on the same file and the same model (its coefficients loaded into a
 * StandardScaler + LogisticRegression pipeline), side by side and
 * alternating, so machine noise hits both. Then ours alone on a file five
 * times larger, to show peak RSS does not grow with the file. Prints markdown
 * for docs/benchmarks.md.
 *
 * Run it under the shared lock: `deno task bench:predict` (see deno.json).
 * Flags: `--rows N` the file (1,000,000; generated into bench/out/ when
 * missing, which takes a minute), `--repeat N` runs per side (3).
 * @module
 */
import { parseArgs } from "node:util";
import { type Run, timed } from "./train.ts";

const PYTHON = "/usr/bin/python3";
const OUT = "bench/out";
const MODEL = "models/bench/predict-model";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, digits = 2) => n.toFixed(digits);

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function run(cmd: string[]): Promise<void> {
  const out = await new Deno.Command(cmd[0]!, { args: cmd.slice(1) }).output();
  if (!out.success) {
    throw new Error(`${cmd.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** The synthetic file of `rows` rows, made by bench/make_data.py when missing. */
async function ensureData(rows: number): Promise<string> {
  const path = `${OUT}/synthetic_${rows}.csv`;
  if (!await exists(path)) {
    console.error(`generating ${path}`);
    await run([PYTHON, "bench/make_data.py", String(rows), path]);
  }
  return path;
}

/** The model: trained by train.ts on the first 100,000 rows (20 numeric features, two classes). */
async function ensureModel(data: string): Promise<string> {
  if (await exists(`${MODEL}/model.json`)) return MODEL;
  const head = `${OUT}/predict-train.csv`;
  const text = await Deno.readTextFile(data).then((t) => t.split("\n").slice(0, 100_001));
  await Deno.writeTextFile(head, text.join("\n") + "\n");
  await run([
    "deno",
    "run",
    "--allow-read",
    "--allow-write=models/bench",
    "train.ts",
    "--data",
    head,
    "--out",
    MODEL,
    "--quiet",
  ]);
  return MODEL;
}

/** `data` five times over, one header: a larger file, for peak RSS. */
async function fiveTimes(data: string): Promise<string> {
  const path = data.replace(/\.csv$/, "x5.csv");
  if (await exists(path)) return path;
  const text = await Deno.readTextFile(data);
  const body = text.slice(text.indexOf("\n") + 1);
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  await file.write(encoder.encode(text));
  for (let i = 1; i < 5; i++) {
    const bytes = encoder.encode(body);
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
  }
  file.close();
  return path;
}

const ours = (data: string, out: string) =>
  timed([
    "deno",
    "run",
    "--allow-read",
    `--allow-write=${OUT}`,
    "predict.ts",
    "--data",
    data,
    "--model",
    MODEL,
    "--out",
    out,
  ]);

/** Lines of `path` after the header, and the first column of each (the prediction). */
async function predictions(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  return text.trimEnd().split("\n").slice(1).map((l) => l.slice(0, l.indexOf(",")));
}

const FLAGS = {
  rows: { type: "string", default: "1000000" },
  repeat: { type: "string", default: "3" },
} as const;

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: FLAGS });
  const rows = Number(values.rows), repeat = Number(values.repeat);
  const data = await ensureData(rows);
  await ensureModel(data);
  const mine: Run[] = [], theirs: Run[] = [];
  const sections: number[] = [];
  for (let r = 0; r < repeat; r++) {
    mine.push(await ours(data, `${OUT}/predict-ours.csv`));
    const sk = await timed([
      PYTHON,
      "bench/sklearn_predict.py",
      `${MODEL}/model.json`,
      data,
      `${OUT}/predict-sklearn.csv`,
    ]);
    theirs.push(sk);
    sections.push(JSON.parse(sk.stdout).seconds);
    console.error(
      `run ${r + 1}: ours ${mine.at(-1)!.wall} s, scikit-learn ${sk.wall} s (timed section ${
        fmt(sections.at(-1)!)
      } s)`,
    );
  }
  const a = await predictions(`${OUT}/predict-ours.csv`);
  const b = await predictions(`${OUT}/predict-sklearn.csv`);
  const differ = a.filter((p, i) => p !== b[i]).length;
  if (a.length !== rows || b.length !== rows) {
    throw new Error(`row counts: ours ${a.length}, scikit-learn ${b.length}`);
  }
  const big = await fiveTimes(data);
  const large = await ours(big, `${OUT}/predict-ours-x5.csv`);
  await Deno.remove(`${OUT}/predict-ours-x5.csv`);

  const w = {
    ours: median(mine.map((r) => r.wall)),
    sk: median(theirs.map((r) => r.wall)),
    section: median(sections),
  };
  const rss = {
    ours: Math.max(...mine.map((r) => r.rssMb)),
    sk: Math.max(...theirs.map((r) => r.rssMb)),
  };
  console.log(
    `Batch scoring, ${
      rows.toLocaleString("en-US")
    } rows × 20 features, two classes (median of ${repeat} alternating runs each; wall s, peak RSS MB):\n`,
  );
  console.log("| side | what is timed | wall s | CPU s | peak RSS MB |");
  console.log("|---|---|---|---|---|");
  console.log(
    `| ours: \`predict.ts --out\` | the whole process (start, model load, read, validate, predict, write) | ${
      fmt(w.ours)
    } | ${fmt(median(mine.map((r) => r.cpu)))} | ${fmt(rss.ours, 0)} |`,
  );
  console.log(
    `| scikit-learn | \`read_csv\` → \`predict_proba\` → \`to_csv\` only | ${fmt(w.section)} | | |`,
  );
  console.log(
    `| scikit-learn | the whole process (imports, model, the above) | ${fmt(w.sk)} | ${
      fmt(median(theirs.map((r) => r.cpu)))
    } | ${fmt(rss.sk, 0)} |`,
  );
  console.log("");
  console.log(
    `- ours ÷ scikit-learn's timed section: **${
      fmt(w.ours / w.section)
    }×** (target ≤ 0.5×); ÷ its whole process: ${fmt(w.ours / w.sk)}×`,
  );
  // each pair ran back to back, so its ratio shares the machine's load of the moment
  const pairs = mine.map((r, i) => r.wall / sections[i]!);
  console.log(
    `- the same ratio pair by pair: ${pairs.map((x) => fmt(x)).join(", ")} (median ${
      fmt(median(pairs))
    }, worst ${fmt(Math.max(...pairs))})`,
  );
  console.log(
    `- predictions that differ between the two outputs: ${differ} of ${
      rows.toLocaleString("en-US")
    }`,
  );
  console.log(
    `- ours on ${(5 * rows).toLocaleString("en-US")} rows (the file five times over): ${
      fmt(large.wall)
    } s, peak RSS ${fmt(large.rssMb, 0)} MB (target ≤ 200 MB whatever the size)`,
  );
}

// `deno task train` as users run it: bad CSVs fail cleanly, good ones train quietly.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../lib/_testing/assert.ts";
import { makeProject, runMain } from "./_project.ts";
import { main } from "../train.ts";

const BAD_CSVS: Array<[string, string, string]> = [
  ["empty.csv", "", 'Cannot read CSV "empty.csv": file is empty'],
  ["header.csv", "a,b,label\n", 'Cannot use "header.csv": it has a header but no data rows'],
  [
    "ragged.csv",
    "a,label\n1,x\n2,y,3\n",
    'Cannot read CSV "ragged.csv": line 3 has 3 fields, expected 2',
  ],
  [
    "ragged_quoted.csv",
    'a,label\n"1",x\n2,y\n3\n',
    'Cannot read CSV "ragged_quoted.csv": line 4 has 1 fields, expected 2',
  ],
  [
    "single.csv",
    "a,label\n1,x\n2,x\n3,x\n",
    'Cannot train on "single.csv": target "label" has a single class (x), at least two are needed',
  ],
  [
    "small.csv",
    "a,label\n1,x\n2,x\n3,x\n4,y\n",
    'Cannot split the data: class "y" has 1 row, at least 2 are needed to stratify',
  ],
  [
    "infinite.csv",
    "a,label\n1,x\n-inf,y\n",
    'Cannot use "infinite.csv": line 3: column "a" holds the non-finite number "-inf"',
  ],
  [
    "overflow.csv",
    "a,label\n1,x\n2,y\n1e999,x\n",
    'Cannot use "overflow.csv": line 4: column "a" holds the non-finite number "1e999"',
  ],
  [
    "notarget.csv",
    "a,b\n1,2\n",
    'Cannot use "notarget.csv": target column "label" is not in the header ("a", "b")',
  ],
  [
    "continuous.csv",
    "kind,price\n" + Array.from({ length: 30 }, (_, i) => `${"ab"[i % 2]},${i / 4}`).join("\n"),
    'Cannot train on "continuous.csv": the default target, the last column "price", looks continuous (30 distinct numbers in 30 rows), and this trains classifiers; pick a class column with --target (the last that look like classes: "kind")',
  ],
  [
    "thousands.csv",
    'amount,label\n"1,234.5",a\n"2,000",b\n17,a\n',
    'Cannot read column "amount": its numbers are written with thousands separators ("1,234.5"); write plain numbers such as 1234.56, or leave it out with --exclude',
  ],
  [
    "percent.csv",
    "rate,label\n12.5%,a\n3%,b\n40 %,a\n",
    'Cannot read column "rate": its numbers are written as percentages ("12.5%"); strip the % (write 12.5 for 12.5%), or leave it out with --exclude',
  ],
];

Deno.test("train refuses each kind of bad CSV with one line, exit 2 and no model", async () => {
  await using project = await makeProject();
  // a short directory: messages cut a path at 40 characters
  const dir = await Deno.makeTempDir();
  for (const [name, text, message] of BAD_CSVS) {
    const path = `${dir}/${name}`;
    await Deno.writeTextFile(path, text);
    const target = name === "notarget.csv" ? ["--target", "label"] : [];
    const out = await runMain(main, [
      "--data",
      path,
      "--out",
      `${project.dir}/models/fresh`,
      ...target,
    ]);
    assertEquals(out.code, 2, `${name}: ${out.stderr}`);
    assertEquals(out.stderr, `error: ${message.replace(`"${name}"`, `"${path}"`)}\n`, name);
    assertEquals(out.stdout, "", name);
  }
  // and as a process: the same one line, exit 2
  const missing = await project.deno(["task", "-q", "train", "--data", "nope.csv"]);
  assertEquals(missing.code, 2);
  assertEquals(missing.stderr, 'error: Cannot read CSV "nope.csv": file not found\n');
  const entries = [...Deno.readDirSync(`${project.dir}/models`)].map((e) => e.name);
  assertEquals(entries, []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("train rejects bad solver flags with the flag's name", async () => {
  const cases: Array<[string[], string]> = [
    [["--solver", "sgd"], "Invalid --solver"],
    [["--C", "0"], "Invalid --C"],
    [["--C", "lots"], "Invalid --C"],
    [["--max-iter", "1.5"], "Invalid --max-iter"],
    [["--tol=-1"], "Invalid --tol"],
    [["--test-size", "1"], "Invalid --test-size"],
  ];
  for (const [args, message] of cases) {
    const out = await runMain(main, args);
    assertEquals(out.code, 2, args.join(" "));
    assertStringIncludes(out.stderr, message);
    assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
  }
});

Deno.test("train with --test-size 0 trains on every row and says its scores are training scores", async () => {
  await using project = await makeProject();
  const out = await project.deno([
    "task",
    "-q",
    "train",
    "--data",
    "data/iris.csv",
    "--test-size",
    "0",
    "--C",
    "1",
    "--max-iter",
    "300",
    "--tol",
    "0.00001",
    "--out",
    "models/t",
  ]);
  assertEquals(out.code, 0, out.stderr);
  // piped stderr: no progress lines, only where the run went
  assertEquals(out.stderr, "wrote run models/t\n");
  const model = JSON.parse(await Deno.readTextFile(`${project.dir}/models/t/model.json`));
  assertEquals(model.training.trainRows, 150);
  assertEquals(model.training.testRows, 0);
  assertEquals(model.training.scoredOn, "training rows");
  assertEquals(model.training.solver.solver, "lbfgs");
  assertEquals(model.training.solver.C, 1);
  assertEquals(model.training.solver.maxIter, 300);
  assertEquals(model.training.solver.tol, 0.00001);
  assert(JSON.parse(out.stdout).accuracy >= 0.95, out.stdout);
  const card = await Deno.readTextFile(`${project.dir}/models/t/model_card.md`);
  assertStringIncludes(card, "### Training rows (no rows held out)");
  assertStringIncludes(card, "Scored on the rows it was trained on");
  assertStringIncludes(card, "- Solver: solver=lbfgs, C=1, cSelection=given, maxIter=300");
});

Deno.test("train --solver gd still runs the library's own gradient descent", async () => {
  await using project = await makeProject();
  // what it writes is the point, not the process (seen above): main in this process
  const out = await runMain(main, [
    "--data",
    `${project.dir}/data/toy.csv`,
    "--solver",
    "gd",
    "--iterations",
    "50",
    "--learning-rate",
    "0.01",
    "--out",
    `${project.dir}/models/t`,
  ]);
  assertEquals(out.code, 0, out.stderr);
  const model = JSON.parse(await Deno.readTextFile(`${project.dir}/models/t/model.json`));
  assertEquals(model.training.solver, { solver: "gd", iterations: 50, learningRate: 0.01 });
  assertEquals(model.probability, "one-vs-rest");
  assertEquals(model.estimator.numSteps, 50);
});

Deno.test("train one-hot encodes string columns and imputes empty cells, and infer accepts both", async () => {
  await using project = await makeProject();
  const lines = ["size,color,weight,label"];
  for (let i = 0; i < 60; i++) {
    const color = ["red", "green", "blue"][i % 3];
    const weight = i % 7 === 0 ? "" : String((i % 10) + (i < 30 ? 0 : 5));
    lines.push(
      `${i < 30 ? 1 + (i % 4) : 6 + (i % 4)},${color},${weight},${i < 30 ? "small" : "big"}`,
    );
  }
  await Deno.writeTextFile(`${project.dir}/mixed.csv`, lines.join("\n") + "\n");
  // train.ts's main in this process; infer.ts reads what it wrote as a process
  const out = await runMain(main, [
    "--data",
    `${project.dir}/mixed.csv`,
    "--out",
    `${project.dir}/models/t`,
  ]);
  assertEquals(out.code, 0, out.stderr);
  const model = JSON.parse(await Deno.readTextFile(`${project.dir}/models/t/model.json`));
  const [size, color, weight] = model.features;
  assertEquals(size.type, "numeric");
  const { frequencies, ...described } = color;
  assertEquals(described, {
    name: "color",
    type: "categorical",
    categories: ["blue", "green", "red"],
    missing: 0,
  });
  // shares of the training rows, blue the most frequent
  assertEquals(Math.round(frequencies.reduce((a: number, b: number) => a + b) * 1e9), 1e9);
  assertEquals(frequencies.indexOf(Math.max(...frequencies)), 0);
  assertEquals(weight.type, "numeric");
  assert(weight.missing > 0, JSON.stringify(weight));
  const card = await Deno.readTextFile(`${project.dir}/models/t/model_card.md`);
  assertStringIncludes(card, '| color | categorical | "blue", "green", "red" | | | 0 |');
  assertMatch(card, /\| weight \| numeric \| 0 – 14 \| [\d.]+ \| [\d.]+ \| [1-9]\d* \|/);
  assertStringIncludes(card, "imputed with the training mean");
  // an unseen category and a missing (imputed) weight are both accepted
  const predicted = await project.deno(
    ["run", "--allow-read=models", "infer.ts", "--model", "models/t"],
    '[{"size":8,"color":"purple"},{"size":2,"color":"red","weight":null}]',
  );
  assertEquals(predicted.code, 0, predicted.stderr);
  assertEquals(predicted.stdout, '["big","small"]\n');
});

/** A ';' table with an identifier, a date, decimal commas, "NA" and "." markers. */
function realWorldCsv(): string {
  const lines = ["id;day;sex;mass;label"];
  for (let i = 0; i < 120; i++) {
    const sex = i % 7 === 0 ? "." : i % 2 ? "MALE" : "FEMALE";
    const mass = i % 11 === 0 ? "NA" : `${(i % 40) / 4},5`.replace(".", "");
    lines.push(
      `u${i};2024-01-${String(1 + (i % 28)).padStart(2, "0")};${sex};${mass};${
        i % 40 < 18 ? "a" : "b"
      }`,
    );
  }
  return lines.join("\n") + "\n";
}

Deno.test("train reads a real-world ';' table: roles on stderr, choices refused with exit 2, infer warns of unseen categories", async () => {
  await using project = await makeProject();
  await Deno.writeTextFile(`${project.dir}/real.csv`, realWorldCsv());
  const train = (...args: string[]) =>
    project.deno(["task", "-q", "train", "--data", "real.csv", "--quiet", ...args]);
  const bad = await train("--features", "Sex,mass");
  assertEquals(bad.code, 2);
  assertEquals(
    bad.stderr,
    'error: Cannot use "real.csv": --features names "Sex", which is not in the header (closest: "sex")\n',
  );
  // the second bad choice through main in this process
  const cut = await runMain(main, [
    "--data",
    `${project.dir}/real.csv`,
    "--quiet",
    "--threshold",
    "1",
  ]);
  assertEquals(cut.code, 2);
  assertStringIncludes(cut.stderr, "Invalid --threshold");
  const out = await train("--na", ".", "--class-weight", "balanced", "--threshold", "auto");
  assertEquals(out.code, 0, out.stderr);
  assertStringIncludes(out.stderr, 'column "mass" read as numbers written with decimal commas');
  assertStringIncludes(out.stderr, 'column "id" left out: identifier-like');
  assertStringIncludes(out.stderr, 'column "day" left out: its values are dates');
  const gate = await project.deno(["task", "-q", "evaluate"]);
  assertStringIncludes(gate.stdout, "baseline: always predicting");
  const run = [...Deno.readDirSync(`${project.dir}/models/runs`)][0]!.name;
  const model = JSON.parse(await Deno.readTextFile(`${project.dir}/models/runs/${run}/model.json`));
  assertEquals(model.features.map((f: { name: string }) => f.name), ["sex", "mass"]);
  assertEquals(model.features[0].categories, ["FEMALE", "MALE"]);
  assert(model.threshold > 0 && model.threshold < 1);
  assertMatch(model.thresholdSelection, /^auto: best macro F1/);
  const infer = await project.deno(
    ["run", "--allow-read", "infer.ts", "--model", run],
    '{"sex":"male","mass":5}',
  );
  assertEquals(infer.code, 0, infer.stderr);
  assertStringIncludes(infer.stderr, 'warning: "male" was not seen in training for "sex"');
  assertStringIncludes(infer.stderr, 'did you mean "MALE"?');
});

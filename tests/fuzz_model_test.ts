// Tampered model files are refused at load — by parseModel, loadModel and
// infer.ts --model — with one clear line, and never half-loaded.
import fc from "fast-check";
import { TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../lib/_testing/assert.ts";
import { InputError } from "../lib/core/errors.ts";
import { loadModel } from "../lib/registry/artifacts.ts";
import { MODEL_FILE } from "../lib/registry/layout.ts";
import { modelToJson, parseModel } from "../lib/model/model.ts";
import { makeProject } from "./_project.ts";
import { anyJson, fuzzParams } from "./_fuzz.ts";

/** A well-formed numeric feature, to add where the weights do not expect one. */
function numericFeature(name: string) {
  return { name, type: "numeric", mean: 0, scale: 1, min: 0, max: 1, missing: 0 };
}

const { file } = await trainOn(TOY_CSV);
const GOOD: Record<string, unknown> = JSON.parse(modelToJson(file));
const WIDTH = (file.estimator.classifiers[0]!.weights[0]!).length;

type Json = Record<string, unknown>;
function tampered(change: (doc: Json) => void): Json {
  const doc = structuredClone(GOOD);
  change(doc);
  return doc;
}
function weights(doc: Json, k = 0): unknown[] {
  // deno-lint-ignore no-explicit-any
  return (doc as any).estimator.classifiers[k].weights[0];
}
function setWeights(doc: Json, value: unknown, k = 0): void {
  // deno-lint-ignore no-explicit-any
  (doc as any).estimator.classifiers[k].weights[0] = value;
}

/** Each tampering and the detail its one-line refusal must give. */
const TAMPERED: Array<[string, Json | unknown, string]> = [
  ["a wrong format version", tampered((d) => (d.formatVersion = 2)), "formatVersion"],
  ["the format version as a string", tampered((d) => (d.formatVersion = "1")), "formatVersion"],
  ["another format", tampered((d) => (d.format = "sklearn-pickle")), "format"],
  ["a missing estimator", tampered((d) => delete d.estimator), "estimator"],
  ["missing features", tampered((d) => delete d.features), "features"],
  ["missing classes", tampered((d) => delete d.classes), "classes"],
  [
    "a feature too many for the weights",
    tampered((d) => {
      (d.features as unknown[]).push(numericFeature("f3"));
    }),
    `expected ${WIDTH + 1} weights for the features, got ${WIDTH}`,
  ],
  ["a weight too few", tampered((d) => weights(d).pop()), `expected ${WIDTH} weights`],
  ["a null weight", tampered((d) => (weights(d)[1] = null)), "weights"],
  ["a weight as a string", tampered((d) => (weights(d)[0] = "0.5")), "weights"],
  ["NaN spelled as a string", tampered((d) => (weights(d)[0] = "NaN")), "weights"],
  ["weights that are not an array", tampered((d) => setWeights(d, "0,1,2")), "weights"],
  ["an empty weight row", tampered((d) => setWeights(d, [])), "weights"],
  [
    "no weight rows",
    tampered((d) => {
      // deno-lint-ignore no-explicit-any
      (d as any).estimator.classifiers[0].weights = [];
    }),
    "weights",
  ],
  [
    "a huge weight array",
    tampered((d) => setWeights(d, new Array(1_000_000).fill(0.5))),
    "got 1000000",
  ],
  [
    "a huge feature list",
    tampered((d) => {
      d.features = Array.from({ length: 100_000 }, (_, i) => numericFeature(`f${i}`));
    }),
    "expected 100001 weights",
  ],
  [
    "one classifier for two classes",
    tampered((d) => {
      // deno-lint-ignore no-explicit-any
      (d as any).estimator.classifiers.pop();
    }),
    "classifiers",
  ],
  [
    "a zero scale",
    tampered((d) => {
      // deno-lint-ignore no-explicit-any
      (d as any).features[0].scale = 0;
    }),
    "features.0.scale",
  ],
  ["features as an object", tampered((d) => (d.features = { f1: 1 })), "features"],
  ["an array instead of a model", [GOOD], "expected object"],
  ["null", null, "expected object"],
];

for (const [what, doc, detail] of TAMPERED) {
  Deno.test(`parseModel() refuses ${what} with one line`, () => {
    const err = assertThrows(() => parseModel(doc, "models/x"), InputError, detail);
    assertMatch(err.message, /^Cannot load model "models\/x": \S/);
    assert(!err.message.includes("\n"), err.message);
  });
}

/** Sets `value` at a random place in a copy of the good document, or deletes that key. */
const mutation = fc.tuple(fc.nat(), fc.nat(), fc.oneof(anyJson, fc.constant(undefined)));

function mutate(seedA: number, seedB: number, value: unknown): Json {
  const doc = structuredClone(GOOD);
  // walk down a random path of containers, then replace or delete one key
  let node: Record<string, unknown> | unknown[] = doc;
  let pick = seedA;
  for (let depth = 0; depth < 6; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[pick % keys.length]!;
    pick = Math.floor(pick / keys.length) + seedB;
    const child = (node as Record<string, unknown>)[key];
    if (child && typeof child === "object" && (seedB + depth) % 3 !== 0) {
      node = child as Record<string, unknown>;
      continue;
    }
    if (value === undefined && !Array.isArray(node)) delete node[key];
    else (node as Record<string, unknown>)[key] = value;
    break;
  }
  return doc;
}

Deno.test("parseModel() either refuses a randomly tampered model with one line or loads one that predicts", () => {
  let refused = 0;
  fc.assert(
    fc.property(mutation, ([a, b, value]) => {
      const doc = mutate(a, b, value);
      let model;
      try {
        model = parseModel(doc, "m");
      } catch (err) {
        assert(err instanceof InputError, `not an InputError: ${String(err)}`);
        assertMatch(err.message, /^Cannot load model "m": [^\n]+$/);
        refused++;
        return;
      }
      // whatever was accepted must still predict a known class, with probabilities
      const predicted = model.predictRows([{ f1: 1, f2: 0 }, { f1: 0, f2: 1 }]);
      for (const k of predicted.classes) assert(k >= 0 && k < model.classes.length);
      for (const p of predicted.probabilities) assert(p >= 0 && p <= 1, `probability ${p}`);
    }),
    fuzzParams(2000),
  );
  assert(refused > 0, "no mutation was refused: the generator is broken");
});

Deno.test("loadModel() refuses truncated, empty and binary model.json files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = modelToJson(file);
    const cases: Array<[string | Uint8Array, string]> = [
      ["", "model.json is not valid JSON"],
      [text.slice(0, text.length / 2), "model.json is not valid JSON"],
      [text.slice(0, -3), "model.json is not valid JSON"],
      [new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x80]), "model.json is not valid JSON"],
      ["[]", "expected object"],
      ['{"format":"mvd-model"}', "formatVersion"],
    ];
    for (const [content, detail] of cases) {
      if (typeof content === "string") await Deno.writeTextFile(`${dir}/${MODEL_FILE}`, content);
      else await Deno.writeFile(`${dir}/${MODEL_FILE}`, content);
      const err = await assertRejects(() => loadModel(dir), InputError, detail);
      assertEquals(err.message.split("\n").length, 1, err.message);
      assert(err.message.startsWith(`Cannot load model "${dir}": `), err.message);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("infer.ts --model refuses tampered models with one line and exit 2", async () => {
  await using project = await makeProject();
  const text = modelToJson(file);
  const cases: Array<[string, string]> = [
    [text.slice(0, 200), 'error: Cannot load model "models/bad": model.json is not valid JSON\n'],
    [
      JSON.stringify(tampered((d) => (d.formatVersion = 9))),
      'error: Cannot load model "models/bad": formatVersion: Invalid input: expected 1\n',
    ],
    [
      JSON.stringify(tampered((d) => weights(d).pop())),
      `error: Cannot load model "models/bad": estimator.classifiers.0.weights: expected ${WIDTH} weights for the features, got ${
        WIDTH - 1
      }\n`,
    ],
  ];
  await Deno.mkdir(`${project.dir}/models/bad`);
  for (const [content, stderr] of cases) {
    await Deno.writeTextFile(`${project.dir}/models/bad/${MODEL_FILE}`, content);
    const out = await project.deno(
      ["run", "--allow-read=models", "infer.ts", "--model", "models/bad"],
      '{"f1":1,"f2":0}',
    );
    assertEquals(out, { code: 2, stdout: "", stderr });
  }
});

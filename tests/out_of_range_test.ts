// Inputs and models whose class scores overflow, through the real programs:
// infer.ts refuses such rows as the server does (one shared check in
// lib/model/model.ts), and serve refuses to start on such a model.
import { assertEquals, assertStringIncludes } from "../lib/_testing/assert.ts";
import { makeProject, runDeno } from "./_project.ts";

Deno.test("infer.ts refuses a row whose scaled values are not finite, naming the features, exit 2", async () => {
  // issue 14: {"f1":1e308,"f2":1e308} was answered 0, though the weights say 1
  await using project = await makeProject();
  await project.trainAndPromote();
  const out = await project.deno(["run", "infer.ts"], '[{"f1":1,"f2":0},{"f1":1e308,"f2":1e308}]');
  assertEquals(out, {
    code: 2,
    stdout: "",
    stderr:
      "error: Invalid input: [1].f1: 1e+308 is out of range for this model (its scaled value is not finite); [1].f2: 1e+308 is out of range for this model (its scaled value is not finite)\n",
  });
});

Deno.test("serve refuses to start on a model whose weights overflow its class scores, exit 2", async () => {
  // issue 14: a plain-directory model with weights 1e308 answered 0 at 0.5 for everything
  await using project = await makeProject();
  const trained = await project.deno(["task", "-q", "train", "--out", "models/latest"]);
  assertEquals(trained.code, 0, trained.stderr);
  await Deno.remove(`${project.dir}/models/latest/manifest.json`);
  const file = `${project.dir}/models/latest/model.json`;
  const doc = JSON.parse(await Deno.readTextFile(file));
  for (const c of doc.estimator.classifiers) c.weights[0] = c.weights[0].map(() => 1e308);
  await Deno.writeTextFile(file, JSON.stringify(doc));
  // a server that accepts the model would run on: stop it rather than hang
  const out = await runDeno(["task", "-q", "serve", "--port", "0"], {
    cwd: project.dir,
    signal: AbortSignal.timeout(60_000),
  });
  assertEquals(out.code, 2, out.stderr);
  assertEquals(
    out.stderr,
    'error: Cannot serve: no valid model in "models/latest" (see the log line above)\n',
  );
  assertStringIncludes(
    JSON.parse(out.stdout.trim()).error,
    "estimator.classifiers.0.weights: weights too large: class scores overflow for inputs in the training range",
  );
});

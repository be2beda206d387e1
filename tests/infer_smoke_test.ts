// The design card's smoke test: pipe JSON into infer.ts and read the answer.
// Each behaviour is seen in a real process once; the repeats (more bad
// inputs, promoting a model to get to a state) run in this process.
import { assertEquals, assertMatch } from "../lib/_testing/assert.ts";
import { TOY_CSV, trainOn } from "../lib/_testing/fixtures.ts";
import { loadSealedModel } from "../lib/registry/seal.ts";
import { inferIn, makeProject, promoteNewest, writeRunAt } from "./_project.ts";

const { file: TOY } = await trainOn(TOY_CSV);

Deno.test("infer.ts predicts the seed's example after training, with no permission flags", async () => {
  await using project = await makeProject();
  const trained = await project.deno(["task", "-q", "train"]);
  assertEquals(trained.code, 0, trained.stderr);
  assertEquals(JSON.parse(trained.stdout), { accuracy: 1, f1: 1 });
  // the gate and promotion of `deno task evaluate`, in process
  await promoteNewest(project);

  const one = await project.deno(["run", "infer.ts"], '{"f1":1,"f2":0}');
  assertEquals(one, { code: 0, stdout: "1\n", stderr: "" });

  const many = await project.deno(["task", "-q", "infer"], '[{"f1":1,"f2":0},{"f1":0,"f2":1}]');
  assertEquals(many.stdout, "[1,0]\n");
});

Deno.test("infer.ts refuses bad input with one line and exit 2", async () => {
  await using project = await makeProject();
  const before = await project.deno(["run", "infer.ts"], '{"f1":1,"f2":0}');
  assertEquals(before.code, 2);
  assertEquals(
    before.stderr,
    'error: Cannot load model "models/latest": no model.json there (train and promote one: deno task train && deno task evaluate)\n',
  );
  await writeRunAt(project, TOY, 0);
  await promoteNewest(project);
  const cases: Array<[string, RegExp]> = [
    ["not json", /^error: Cannot read input: stdin is not valid JSON\n$/],
    ["", /^error: Cannot read input: stdin is not valid JSON \(it is empty\)\n$/],
    ['{"f1":1}', /^error: Invalid input: f2: required\n$/],
    ['{"f1":1,"f2":"zero"}', /^error: Invalid input: f2: expected number, got string\n$/],
    ['{"f1":1,"f2":0,"f9":1}', /^error: Invalid input: f9: unknown feature\n$/],
  ];
  // the first as a process, the others through infer.ts's main in this process
  const infer = await inferIn(project);
  for (const [i, [input, expected]] of cases.entries()) {
    const out = i === 0 ? await project.deno(["run", "infer.ts"], input) : await infer(input);
    assertEquals(out.code, 2, input);
    assertMatch(out.stderr, expected);
    assertEquals(out.stdout, "");
  }
});

Deno.test("infer.ts --model refuses a sealed run whose model.json was edited", async () => {
  await using project = await makeProject();
  await writeRunAt(project, TOY, 0);
  await promoteNewest(project);
  const flags = ["run", "--allow-read", "infer.ts", "--model", "latest"];
  const run = await Deno.realPath(`${project.dir}/models/latest`);
  // the loader --model uses takes the run as it was sealed
  await loadSealedModel(run, { root: `${project.dir}/models` });
  // one added space: still a valid model, but not the bytes the run was sealed with
  await Deno.writeTextFile(`${run}/model.json`, " ", { append: true });
  const out = await project.deno(flags, '{"f1":1,"f2":0}');
  assertEquals(out.code, 2);
  assertMatch(
    out.stderr,
    /^error: Cannot load model "[^"]+": model\.json does not match its checksum in manifest\.json\n$/,
  );
  assertEquals(out.stdout, "");
});

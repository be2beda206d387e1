// .gitlab-ci.yml against GitLab's schema, and its lint, train and evaluate
// jobs run for real by gitlab-ci-local (`deno task ci:pipeline`), the gate's
// failing case too.
//
// The unit job's script is `deno task test`: this very suite. Running it here
// would run the suite twice over (minutes), so the suite checks its command,
// read from .gitlab-ci.yml: `deno task test` with the junit and coverage
// reporter flags, a test task that names no files (so every test runs), and
// its artifacts. The whole pipeline, the unit job with the full suite, its
// coverage report and artifacts included, runs once per CI run from .ci/run
// (`deno task ci:pipeline`), and counts in its tally.
import { load } from "js-yaml";
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../lib/_testing/assert.ts";
import { runDeno } from "./_project.ts";

const ROOT = new URL("..", import.meta.url).pathname;

// the unit job runs this suite inside the check's snapshot (.ci/.pipeline/run-*):
// running the check again from there would recurse without end
const nested = import.meta.url.includes("/.ci/.pipeline/");
const missing = ["git", "bash", "rsync"].filter((tool) =>
  !["/usr/local/bin", "/usr/bin", "/bin"].some((dir) => {
    try {
      return Deno.statSync(join(dir, tool)).isFile;
    } catch {
      return false;
    }
  })
);
const skip = nested
  ? " (skipped: already inside gitlab-ci-local's unit job)"
  : missing.length > 0
  ? ` (skipped: gitlab-ci-local needs ${missing.join(", ")} on PATH; apt-get install -y ${
    missing.join(" ")
  })`
  : "";

const check = (args: string[]) => runDeno(["task", "-q", "ci:pipeline", ...args], { cwd: ROOT });

/** The unit job's test command, as .gitlab-ci.yml gives it. */
const UNIT_TEST = "deno task test --junit-path=reports/junit.xml --coverage=coverage/raw";

/** Writes a variant of .gitlab-ci.yml under .ci/.pipeline; returns its path, relative to the project. */
async function variant(edit: (good: string) => string): Promise<string> {
  const good = await Deno.readTextFile(join(ROOT, ".gitlab-ci.yml"));
  const edited = edit(good);
  assert(edited !== good, "the variant must differ from .gitlab-ci.yml");
  const dir = join(ROOT, ".ci/.pipeline");
  await Deno.mkdir(dir, { recursive: true });
  const file = await Deno.makeTempFile({ dir, suffix: ".yml" });
  await Deno.writeTextFile(file, edited);
  return file.slice(ROOT.length);
}

// .gitlab-ci.yml itself passing the schema is shown by the run of its jobs below
Deno.test({
  name: `ci:pipeline --validate-only refuses a pipeline that breaks GitLab's schema${skip}`,
  ignore: skip !== "",
  fn: async () => {
    const broken = await variant((good) =>
      good.replace(/^unit:\n/m, "unit:\n  retry: sometimes\n")
    );
    try {
      const out = await check(["--validate-only", "--file", broken]);
      assertEquals(out.code, 1, out.stdout + out.stderr);
      assertMatch(out.stderr, /^error: Invalid \.ci\/\.pipeline\/.*\.yml: /);
      assertStringIncludes(out.stderr, "'retry' property type must be integer at unit.retry");
      assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
    } finally {
      await Deno.remove(join(ROOT, broken));
    }
  },
});

Deno.test({
  name: `ci:pipeline fails when the evaluate job's gate fails${skip}`,
  ignore: skip !== "",
  fn: async () => {
    // the same pipeline, with the gate scored on labels that contradict the model
    const gate = "- deno task evaluate --json > reports/evaluation.json";
    const flipped = String.raw`printf 'f1,f2,label\n1,0,0\n0,1,1\n1,1,0\n0,0,1\n' > flipped.csv`;
    const file = await variant((good) => {
      assertStringIncludes(good, gate);
      return good.replace(
        gate,
        `- ${flipped} && deno task evaluate --json --data flipped.csv > reports/evaluation.json`,
      );
    });
    try {
      const out = await check(["--file", file, "--jobs", "train,evaluate"]);
      assertEquals(out.code, 1, out.stdout + out.stderr);
      assertMatch(out.stderr, /^error: Pipeline jobs failed: evaluate \(log: /);
      const log = /\(log: ([^)]+)\)/.exec(out.stderr)?.[1];
      assertStringIncludes(await Deno.readTextFile(log!), "accuracy 0.0000 is below 0.7");
      await Deno.remove(log!);
    } finally {
      await Deno.remove(join(ROOT, file));
    }
  },
});

// deno-lint-ignore no-explicit-any
type Job = Record<string, any>;

Deno.test("the unit job runs the whole suite with the junit and coverage reporters", async () => {
  const pipeline = load(await Deno.readTextFile(join(ROOT, ".gitlab-ci.yml"))) as Record<
    string,
    Job
  >;
  const unit = pipeline.unit!;
  assertEquals(unit.script[0], UNIT_TEST);
  assertEquals(unit.extends, ".deno-dev");
  assertEquals(unit.artifacts.paths, ["reports/junit.xml", "coverage/lcov.info"]);
  assertEquals(unit.artifacts.reports, { junit: "reports/junit.xml" });
  assertEquals(unit.artifacts.when, "always");
  // the test task names no file, no --filter and no --ignore: every test runs
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const words: string[] = config.tasks.test.command.trim().split(/\s+/);
  assertEquals(words.slice(0, 2), ["deno", "test"]);
  assertEquals(
    words.slice(2).filter((w) =>
      !w.startsWith("--allow-") &&
      !["--lock=deno.dev.lock", "--parallel", "--no-check"].includes(w)
    ),
    [],
  );
});

Deno.test({
  name: `ci:pipeline validates .gitlab-ci.yml and its lint, train and evaluate jobs pass${skip}`,
  ignore: skip !== "",
  fn: async () => {
    const out = await check(["--jobs", "lint,train,evaluate"]);
    assertEquals(out.code, 0, out.stdout + out.stderr);
    assertMatch(
      out.stdout,
      /^pipeline ok: \.gitlab-ci\.yml matches GitLab's schema; lint, train, evaluate passed with their artifacts/,
    );
  },
});

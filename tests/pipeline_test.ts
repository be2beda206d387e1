// .gitlab-ci.yml against GitLab's schema, and its lint, unit, train and
// evaluate jobs run for real by gitlab-ci-local (`deno task ci:pipeline`).
import { join } from "node:path";
import { assertEquals, assertMatch, assertStringIncludes } from "../lib/_testing/assert.ts";
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

Deno.test({
  name: `ci:pipeline refuses a pipeline that breaks GitLab's schema${skip}`,
  ignore: skip !== "",
  fn: async () => {
    const dir = join(ROOT, ".ci/.pipeline");
    await Deno.mkdir(dir, { recursive: true });
    const broken = await Deno.makeTempFile({ dir, suffix: ".yml" });
    try {
      const good = await Deno.readTextFile(join(ROOT, ".gitlab-ci.yml"));
      await Deno.writeTextFile(broken, good.replace(/^unit:\n/m, "unit:\n  retry: sometimes\n"));
      const out = await check(["--validate-only", "--file", broken.slice(ROOT.length)]);
      assertEquals(out.code, 1, out.stdout + out.stderr);
      assertMatch(out.stderr, /^error: Invalid \.ci\/\.pipeline\/.*\.yml: /);
      assertStringIncludes(out.stderr, "'retry' property type must be integer at unit.retry");
      assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
    } finally {
      await Deno.remove(broken);
    }
  },
});

Deno.test({
  name: `ci:pipeline fails when the evaluate job's gate fails${skip}`,
  ignore: skip !== "",
  fn: async () => {
    const dir = join(ROOT, ".ci/.pipeline");
    await Deno.mkdir(dir, { recursive: true });
    const variant = await Deno.makeTempFile({ dir, suffix: ".yml" });
    try {
      // the same pipeline, with the gate scored on labels that contradict the model
      const good = await Deno.readTextFile(join(ROOT, ".gitlab-ci.yml"));
      const gate = "- deno task evaluate --json > reports/evaluation.json";
      assertStringIncludes(good, gate);
      const flipped = String.raw`printf 'f1,f2,label\n1,0,0\n0,1,1\n1,1,0\n0,0,1\n' > flipped.csv`;
      await Deno.writeTextFile(
        variant,
        good.replace(
          gate,
          `- ${flipped} && deno task evaluate --json --data flipped.csv > reports/evaluation.json`,
        ),
      );
      const out = await check(["--file", variant.slice(ROOT.length), "--jobs", "train,evaluate"]);
      assertEquals(out.code, 1, out.stdout + out.stderr);
      assertMatch(out.stderr, /^error: Pipeline jobs failed: evaluate \(log: /);
      const log = /\(log: ([^)]+)\)/.exec(out.stderr)?.[1];
      assertStringIncludes(await Deno.readTextFile(log!), "accuracy 0.0000 is below 0.7");
      await Deno.remove(log!);
    } finally {
      await Deno.remove(variant);
    }
  },
});

Deno.test({
  name: `ci:pipeline validates .gitlab-ci.yml and its lint, unit, train, evaluate jobs pass${skip}`,
  ignore: skip !== "",
  fn: async () => {
    const out = await check([]);
    assertEquals(out.code, 0, out.stdout + out.stderr);
    assertMatch(
      out.stdout,
      /^pipeline ok: \.gitlab-ci\.yml matches GitLab's schema; lint, unit, train, evaluate passed with their artifacts/,
    );
  },
});

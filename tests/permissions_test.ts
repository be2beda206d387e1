// The permission boundary of `serve`: run a probe under exactly the flags of
// the serve task in deno.json and show Deno refuses writes, subprocesses and
// reads outside the model directory.
import { assert, assertEquals } from "../lib/_testing/assert.ts";
import { makeProject, taskFlags } from "./_project.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test("serve's permissions refuse writes, subprocesses and reads outside models/", async () => {
  const flags = await taskFlags("serve");
  assert(!flags.some((f) => f === "-A" || f === "--allow-all"), `serve runs with ${flags}`);
  await using project = await makeProject();
  await Deno.mkdir(`${project.dir}/models/latest`);
  await Deno.writeTextFile(`${project.dir}/models/latest/model.json`, "{}");
  // planted by the test (serve itself cannot create links: it has no write permission)
  await Deno.symlink(`${project.dir}/deno.json`, `${project.dir}/models/link`);
  await Deno.copyFile(`${ROOT}tests/_serve_probe.ts`, `${project.dir}/probe.ts`);
  const out = await project.deno(["run", ...flags, "probe.ts"]);
  assertEquals(out.code, 0, out.stderr);
  const outcomes = JSON.parse(out.stdout);
  assertEquals(outcomes, {
    // the control: the probe does run with the model readable
    "read the model": "allowed",
    "read PORT": "allowed",
    "write a file outside models": "NotCapable",
    "write a file inside models": "NotCapable",
    "write to /tmp": "NotCapable",
    "run a subprocess": "NotCapable",
    "run a shell": "NotCapable",
    "read /etc/passwd": "NotCapable",
    "read the project's deno.json": "NotCapable",
    "read ../deno.json": "NotCapable",
    "read models/../deno.json": "NotCapable",
    "read the sources": "NotCapable",
    // known gap: Deno checks the path asked for, not where a symlink leads;
    // only a process that can write under models/ can plant one (docs/reliability.md)
    "read through a symlink in models/ to outside": "allowed",
    "list the project": "NotCapable",
    "read HOME": "NotCapable",
    "load a native library": "NotCapable",
  });
  const escaped = await Deno.stat(`${project.dir}/escaped.txt`).then(() => true, () => false);
  assertEquals(escaped, false);
});

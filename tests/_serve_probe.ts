/**
 * Run under exactly the `serve` task's permission flags by
 * permissions_test.ts: tries what a compromised server would try and prints
 * one JSON object, each attempt's outcome by name — "allowed", "NotCapable"
 * (Deno refused), or another error's name.
 *
 * Self-contained on purpose: it must not need any permission of its own.
 * @module
 */

const attempts: Record<string, () => unknown> = {
  "read the model": () => Deno.readTextFile("models/latest/model.json"),
  "write a file outside models": () => Deno.writeTextFile("escaped.txt", "x"),
  "write a file inside models": () => Deno.writeTextFile("models/latest/escaped.txt", "x"),
  "write to /tmp": () => Deno.writeTextFile("/tmp/mvd-escaped.txt", "x"),
  "run a subprocess": () => new Deno.Command("deno", { args: ["--version"] }).output(),
  "run a shell": () => new Deno.Command("/bin/sh", { args: ["-c", "true"] }).output(),
  "read /etc/passwd": () => Deno.readTextFile("/etc/passwd"),
  "read the project's deno.json": () => Deno.readTextFile("deno.json"),
  "read ../deno.json": () => Deno.readTextFile("../deno.json"),
  "read models/../deno.json": () => Deno.readTextFile("models/../deno.json"),
  "read through a symlink in models/ to outside": () => Deno.readTextFile("models/link"),
  "read the sources": () => Deno.readTextFile("lib/model/model.ts"),
  "list the project": () => Array.fromAsync(Deno.readDir(".")),
  "read HOME": () => Deno.env.get("HOME"),
  "read PORT": () => Deno.env.get("PORT"),
  "load a native library": () => Deno.dlopen("/lib/x86_64-linux-gnu/libc.so.6", {}),
};

const outcomes: Record<string, string> = {};
for (const [name, attempt] of Object.entries(attempts)) {
  try {
    await attempt();
    outcomes[name] = "allowed";
  } catch (err) {
    outcomes[name] = err instanceof Deno.errors.NotCapable
      ? "NotCapable"
      : err instanceof Error
      ? err.name
      : String(err);
  }
}
console.log(JSON.stringify(outcomes));

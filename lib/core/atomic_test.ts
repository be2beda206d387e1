import { assertEquals } from "../_testing/assert.ts";
import { writeFileAtomic } from "./atomic.ts";

Deno.test("writeFileAtomic() replaces the file and leaves no temporary behind", async () => {
  const dir = await Deno.makeTempDir();
  await writeFileAtomic(`${dir}/a.json`, "one");
  await writeFileAtomic(`${dir}/a.json`, "two");
  assertEquals(await Deno.readTextFile(`${dir}/a.json`), "two");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["a.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFileAtomic() leaves the old file whole when the write fails", async () => {
  const dir = await Deno.makeTempDir();
  await writeFileAtomic(`${dir}/a.json`, "old");
  await Deno.chmod(dir, 0o500);
  let failed = false;
  try {
    await writeFileAtomic(`${dir}/a.json`, "new");
  } catch {
    failed = true;
  }
  await Deno.chmod(dir, 0o700);
  // root ignores directory modes; then the write simply succeeds whole
  assertEquals(await Deno.readTextFile(`${dir}/a.json`), failed ? "old" : "new");
  await Deno.remove(dir, { recursive: true });
});

import { assertEquals, assertRejects } from "../_testing/assert.ts";
import { openAtomic, writeFileAtomic } from "./atomic.ts";

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
  // the disk fills mid-write: the first write lands a few bytes in the
  // temporary file, the next fails as ENOSPC would (directory modes cannot
  // make a write fail here: root ignores them)
  const write = Deno.FsFile.prototype.write;
  let partial = "";
  Deno.FsFile.prototype.write = async function (this: Deno.FsFile, p: Uint8Array) {
    if (partial) throw new Error("No space left on device (os error 28)");
    const n = await write.call(this, p.subarray(0, 3));
    partial = [...Deno.readDirSync(dir)].map((e) => e.name).find((n) => n !== "a.json") ?? "?";
    return n;
  };
  try {
    await assertRejects(
      () => writeFileAtomic(`${dir}/a.json`, "new and longer"),
      Error,
      "No space left on device",
    );
  } finally {
    Deno.FsFile.prototype.write = write;
  }
  // the failure came after a partial temporary file existed, and took it away
  assertEquals(/^\.a\.json\.[0-9a-f]{8}\.tmp$/.test(partial), true, partial);
  assertEquals(await Deno.readTextFile(`${dir}/a.json`), "old");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["a.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFileAtomic() leaves what is there and no temporary when the rename fails", async () => {
  const dir = await Deno.makeTempDir();
  // a file cannot be renamed over a directory, as root or not (EISDIR)
  await Deno.mkdir(`${dir}/a.json`);
  await Deno.writeTextFile(`${dir}/a.json/inside`, "old");
  await assertRejects(
    () => writeFileAtomic(`${dir}/a.json`, "new"),
    Deno.errors.IsADirectory,
    "Is a directory",
  );
  assertEquals(await Deno.readTextFile(`${dir}/a.json/inside`), "old");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["a.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openAtomic() shows the file only on commit, and abort() leaves the old one and no temporary", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/out.csv`;
  await Deno.writeTextFile(path, "old");
  const bytes = (text: string) => new TextEncoder().encode(text);
  const aborted = await openAtomic(path);
  aborted.write(bytes("half"));
  await aborted.abort();
  assertEquals(await Deno.readTextFile(path), "old");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["out.csv"]);
  const writer = await openAtomic(path);
  writer.write(bytes("a,b\n"));
  assertEquals(await Deno.readTextFile(path), "old");
  writer.write(bytes("1,2\n"));
  await writer.commit();
  assertEquals(await Deno.readTextFile(path), "a,b\n1,2\n");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["out.csv"]);
  await Deno.remove(dir, { recursive: true });
});

import { TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assertRejects } from "../_testing/assert.ts";
import { writeModelDir } from "./artifacts.ts";

Deno.test("writeModelDir() names the directory and the reason in one line when it cannot write", async () => {
  // issue 7: a full or read-only disk printed only "No space left on device (os error 28)"
  const { file } = await trainOn(TOY_CSV);
  const blocker = await Deno.makeTempFile();
  try {
    const err = await assertRejects(
      () => writeModelDir(`${blocker}/model`, file),
      Error,
      `Cannot write model "${blocker}/model": not a directory`,
    );
    if (err.message.includes("\n") || err.message.includes("os error")) {
      throw new Error(`not one clean line: ${err.message}`);
    }
  } finally {
    await Deno.remove(blocker);
  }
});

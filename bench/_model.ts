/**
 * The toy model the serving benchmarks load, trained afresh into `dir`
 * (train refuses to write over a run, and an earlier one may be stale).
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname;

/** Trains the toy model into `dir`, a directory under bench/out/. */
export async function trainBenchModel(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  const train = await new Deno.Command("deno", {
    args: ["run", "--allow-read", `--allow-write=${ROOT}bench/out`, "train.ts", "--out", dir],
    cwd: ROOT,
    stdout: "null",
  }).output();
  if (!train.success) throw new Error("training the benchmark model failed");
}

/**
 * Content hashes of data files, recorded with every model and evaluation.
 * @module
 */
import { createHash } from "node:crypto";

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

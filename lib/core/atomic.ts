/**
 * Atomic file writes: a reader sees the old file or the new one, never a
 * half-written one, whatever moment the writer dies at.
 * @module
 */

/**
 * Writes `data` to `path` through a temporary file in the same directory,
 * flushed to disk and then renamed over `path`.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
): Promise<void> {
  const temp = tempPathFor(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const file = await Deno.open(temp, { write: true, createNew: true });
  try {
    let written = 0;
    while (written < bytes.length) {
      written += await file.write(bytes.subarray(written));
    }
    await file.syncData();
  } catch (err) {
    file.close();
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  file.close();
  try {
    await Deno.rename(temp, path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
}

/** A temporary name beside `path`, in the same directory, so a rename replaces it atomically. */
function tempPathFor(path: string): string {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) : ".";
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  return `${dir}/.${base}.${crypto.randomUUID().slice(0, 8)}.tmp`;
}

/** A file written in pieces that appears at its path whole, or not at all. */
export interface AtomicWriter {
  /** Appends `bytes` (synchronously: a caller streaming output keeps its memory bounded). */
  write(bytes: Uint8Array): void;
  /** Flushes to disk and renames the file over its path. */
  commit(): Promise<void>;
  /** Removes the temporary file; the path keeps what it held before. */
  abort(): Promise<void>;
}

/**
 * Opens a temporary file beside `path` for {@link AtomicWriter}: large outputs
 * stream to disk, and `path` only changes on `commit()`.
 */
export async function openAtomic(path: string): Promise<AtomicWriter> {
  const temp = tempPathFor(path);
  const file = await Deno.open(temp, { write: true, createNew: true });
  let open = true;
  const close = () => {
    if (open) file.close();
    open = false;
  };
  return {
    write(bytes) {
      let written = 0;
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    },
    async commit() {
      try {
        await file.syncData();
        close();
        await Deno.rename(temp, path);
      } catch (err) {
        close();
        await Deno.remove(temp).catch(() => {});
        throw err;
      }
    },
    async abort() {
      close();
      await Deno.remove(temp).catch(() => {});
    },
  };
}

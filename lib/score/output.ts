/**
 * Where scored rows go: CSV text, written in blocks to stdout or to a file
 * that appears whole (lib/core/atomic.ts) only once every row is scored.
 * @module
 */
import { openAtomic } from "../core/atomic.ts";

/** A CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds `,` `"` CR or LF. */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Receives output bytes, in order; finishes or discards them. */
export interface Sink {
  /** Writes `bytes` before returning: memory stays bounded whatever the output's size. */
  write(bytes: Uint8Array): void;
  /** Everything is written: make it visible. */
  commit(): Promise<void>;
  /** The run failed: drop what can be dropped. */
  abort(): Promise<void>;
}

/** A sink on stdout: bytes already written stay written (a pipe cannot take them back). */
export function stdoutSink(): Sink {
  return {
    write(bytes) {
      let written = 0;
      while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
    },
    commit: () => Promise.resolve(),
    abort: () => Promise.resolve(),
  };
}

/** A sink into `path`, through a temporary file beside it: a failed run leaves `path` as it was. */
export async function fileSink(path: string): Promise<Sink> {
  return await openAtomic(path);
}

/**
 * Gathers CSV output as bytes and hands it to a {@link Sink} a block at a
 * time: ASCII text (numbers, most labels) is copied byte by byte, without an
 * intermediate string per row.
 */
export class ByteWriter {
  #buffer: Uint8Array;
  #at = 0;
  readonly #encoder = new TextEncoder();

  /** Writes through `sink` in blocks of `blockBytes`. */
  constructor(readonly sink: Sink, blockBytes = 1 << 20) {
    this.#buffer = new Uint8Array(blockBytes);
  }

  /** Appends `text`, UTF-8 encoded. */
  text(text: string): void {
    // 3 bytes a UTF-16 unit at most
    if (this.#at + 3 * text.length > this.#buffer.length) {
      this.flush();
      if (3 * text.length > this.#buffer.length) return this.sink.write(this.#encoder.encode(text));
    }
    const b = this.#buffer;
    let at = this.#at;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        // not ASCII: let the encoder do the rest
        at += this.#encoder.encodeInto(text.slice(i), b.subarray(at)).written;
        break;
      }
      b[at++] = c;
    }
    this.#at = at;
  }

  /** Appends one ASCII byte (a comma, a newline). */
  byte(c: number): void {
    if (this.#at === this.#buffer.length) this.flush();
    this.#buffer[this.#at++] = c;
  }

  /** Writes whatever has gathered. */
  flush(): void {
    if (this.#at === 0) return;
    this.sink.write(this.#buffer.subarray(0, this.#at));
    this.#at = 0;
  }
}

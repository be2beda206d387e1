/**
 * JSON log lines on stdout: one per request at `info`, plus startup and
 * model-load lines. Lines are buffered and written in batches, so a busy
 * server makes one write call for many requests.
 * @module
 */
import { z } from "zod";

/** Log levels, quietest last. */
export const LogLevel = z.enum(["debug", "info", "warn", "error"]);
/** Log levels, quietest last. */
export type LogLevel = z.infer<typeof LogLevel>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where finished lines go; each ends with a newline. */
export type LogSink = (text: string) => void;

/** A structured logger with a level. */
export class Logger {
  readonly #rank: number;
  readonly #sink: LogSink;
  /** Whether per-request lines are written (level `info` or `debug`). */
  readonly requests: boolean;

  #ms = -1;
  #time = "";

  /** The ISO time, formatted once per millisecond (toISOString is slow here). */
  #now(): string {
    const ms = Date.now();
    if (ms !== this.#ms) {
      this.#ms = ms;
      this.#time = new Date(ms).toISOString();
    }
    return this.#time;
  }

  /** Logs at `level` and above to `sink`. */
  constructor(level: LogLevel, sink: LogSink) {
    this.#rank = RANK[level];
    this.#sink = sink;
    this.requests = this.#rank <= RANK.info;
  }

  /** Writes one event with its fields, when `level` is enabled. */
  log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    if (RANK[level] < this.#rank) return;
    this.#sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + "\n");
  }

  /**
   * Writes the line for one finished request. Built by hand because it runs
   * on every request; `route` and `method` are bounded values, `id` is sanitised.
   */
  request(
    method: string,
    route: string,
    status: number,
    ms: number,
    id: string,
  ): void {
    this.#sink(
      `{"time":"${this.#now()}","level":"info","msg":"request","method":"${method}","route":"${route}","status":${status},"duration_ms":${
        Math.round(ms * 1000) / 1000
      },"request_id":"${id}"}\n`,
    );
  }
}

/** How a {@link StdoutSink} batches. */
export interface SinkOptions {
  /** Longest a line waits in the buffer, in ms. Default 50. */
  delayMs?: number;
  /** Buffered characters that trigger a write at once. Default 64 Ki. */
  maxChars?: number;
  /** Writes some bytes, resolving to how many; default `Deno.stdout.write`. */
  write?: (bytes: Uint8Array) => Promise<number>;
}

/**
 * A sink that batches lines and writes them to stdout when the oldest has
 * waited `delayMs` or the buffer is full. A timer per event-loop turn (and a
 * write per turn) cost a busy server measurable throughput; one timer per
 * batch does not. `flush()` (called on shutdown) writes out the rest.
 */
export class StdoutSink {
  #buffer = "";
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #encoder = new TextEncoder();
  readonly #delayMs: number;
  readonly #maxChars: number;
  readonly #writeOut: (bytes: Uint8Array) => Promise<number>;

  /** A sink with the given batching (defaults suit a server). */
  constructor(options: SinkOptions = {}) {
    this.#delayMs = options.delayMs ?? 50;
    this.#maxChars = options.maxChars ?? 64 * 1024;
    this.#writeOut = options.write ?? ((bytes) => Deno.stdout.write(bytes));
  }

  /** The sink function to give a {@link Logger}. */
  readonly write: LogSink = (text) => {
    this.#buffer += text;
    if (this.#buffer.length >= this.#maxChars) this.#flushNow();
    else this.#timer ??= setTimeout(() => this.#flushNow(), this.#delayMs);
  };

  /** Writes out everything buffered; resolves when it is on stdout. */
  flush(): Promise<void> {
    this.#flushNow();
    return this.#writing;
  }

  #flushNow(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#buffer) return;
    const bytes = this.#encoder.encode(this.#buffer);
    this.#buffer = "";
    // chain writes so lines never interleave out of order
    this.#writing = this.#writing.then(() => this.#writeAll(bytes)).catch(() => {});
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.#writeOut(bytes.subarray(written));
  }
}

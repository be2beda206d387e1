/**
 * The prediction log (`PREDICTION_LOG`): a JSON line per predicted row, for
 * audits and retraining. The request path serialises its line at once (so
 * nothing of the request outlives it), appending to a text chunk that is
 * encoded into a reused byte buffer every 64 Ki characters; a timer hands the
 * buffer to one `write` and fills a spare meanwhile. The file rotates at `maxBytes`
 * (`FILE` → `FILE.1` → … → `FILE.<keep>`, the oldest dropped). A write that
 * fails (a full disk, an unwritable file) drops its lines, counts them in
 * `mvd_prediction_log_errors_total` and logs once until writes work again:
 * it never fails a request. Only rows and answers are written, never headers
 * (so never the token).
 * @module
 */
import type { Logger } from "../core/log.ts";
import { writeProblem } from "../core/files.ts";
import { UsageError } from "../core/errors.ts";
import type { Row } from "../model/features.ts";

/** Where the model behind a record came from. */
export interface ModelIdentity {
  /** The model name. */
  name: string;
  /** Its content version. */
  version: string;
}

/** Settings of a {@link Journal}. */
export interface JournalOptions {
  /** The log file; its folder is created when missing. */
  path: string;
  /** Share of requests logged, 0 to 1. */
  sample: number;
  /** Size at which the file rotates, in bytes. */
  maxBytes: number;
  /** Old files kept. Default 3. */
  keep?: number;
  /** Longest a record waits before it is written, in ms. Default 200. */
  flushMs?: number;
  /** Most rows waiting to be written; more are dropped and counted. Default 20,000. */
  maxPending?: number;
  /** Counts rows that could not be written. */
  onLost?: (rows: number) => void;
  /** Where a failing (or recovered) log says so. */
  logger?: Logger;
  /** Draws the sampling decision; default `Math.random`. */
  random?: () => number;
}

/** Characters of serialised lines gathered before they are encoded. */
const CHUNK = 1 << 16;
/** Initial size of a byte buffer; it grows to the largest batch. */
const INITIAL_BYTES = 1 << 18;

/** An append-only, rotating, sampled log of predictions. */
export class Journal {
  readonly #path: string;
  readonly #sample: number;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #flushMs: number;
  readonly #maxPending: number;
  readonly #onLost: (rows: number) => void;
  readonly #logger: Logger | undefined;
  readonly #random: () => number;
  readonly #encoder = new TextEncoder();
  // lines serialised since the last encode, then the bytes waiting for the next write
  #text = "";
  #bytes: Uint8Array = new Uint8Array(0);
  #used = 0;
  /** Rows serialised and not yet handed to a write (text and bytes). */
  #pendingRows = 0;
  /** Byte buffers whose write has finished, for reuse. */
  #free: Uint8Array[] = [];
  // the time prefix of lines, rebuilt once per millisecond
  #ms = -1;
  #timeHead = "";
  // the model fields of lines, rebuilt when the model changes
  #model: ModelIdentity | null = null;
  #modelPart = "";
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #file: Deno.FsFile | null = null;
  #size = 0;
  #failing = false;

  /** A journal with `options`; nothing is opened until the first write. */
  constructor(options: JournalOptions) {
    this.#path = options.path;
    this.#sample = options.sample;
    this.#maxBytes = options.maxBytes;
    this.#keep = options.keep ?? 3;
    this.#flushMs = options.flushMs ?? 200;
    this.#maxPending = options.maxPending ?? 20_000;
    this.#onLost = options.onLost ?? (() => {});
    this.#logger = options.logger;
    this.#random = options.random ?? Math.random;
  }

  /** Whether to log the next request (the sampling draw). */
  take(): boolean {
    return this.#sample >= 1 || (this.#sample > 0 && this.#random() < this.#sample);
  }

  /** Logs one row answered with `answer` (the single-row answer). */
  one(model: ModelIdentity, id: string, row: Row, answer: string): void {
    if (this.#pendingRows + 1 > this.#maxPending) {
      this.#onLost(1);
      return;
    }
    this.#push(`${this.#head(model, id)}"inputs":${JSON.stringify(row)},${answer.slice(1)}\n`, 1);
  }

  /**
   * Logs a request's rows. `answer` is the single-row answer, or a function
   * giving row `i`'s answer of a batch (each such line also has `"row": i`).
   */
  add(
    model: ModelIdentity,
    id: string,
    rows: readonly Row[],
    answer: string | ((i: number) => string),
  ): void {
    if (this.#pendingRows + rows.length > this.#maxPending) {
      this.#onLost(rows.length);
      return;
    }
    if (typeof answer === "string") return this.one(model, id, rows[0]!, answer);
    const head = this.#head(model, id);
    let text = "";
    for (let i = 0; i < rows.length; i++) {
      text += `${head}"row":${i},"inputs":${JSON.stringify(rows[i])},${answer(i).slice(1)}\n`;
    }
    this.#push(text, rows.length);
  }

  /** A line's fields up to its inputs: `{"time":…,"request_id":…,"model":…,"version":…,`. */
  #head(model: ModelIdentity, id: string): string {
    const ms = Date.now();
    if (ms !== this.#ms) {
      this.#ms = ms;
      this.#timeHead = `{"time":"${new Date(ms).toISOString()}","request_id":`;
    }
    if (model !== this.#model) {
      this.#model = model;
      this.#modelPart = `,"model":${JSON.stringify(model.name)},"version":${
        JSON.stringify(model.version)
      },`;
    }
    return this.#timeHead + JSON.stringify(id) + this.#modelPart;
  }

  #push(lines: string, rows: number): void {
    this.#text += lines;
    this.#pendingRows += rows;
    if (this.#text.length >= CHUNK) this.#encode();
    this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs);
  }

  /** Moves the serialised text into the byte buffer (growing it if need be). */
  #encode(): void {
    const text = this.#text;
    if (text.length === 0) return;
    this.#text = "";
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    const need = this.#used + 3 * text.length;
    if (need > this.#bytes.length) {
      let size = Math.max(this.#bytes.length, INITIAL_BYTES);
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = grown;
    }
    this.#used += this.#encoder.encodeInto(text, this.#bytes.subarray(this.#used)).written;
  }

  /** Writes out everything queued; resolves once it is written (or dropped). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#encode();
    if (this.#used > 0) {
      const buffer = this.#bytes, rows = this.#pendingRows;
      const bytes = buffer.subarray(0, this.#used);
      this.#bytes = this.#free.pop() ?? new Uint8Array(0);
      this.#used = 0;
      this.#pendingRows = 0;
      this.#writing = this.#writing.then(async () => {
        await this.#append(bytes, rows);
        if (this.#free.length < 2) this.#free.push(buffer);
      });
    }
    return this.#writing;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    this.#file?.close();
    this.#file = null;
  }

  async #append(bytes: Uint8Array, rows: number): Promise<void> {
    try {
      this.#file ??= await this.#open();
      if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) {
        await this.#rotate();
        this.#file = await this.#open();
      }
      let written = 0;
      try {
        while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
      } catch (err) {
        // cut a partly written batch off, so the file holds whole lines only
        if (written > 0) await this.#file.truncate(this.#size).catch(() => {});
        throw err;
      }
      this.#size += bytes.length;
      if (this.#failing) {
        this.#failing = false;
        this.#logger?.log("info", "prediction log writes again", { path: this.#path });
      }
    } catch (err) {
      this.#onLost(rows);
      this.#file?.close();
      this.#file = null;
      if (!this.#failing) {
        this.#failing = true;
        this.#logger?.log("error", "prediction log write failed; dropping its lines", {
          path: this.#path,
          error: writeProblem(err),
          rows,
        });
      }
    }
  }

  async #open(): Promise<Deno.FsFile> {
    const slash = this.#path.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(this.#path.slice(0, slash), { recursive: true });
    const file = await Deno.open(this.#path, { append: true, create: true });
    try {
      // (stat would need read permission too; the end's offset is the size)
      this.#size = await file.seek(0, Deno.SeekMode.End);
    } catch (err) {
      file.close();
      throw err;
    }
    return file;
  }

  /** `FILE.<keep-1>` → `FILE.<keep>`, …, `FILE` → `FILE.1`; the oldest is overwritten. */
  async #rotate(): Promise<void> {
    this.#file?.close();
    this.#file = null;
    for (let n = this.#keep - 1; n >= 1; n--) {
      await Deno.rename(`${this.#path}.${n}`, `${this.#path}.${n + 1}`).catch(ignoreMissing);
    }
    if (this.#keep > 0) await Deno.rename(this.#path, `${this.#path}.1`).catch(ignoreMissing);
    else await Deno.remove(this.#path).catch(ignoreMissing);
    this.#size = 0;
  }
}

function ignoreMissing(err: unknown): void {
  if (!(err instanceof Deno.errors.NotFound)) throw err;
}

/**
 * Refuses to start a prediction log at `path` without write permission on
 * it: a {@link UsageError} saying which `--allow-write` to add.
 */
export function journalPermission(path: string): void {
  const slash = path.lastIndexOf("/");
  const folder = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  if (Deno.permissions.querySync({ name: "write", path }).state === "granted") return;
  throw new UsageError(
    `Cannot log predictions to "${path}": no write permission there; run serve with --allow-write=${folder} (docs/http-api.md#prediction-log)`,
  );
}

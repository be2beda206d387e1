/**
 * The prediction log (`PREDICTION_LOG`): a JSON line per predicted row, for
 * audits and retraining. The request path only decides whether to sample a
 * request and pushes a reference to its rows and answer; a timer serialises
 * the batch and appends it to the file. The file rotates at `maxBytes`
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

interface Pending {
  time: number;
  id: string;
  model: ModelIdentity;
  rows: readonly Row[];
  /** The answer for row `i`: a JSON object starting `{"prediction":`. */
  answer: string | ((i: number) => string);
}

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
  #pending: Pending[] = [];
  #pendingRows = 0;
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

  /**
   * Queues a request's rows and answers for writing. `answer` is the
   * single-row answer, or a function giving row `i`'s answer of a batch.
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
    this.#pending.push({ time: Date.now(), id, model, rows, answer });
    this.#pendingRows += rows.length;
    this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs);
  }

  /** Writes out everything queued; resolves once it is written (or dropped). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length > 0) {
      const batch = this.#pending, rows = this.#pendingRows;
      this.#pending = [];
      this.#pendingRows = 0;
      const bytes = this.#encoder.encode(lines(batch));
      this.#writing = this.#writing.then(() => this.#append(bytes, rows));
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

/** The JSON lines of a batch of records. */
function lines(batch: readonly Pending[]): string {
  let out = "";
  let ms = -1, time = "";
  for (const r of batch) {
    if (r.time !== ms) {
      ms = r.time;
      time = new Date(ms).toISOString();
    }
    const head = `{"time":"${time}","request_id":${JSON.stringify(r.id)},"model":${
      JSON.stringify(r.model.name)
    },"version":${JSON.stringify(r.model.version)},`;
    if (typeof r.answer === "string") {
      out += `${head}"inputs":${JSON.stringify(r.rows[0])},${r.answer.slice(1)}\n`;
      continue;
    }
    for (let i = 0; i < r.rows.length; i++) {
      out += `${head}"row":${i},"inputs":${JSON.stringify(r.rows[i])},${r.answer(i).slice(1)}\n`;
    }
  }
  return out;
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

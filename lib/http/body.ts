/**
 * Reading a JSON request body within limits: content type, size, time, how
 * many large bodies are read at once, and the work parsing may cost (depth
 * and number of values, counted on the raw bytes before parsing).
 * @module
 */
import type { BodyDeadline } from "./deadline.ts";
import { ApiError } from "./errors.ts";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Limits on reading a body. */
export interface BodyLimits {
  /** Largest body in bytes (413 above). */
  maxBytes: number;
  /** Time limit on receiving it (408 after); none when absent. */
  deadline?: BodyDeadline;
  /** Turns for large bodies; when absent, they are read at once. */
  slots?: BodySlots;
}

/**
 * What parsing a body may cost, checked before it is parsed: JSON.parse
 * builds an object per array or object and a slot per value, about 30 times
 * the bytes for `[[],[],…]`, and deep nesting costs more still.
 */
export interface JsonShape {
  /** Deepest nesting of arrays and objects (400 deeper). */
  maxDepth: number;
  /** Most values inside arrays and objects, all together (413 more). */
  maxValues: number;
  /** The row limit `maxValues` was derived from, for the message. */
  rows: number;
}

/** No valid request nests deeper: `{"inputs":[{"data":[[…]]}]}` is 5 levels. */
export const MAX_DEPTH = 32;

/** Bodies larger than this take turns to be read (see {@link BodySlots}). */
export const LARGE_BODY_BYTES = 64 * 1024;

/**
 * The shape limits for a model of `features` features and batches of at most
 * `rows` rows. The largest valid request holds `rows × (features + 1)` values
 * (each row an object of `features` values, or V2 tensors, flat or nested one
 * level), plus its envelope: tensor names, shapes, datatypes and parameters,
 * for which 16 values a feature and 1,024 more are allowed.
 */
export function jsonShape(features: number, rows: number): JsonShape {
  return { maxDepth: MAX_DEPTH, maxValues: rows * (features + 1) + 16 * features + 1024, rows };
}

/**
 * Reads and parses the JSON body of `req`, refusing a wrong content type
 * (415), a body over `maxBytes` (413), one that arrives too slowly (408),
 * too many large bodies at once (503), a structure over `shape` (400, 413)
 * and malformed JSON (400).
 */
export async function readJson(
  req: Request,
  limits: BodyLimits,
  shape: JsonShape,
): Promise<unknown> {
  const { maxBytes, deadline, slots } = limits;
  const type = req.headers.get("content-type");
  if (type !== "application/json" && (type === null || !JSON_TYPE.test(type))) {
    throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    // the server enforces content-length framing, so the body is exactly this long
    const length = Number(declared);
    if (length > maxBytes) throw tooLarge(maxBytes);
    // small bodies, single rows among them, are read whole: Deno's fastest path
    if (length <= LARGE_BODY_BYTES) {
      const bytes = await readBody(timed(req.bytes(), deadline));
      checkShape(scanJson(bytes, shape), shape);
      return parse(bytes);
    }
  }
  const turn = new Turn(slots);
  try {
    const length = declared === null ? null : Number(declared);
    const read = readScanned(req, { maxBytes, declared: length, shape, turn });
    return parse(await readBody(timed(read, deadline)));
  } finally {
    turn.done();
  }
}

function timed<T>(read: Promise<T>, deadline: BodyDeadline | undefined): Promise<T> {
  return deadline ? deadline.guard(read) : read;
}

async function readBody(read: Promise<Uint8Array>): Promise<Uint8Array> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw unreadable();
  }
}

const decoder = new TextDecoder();

/** Throws the error for the shape limit `over` passed, if any. */
function checkShape(over: "depth" | "values" | null, shape: JsonShape): void {
  if (over === "depth") {
    throw new ApiError(
      400,
      "too_deep",
      `Request body nests arrays and objects deeper than ${shape.maxDepth} levels`,
    );
  }
  if (over === "values") {
    throw new ApiError(
      413,
      "too_many_values",
      `Request body holds more than ${shape.maxValues} values, more than a batch of ${shape.rows} rows of this model needs`,
    );
  }
}

function parse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw malformed();
  }
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d;

/**
 * One pass over JSON bytes that tells whether parsing them would nest deeper
 * than `maxDepth` or make more than `maxValues` values. Values are counted as
 * commas plus arrays and objects (an element of an array or a member of an
 * object either follows a comma or is the first of its container), so an
 * empty container counts once more; string contents, escapes included, are
 * skipped. It does not validate: malformed text is JSON.parse's to refuse.
 * `feed()` takes a body chunk by chunk and allocates nothing.
 */
export class JsonScan {
  #maxDepth = 0;
  #maxValues = 0;
  #depth = 0;
  #values = 0;
  #inString = false;
  #escaped = false;

  /** A scan against `limits`. */
  constructor(limits: { maxDepth: number; maxValues: number }) {
    this.reset(limits);
  }

  /** Starts over, against `limits`. */
  reset(limits: { maxDepth: number; maxValues: number }): this {
    this.#maxDepth = limits.maxDepth;
    this.#maxValues = limits.maxValues;
    this.#depth = this.#values = 0;
    this.#inString = this.#escaped = false;
    return this;
  }

  /** Scans the next bytes: "depth" or "values" once that limit is passed, else null. */
  feed(bytes: Uint8Array): "depth" | "values" | null {
    const n = bytes.length;
    const maxDepth = this.#maxDepth, maxValues = this.#maxValues;
    let depth = this.#depth, values = this.#values;
    let inString = this.#inString, escaped = this.#escaped;
    let over: "depth" | "values" | null = null;
    for (let i = 0; i < n; i++) {
      const c = bytes[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) {
        inString = true;
      } else if (c === COMMA) {
        if (++values > maxValues) over = "values";
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (++depth > maxDepth) over = "depth";
        else if (++values > maxValues) over = "values";
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        depth--;
      }
      if (over) break;
    }
    this.#depth = depth;
    this.#values = values;
    this.#inString = inString;
    this.#escaped = escaped;
    return over;
  }
}

// whole bodies are scanned synchronously, so one scanner serves them all
const whole = new JsonScan({ maxDepth: 0, maxValues: 0 });

/** {@link JsonScan} of a whole body at once, allocating nothing. */
export function scanJson(
  bytes: Uint8Array,
  limits: { maxDepth: number; maxValues: number },
): "depth" | "values" | null {
  return whole.reset(limits).feed(bytes);
}

/**
 * Turns for reading large bodies: at most `parallel` at once, up to `queue`
 * more wait in order, and a body that finds the queue full is refused with
 * 503 and `Retry-After`. It bounds the memory bodies being read can hold at
 * about `parallel × MAX_BODY_BYTES`, whatever the number of clients; small
 * bodies, such as single rows, never wait.
 */
export class BodySlots {
  readonly #queue: number;
  readonly #waiting: Array<() => void> = [];
  #free: number;

  /** `parallel` large bodies at once, and `queue` waiting. */
  constructor(options: { parallel?: number; queue?: number } = {}) {
    this.#free = options.parallel ?? 4;
    this.#queue = options.queue ?? 32;
  }

  /**
   * Waits for a turn; throws a 503 when too many are waiting already.
   * `cancel()` leaves the queue, true if the turn had not come yet; once it
   * has, the caller owns it and must {@link release} it.
   */
  acquire(): { granted: Promise<void>; cancel(): boolean } {
    if (this.#free > 0) {
      this.#free--;
      return { granted: Promise.resolve(), cancel: () => false };
    }
    if (this.#waiting.length >= this.#queue) {
      const error = new ApiError(
        503,
        "server_busy",
        `Too many large request bodies at once (over ${LARGE_BODY_BYTES} bytes): retry shortly`,
      );
      error.headers = { "retry-after": "1" };
      throw error;
    }
    let grant!: () => void;
    const granted = new Promise<void>((resolve) => (grant = resolve));
    this.#waiting.push(grant);
    return {
      granted,
      cancel: () => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        return at >= 0;
      },
    };
  }

  /** Ends a turn: the next waiting body gets it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }

  /** Bodies waiting for a turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Turns free right now. */
  get free(): number {
    return this.#free;
  }
}

type TurnState = "none" | "waiting" | "held" | "done";

/** One request's turn, taken at most once and always given back. */
class Turn {
  readonly #slots: BodySlots | undefined;
  #state: TurnState = "none";
  #cancel: () => boolean = () => false;

  constructor(slots: BodySlots | undefined) {
    this.#slots = slots;
  }

  /** Waits for a turn (at once without slots). */
  async take(): Promise<void> {
    if (!this.#slots || this.#state !== "none") return;
    const { granted, cancel } = this.#slots.acquire();
    this.#state = "waiting";
    this.#cancel = cancel;
    await granted;
    // done() ran after the turn came but before this resumed: pass it on
    if ((this.#state as TurnState) === "done") {
      this.#slots.release();
      throw unreadable();
    }
    this.#state = "held";
  }

  /** Gives the turn back, or leaves the queue if it has not come yet. */
  done(): void {
    if (this.#state === "held") this.#slots!.release();
    else if (this.#state === "waiting") this.#cancel();
    this.#state = "done";
  }
}

// the client went away or broke off the body: its fault, not a 500
function unreadable(): ApiError {
  return new ApiError(400, "body_unreadable", "Cannot read the request body: it ended early");
}

function malformed(): ApiError {
  return new ApiError(400, "malformed_json", "Request body is not valid JSON");
}

/**
 * Reads a large body, or one of unknown length, chunk by chunk under a turn:
 * each chunk is scanned as it arrives and copied into one buffer. Once a
 * limit is passed nothing more is kept, but the rest is still read (up to
 * `maxBytes`), so that the client, still sending, gets the answer rather than
 * a reset connection.
 */
async function readScanned(
  req: Request,
  options: { maxBytes: number; declared: number | null; shape: JsonShape; turn: Turn },
): Promise<Uint8Array> {
  const { maxBytes, declared, shape, turn } = options;
  if (req.body === null) return new Uint8Array();
  if (declared !== null) await turn.take();
  const scan = new JsonScan(shape);
  let buffer = new Uint8Array(declared ?? 0);
  let size = 0;
  let over: "depth" | "values" | null = null;
  for await (const chunk of req.body) {
    if (size + chunk.length > maxBytes) throw tooLarge(maxBytes);
    if (!over) over = scan.feed(chunk);
    if (!over) {
      if (size + chunk.length > LARGE_BODY_BYTES) await turn.take();
      if (size + chunk.length > buffer.length) {
        const grown = new Uint8Array(
          Math.min(maxBytes, Math.max(2 * buffer.length, size + chunk.length)),
        );
        grown.set(buffer.subarray(0, size));
        buffer = grown;
      }
      buffer.set(chunk, size);
    }
    size += chunk.length;
  }
  checkShape(over, shape);
  return buffer.subarray(0, size);
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `Request body exceeds ${maxBytes} bytes`);
}

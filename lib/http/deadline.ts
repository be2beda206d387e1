/**
 * A time limit on receiving request bodies. `Deno.serve` has none: a client
 * that sends headers and then trickles or stalls its body holds a handler
 * and a socket for ever. One interval timer serves every request, so the
 * hot path pays a slot in an array, not a timer. (A `Set` of pending reads
 * measured 8 % slower serving than slots: its add/delete churn rehashes in
 * V8's runtime.)
 * @module
 */
import { ApiError } from "./errors.ts";

interface Pending {
  /** The tick the read started on. */
  since: number;
  fail(err: ApiError): void;
}

/** Fails body reads that take longer than a timeout, with a 408. */
export class BodyDeadline {
  // reads in progress; a finished read frees its slot for the next one
  readonly #slots: (Pending | undefined)[] = [];
  readonly #free: number[] = [];
  readonly #timeoutTicks: number;
  readonly #seconds: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #tick = 0;

  /**
   * Starts the timer. A read fails after between `timeoutMs` and
   * `timeoutMs + tickMs`; `tickMs` defaults to a quarter of the timeout, at most 1 s.
   */
  constructor(timeoutMs: number, tickMs = Math.min(1000, Math.max(1, timeoutMs / 4))) {
    this.#timeoutTicks = Math.ceil(timeoutMs / tickMs);
    this.#seconds = timeoutMs / 1000;
    this.#timer = setInterval(() => this.#expire(), tickMs);
    // never the reason a process stays alive
    Deno.unrefTimer(this.#timer);
  }

  /** `read`, or a 408 `body_timeout` if it has not settled in time. */
  guard<T>(read: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const slot = this.#free.length > 0 ? this.#free.pop()! : this.#slots.length;
      const entry: Pending = { since: this.#tick, fail: reject };
      this.#slots[slot] = entry;
      read.then(
        (value) => {
          this.#release(slot, entry);
          resolve(value);
        },
        (err) => {
          this.#release(slot, entry);
          reject(err);
        },
      );
    });
  }

  // a slot expired and reused is not the finished read's to free
  #release(slot: number, entry: Pending): void {
    if (this.#slots[slot] !== entry) return;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
  }

  /** Reads in progress. */
  get pending(): number {
    // every slot is either in use or free
    return this.#slots.length - this.#free.length;
  }

  /** Stops the timer; reads in progress are no longer limited. */
  close(): void {
    clearInterval(this.#timer);
    this.#slots.length = 0;
    this.#free.length = 0;
  }

  /** {@link close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #expire(): void {
    this.#tick++;
    const oldest = this.#tick - this.#timeoutTicks;
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const entry = this.#slots[slot];
      if (entry === undefined || entry.since >= oldest) continue;
      this.#release(slot, entry);
      entry.fail(
        new ApiError(
          408,
          "body_timeout",
          `Request body not received within ${this.#seconds} s`,
        ),
      );
    }
  }
}

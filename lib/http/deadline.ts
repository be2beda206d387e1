/**
 * A time limit on receiving request bodies. `Deno.serve` has none: a client
 * that sends headers and then trickles or stalls its body holds a handler
 * and a socket for ever. One interval timer serves every request, so the
 * hot path pays a set insertion, not a timer.
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
  readonly #pending = new Set<Pending>();
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
      const entry: Pending = { since: this.#tick, fail: reject };
      this.#pending.add(entry);
      read.then(
        (value) => {
          this.#pending.delete(entry);
          resolve(value);
        },
        (err) => {
          this.#pending.delete(entry);
          reject(err);
        },
      );
    });
  }

  /** Reads in progress. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Stops the timer; reads in progress are no longer limited. */
  close(): void {
    clearInterval(this.#timer);
    this.#pending.clear();
  }

  #expire(): void {
    this.#tick++;
    const oldest = this.#tick - this.#timeoutTicks;
    for (const entry of this.#pending) {
      if (entry.since >= oldest) continue;
      this.#pending.delete(entry);
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

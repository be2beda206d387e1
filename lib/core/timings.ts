/**
 * A stage-by-stage breakdown of a long run: wall time and resident memory
 * after each stage, for `deno task train --timings`.
 * @module
 */

/** One finished stage. */
export interface Stage {
  /** What ran. */
  name: string;
  /** Wall milliseconds it took. */
  ms: number;
  /** Resident set size when it ended, in bytes. */
  rss: number;
}

/** Records stages as they end; {@link Timings.table} prints them. */
export class Timings {
  readonly stages: Stage[] = [];
  #last: number;
  readonly #now: () => number;
  readonly #rss: () => number;

  /** Starts the clock; `now` and `rss` are for tests. */
  constructor(options: { now?: () => number; rss?: () => number } = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#rss = options.rss ?? (() => Deno.memoryUsage().rss);
    this.#last = this.#now();
  }

  /** Ends the current stage as `name`; the next one starts now. */
  mark(name: string): void {
    const t = this.#now();
    this.stages.push({ name, ms: t - this.#last, rss: this.#rss() });
    this.#last = this.#now();
  }

  /** Adds `ms` to the stage `name` without ending the current one (for interleaved work). */
  add(name: string, ms: number): void {
    const stage = this.stages.find((s) => s.name === name);
    if (stage) stage.ms += ms;
    else this.stages.push({ name, ms, rss: this.#rss() });
  }

  /** The stages as aligned text lines: name, seconds, share, RSS in MB. */
  table(): string {
    const total = this.stages.reduce((a, s) => a + s.ms, 0);
    const width = Math.max(5, ...this.stages.map((s) => s.name.length));
    const lines = this.stages.map((s) =>
      `${s.name.padEnd(width)}  ${(s.ms / 1000).toFixed(3).padStart(8)} s  ${
        (100 * s.ms / (total || 1)).toFixed(1).padStart(5)
      } %  rss ${(s.rss / 1e6).toFixed(0).padStart(6)} MB`
    );
    lines.push(`${"total".padEnd(width)}  ${(total / 1000).toFixed(3).padStart(8)} s`);
    return lines.join("\n");
  }
}

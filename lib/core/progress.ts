/**
 * Progress lines for long runs, on stderr and only when a person watches it:
 * piped or redirected stderr stays silent, so logs and scripts see nothing.
 * @module
 */

/** Reports progress; `done()` ends the status line. */
export interface Progress {
  /** Shows `message` as the current status (throttled). */
  (message: string): void;
  /** Ends the status line. */
  done(): void;
}

/** Options for {@link progressTo}. */
export interface ProgressOptions {
  /** Minimum time between two updates, in milliseconds (100 by default). */
  intervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** A {@link Progress} on stderr when it is a terminal, otherwise `undefined`. */
export function terminalProgress(): Progress | undefined {
  if (!Deno.stderr.isTerminal()) return undefined;
  const encoder = new TextEncoder();
  return progressTo((text) => Deno.stderr.writeSync(encoder.encode(text)));
}

/** A {@link Progress} that writes status lines, rewritten in place, to `write`. */
export function progressTo(write: (text: string) => void, options: ProgressOptions = {}): Progress {
  const interval = options.intervalMs ?? 100;
  const now = options.now ?? (() => performance.now());
  let last = -Infinity;
  let shown = false;
  let pending: string | undefined;
  const progress = (message: string) => {
    const t = now();
    if (t - last < interval) {
      pending = message;
      return;
    }
    last = t;
    shown = true;
    pending = undefined;
    // carriage return and erase-line: the status rewrites itself
    write(`\r\x1b[2K${message}`);
  };
  progress.done = () => {
    // the last word (say, the final iteration) is shown even if it came too soon
    if (pending !== undefined) write(`\r\x1b[2K${pending}`);
    if (shown || pending !== undefined) write("\n");
    shown = false;
    pending = undefined;
  };
  return progress;
}

/**
 * Runs wrk and reads its report: throughput, latency percentiles, errors,
 * and the counters `bench/mixed.lua` prints.
 * @module
 */

/** What one wrk run measured. */
export interface WrkResult {
  /** Requests per second. */
  rps: number;
  /** Median latency, ms. */
  p50: number;
  /** 99th percentile latency, ms. */
  p99: number;
  /** Non-2xx/3xx answers plus socket errors. */
  errors: number;
  /** Connect, read, write and timeout errors together. */
  socketErrors: number;
  /** Requests answered. */
  requests: number;
  /** The `mixed:` counters of `bench/mixed.lua`, when the script printed them. */
  mixed?: Record<string, number>;
  /** CPU seconds (user + system) wrk itself used, when it ran under `/usr/bin/time`. */
  cpuSeconds?: number;
}

/** wrk's latency text (`812.00us`, `1.20ms`, `2.01s`) in milliseconds. */
export function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

/** Reads the report wrk printed with `--latency` (and a script's `mixed:` line). */
export function parseWrk(text: string): WrkResult {
  const grab = (re: RegExp) => re.exec(text)?.[1] ?? "";
  const non2xx = Number(grab(/Non-2xx or 3xx responses: (\d+)/) || 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const line = /^mixed: (.*)$/m.exec(text)?.[1];
  const mixed = line === undefined ? undefined : Object.fromEntries(
    line.trim().split(/\s+/).map((pair) => {
      const [name, value] = pair.split("=");
      return [name!, Number(value)];
    }),
  );
  return {
    rps: Number(grab(/Requests\/sec:\s+([\d.]+)/)),
    p50: ms(grab(/^\s+50%\s+(\S+)/m)),
    p99: ms(grab(/^\s+99%\s+(\S+)/m)),
    errors: non2xx + socketErrors,
    socketErrors,
    requests: Number(grab(/(\d+) requests in/)),
    ...(mixed ? { mixed } : {}),
  };
}

/**
 * Runs `wrk -t2 --latency -s script url` for `seconds` at `connections`;
 * with `timed`, under `/usr/bin/time` to learn wrk's own CPU time (it shares
 * the cores with the server).
 */
export async function wrk(
  url: string,
  script: string,
  options: { connections: number; seconds: number; timed?: boolean },
): Promise<WrkResult> {
  const args = [
    "-t2",
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--latency",
    "-s",
    script,
    url,
  ];
  const out = await new Deno.Command(options.timed ? TIME : "wrk", {
    args: options.timed ? ["-f", "wrk cpu %U %S", "wrk", ...args] : args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`wrk exited ${out.code}: ${stderr}${text}`);
  const result = parseWrk(text);
  const cpu = /^wrk cpu ([\d.]+) ([\d.]+)$/m.exec(stderr);
  return cpu ? { ...result, cpuSeconds: Number(cpu[1]) + Number(cpu[2]) } : result;
}

const TIME = "/usr/bin/time";

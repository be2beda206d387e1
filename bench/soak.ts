/**
 * The soak of `bench/serve_bench.ts --soak SECONDS [--mix]`: wrk in
 * consecutive slices against a running server, resident memory sampled
 * throughout, and a Markdown report of errors, p99 per slice and memory
 * growth judged on medians and a fitted slope rather than one start/end pair
 * (a single pair is dominated by where V8's heap sizing happens to be).
 * @module
 */
import os from "node:os";
import { wrk, type WrkResult } from "./wrk.ts";

/** How to soak. */
export interface SoakOptions {
  /** Total load time in seconds. */
  seconds: number;
  /** Length of one wrk run; each gives a p99. */
  slice: number;
  /** The wrk script: `bench/mixed.lua` counts statuses, others only 2xx. */
  script: string;
  /** Mixed traffic: judge 4xx by the counts `bench/mixed.lua` prints. */
  mix: boolean;
  /** Concurrent connections (64). */
  connections?: number;
  /** Seconds between memory samples (5). */
  sampleEvery?: number;
}

/** One reading of the server's memory, `t` seconds after the soak began. */
export interface Sample {
  /** Seconds since the soak began. */
  t: number;
  /** `process_resident_memory_bytes`. */
  rss: number;
  /** `nodejs_heap_size_used_bytes`: the JS heap, live objects and garbage not yet collected. */
  heapUsed: number;
  /** `process_cpu_seconds_total`. */
  cpu: number;
}

/** What one slice measured. */
export interface Slice {
  /** wrk's report. */
  wrk: WrkResult;
  /** Seconds since the soak began when the slice started. */
  start: number;
  /** Seconds since the soak began when the slice ended. */
  end: number;
  /** Cores busy on average: the server, wrk, and everything else (other processes, kernel, hypervisor). */
  cores: { server: number; wrk: number; others: number };
}

const MIB = 2 ** 20;

/** The median (upper median for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** Pearson's correlation of two equally long series; NaN if either is constant. */
export function correlation(xs: readonly number[], ys: readonly number[]): number {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    const y = ys[i]!;
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Least-squares slope of y over x; NaN with fewer than two distinct x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? NaN : sxy / sxx;
}

/** Memory over a soak whose first slice, ending at `warm` seconds, is the warm-up. */
export interface MemoryReport {
  /** RSS of the sample taken when the warm-up slice ended. */
  afterWarmUp: number;
  /** Median RSS of the samples in the last two slices. */
  lastTwoSlices: number;
  /** Median RSS over the first minute after the warm-up. */
  firstMinute: number;
  /** Median RSS over the last minute. */
  lastMinute: number;
  /** `lastMinute / firstMinute - 1`: the growth the target is judged on. */
  growth: number;
  /** Least-squares slope of RSS after the warm-up, MiB per minute. */
  slopeMiBPerMin: number;
  /** Largest RSS after the warm-up. */
  max: number;
}

/** Judges memory growth from `samples` and the slice end times `ends`. */
export function memoryReport(samples: readonly Sample[], ends: readonly number[]): MemoryReport {
  const warm = ends[0]!;
  const end = ends[ends.length - 1]!;
  const after = samples.filter((s) => s.t >= warm);
  const rss = (xs: readonly Sample[]) => xs.map((s) => s.rss);
  const within = (from: number, to: number) => after.filter((s) => s.t >= from && s.t <= to);
  const atWarm = after.reduce((best, s) => (s.t - warm < best.t - warm ? s : best), after[0]!);
  const firstMinute = median(rss(within(warm, warm + 60)));
  const lastMinute = median(rss(within(end - 60, end)));
  return {
    afterWarmUp: atWarm.rss,
    lastTwoSlices: median(rss(within(ends.at(-3) ?? warm, end))),
    firstMinute,
    lastMinute,
    growth: lastMinute / firstMinute - 1,
    slopeMiBPerMin: slope(after.map((s) => [s.t / 60, s.rss / MIB] as const)),
    max: Math.max(...rss(after)),
  };
}

/** How the statuses of a mixed slice compare with what was sent. */
export interface MixCheck {
  /** 2xx answers. */
  ok: number;
  /** 4xx answers. */
  clientErrors: number;
  /** 5xx answers. */
  serverErrors: number;
  /** Answers of any other status. */
  other: number;
  /** Invalid requests sent (each must get its 4xx). */
  invalidSent: number;
  /** Every status class got what was sent, up to the requests in flight at the end. */
  matches: boolean;
  /** Why not, when it does not. */
  mismatches: string[];
}

/**
 * Compares the counters of `bench/mixed.lua`: answered ≤ sent for every
 * expected status, short by at most `tolerance` (requests in flight when wrk
 * stopped, one per connection, plus those lost to socket errors), and no
 * status that nothing asked for.
 */
export function checkMix(counts: Record<string, number>, tolerance: number): MixCheck {
  const c = (name: string) => counts[name] ?? NaN;
  const pairs: Array<[string, number, number]> = [
    ["2xx", c("sent_single") + c("sent_batch"), c("got_2xx")],
    ["400", c("sent_400"), c("got_400")],
    ["415", c("sent_415"), c("got_415")],
    ["422", c("sent_422"), c("got_422")],
  ];
  const mismatches: string[] = [];
  for (const [status, sent, got] of pairs) {
    if (!(got <= sent && sent - got <= tolerance)) {
      mismatches.push(`${status}: sent ${sent}, answered ${got}`);
    }
  }
  for (const name of ["got_4xx_other", "got_5xx", "got_other"]) {
    if (c(name) !== 0) mismatches.push(`${name.slice(4)}: ${c(name)}`);
  }
  return {
    ok: c("got_2xx"),
    clientErrors: c("got_400") + c("got_415") + c("got_422") + c("got_4xx_other"),
    serverErrors: c("got_5xx"),
    other: c("got_other"),
    invalidSent: c("sent_400") + c("sent_415") + c("sent_422"),
    matches: mismatches.length === 0,
    mismatches,
  };
}

/** Reads the server's resident memory and JS heap from its `/metrics`. */
async function sample(base: string, t: number): Promise<Sample> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1]);
  return {
    t,
    rss: read("process_resident_memory_bytes"),
    heapUsed: read("nodejs_heap_size_used_bytes"),
    cpu: Number(/^process_cpu_seconds_total ([\d.e+-]+)/m.exec(text)?.[1]),
  };
}

/** Idle CPU seconds of the whole machine (all cores) and the number of cores, from `os.cpus()`. */
function machineIdle(): { idle: number; cores: number } {
  const cpus = os.cpus();
  return { idle: cpus.reduce((a, { times }) => a + times.idle, 0) / 1000, cores: cpus.length };
}

/** Runs the soak against the server at `base` and returns the Markdown report. */
export async function soak(base: string, options: SoakOptions): Promise<string> {
  const connections = options.connections ?? 64;
  const count = Math.max(2, Math.round(options.seconds / options.slice));
  const started = performance.now();
  const now = () => (performance.now() - started) / 1000;
  const samples: Sample[] = [];
  let running = true;
  const sampler = (async () => {
    while (running) {
      try {
        samples.push(await sample(base, now()));
      } catch {
        // the slice loop samples too, and reports a server that went away
        return;
      }
      await new Promise((r) => setTimeout(r, (options.sampleEvery ?? 5) * 1000));
    }
  })();
  const slices: Slice[] = [];
  try {
    let before = { sample: await sample(base, now()), machine: machineIdle() };
    samples.push(before.sample);
    for (let i = 0; i < count; i++) {
      const result = await wrk(`${base}/predict`, options.script, {
        connections,
        seconds: options.slice,
        timed: true,
      });
      const after = { sample: await sample(base, now()), machine: machineIdle() };
      samples.push(after.sample);
      const { t: start } = before.sample;
      const { t: end } = after.sample;
      const wall = end - start;
      const server = (after.sample.cpu - before.sample.cpu) / wall;
      const wrkCores = (result.cpuSeconds ?? NaN) / wall;
      // not idle = busy, whoever was: os.cpus() leaves softirq and steal out of its busy fields
      const busy = after.machine.cores - (after.machine.idle - before.machine.idle) / wall;
      const others = busy - server - wrkCores;
      slices.push({ wrk: result, start, end, cores: { server, wrk: wrkCores, others } });
      before = after;
      console.error(
        `slice ${i + 1}/${count}: ${result.requests} requests, p99 ${result.p99} ms, RSS ${
          (after.sample.rss / MIB).toFixed(1)
        } MiB, cores server ${server.toFixed(2)} wrk ${wrkCores.toFixed(2)} others ${
          others.toFixed(2)
        }`,
      );
    }
  } finally {
    running = false;
    await sampler;
  }
  samples.sort((a, b) => a.t - b.t);
  return report(slices, samples, { ...options, connections });
}

function report(
  slices: readonly Slice[],
  samples: readonly Sample[],
  options: SoakOptions & { connections: number },
): string {
  const mib = (b: number) => `${(b / MIB).toFixed(1)} MiB`;
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
  const n = (x: number) => x.toLocaleString("en-US");
  const ends = slices.map((s) => s.end);
  const checks = slices.map((s) =>
    options.mix ? checkMix(s.wrk.mixed ?? {}, options.connections + s.wrk.socketErrors) : undefined
  );
  const requests = slices.reduce((a, s) => a + s.wrk.requests, 0);
  const socketErrors = slices.reduce((a, s) => a + s.wrk.socketErrors, 0);
  const seconds = ends.at(-1)!;
  const after = slices.slice(1).map((s) => s.wrk.p99);
  const p99 = { min: Math.min(...after), median: median(after), max: Math.max(...after) };
  const memory = memoryReport(samples, ends);
  const heapFloor = slices.map((s, i) => {
    const from = i === 0 ? 0 : ends[i - 1]!;
    return Math.min(...samples.filter((x) => x.t > from && x.t <= s.end).map((x) => x.heapUsed));
  });
  const sum = (pick: (c: MixCheck) => number) => checks.reduce((a, c) => a + (c ? pick(c) : 0), 0);
  const serverErrors = options.mix
    ? sum((c) => c.serverErrors)
    : slices.reduce((a, s) => a + s.wrk.errors - s.wrk.socketErrors, 0);
  const mismatches = checks.flatMap((c, i) =>
    c ? c.mismatches.map((m) => `slice ${i + 1}: ${m}`) : []
  );

  const lines = [
    `Deno ${Deno.version.deno}, \`wrk -t2 -c${options.connections} --latency\`, ${slices.length} slices × ${options.slice} s (each a new wrk run: connections are closed and reopened between slices), script \`${
      options.script.split("/").pop()
    }\`, ours at \`LOG_LEVEL=info\`, 127.0.0.1, ${new Date().toISOString().slice(0, 16)}Z`,
    "",
  ];
  if (options.mix) {
    lines.push(
      "| traffic | seconds | requests | 2xx | 4xx | invalid sent | 5xx | socket errors | req/s | p99 after warm-up min / median / max | max ÷ median |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
      `| mixed (\`bench/mixed.lua\`) | ${seconds.toFixed(0)} | ${n(requests)} | ${
        n(sum((c) => c.ok))
      } | ${n(sum((c) => c.clientErrors))} | ${n(sum((c) => c.invalidSent))} | ${
        n(serverErrors + sum((c) => c.other))
      } | ${n(socketErrors)} | ${n(Math.round(requests / seconds))} | ${p99.min.toFixed(2)} / ${
        p99.median.toFixed(2)
      } / ${p99.max.toFixed(2)} ms | ${(p99.max / p99.median).toFixed(2)} |`,
    );
  } else {
    lines.push(
      "| traffic | seconds | requests | non-2xx | socket errors | req/s | p99 after warm-up min / median / max | max ÷ median |",
      "|---|---|---|---|---|---|---|---|",
      `| single rows | ${seconds.toFixed(0)} | ${n(requests)} | ${n(serverErrors)} | ${
        n(socketErrors)
      } | ${n(Math.round(requests / seconds))} | ${p99.min.toFixed(2)} / ${
        p99.median.toFixed(2)
      } / ${p99.max.toFixed(2)} ms | ${(p99.max / p99.median).toFixed(2)} |`,
    );
  }
  lines.push(
    "",
    "| RSS after warm-up (end of slice 1) | median, last two slices | change | median, first minute after warm-up | median, last minute | growth | slope after warm-up | max after warm-up |",
    "|---|---|---|---|---|---|---|---|",
    `| ${mib(memory.afterWarmUp)} | ${mib(memory.lastTwoSlices)} | ${
      pct(memory.lastTwoSlices / memory.afterWarmUp - 1)
    } | ${mib(memory.firstMinute)} | ${mib(memory.lastMinute)} | ${pct(memory.growth)} | ${
      memory.slopeMiBPerMin >= 0 ? "+" : ""
    }${memory.slopeMiBPerMin.toFixed(2)} MiB/min | ${mib(memory.max)} |`,
    "",
    `| slice | ends at | requests | req/s | p50 | p99 | ${
      options.mix ? "2xx | 4xx | invalid sent | " : ""
    }5xx | RSS median | JS heap used, lowest sample | cores: server / wrk / everything else |`,
    `|---|---|---|---|---|---|${options.mix ? "---|---|---|" : ""}---|---|---|---|`,
  );
  slices.forEach((s, i) => {
    const from = i === 0 ? 0 : ends[i - 1]!;
    const rss = median(samples.filter((x) => x.t > from && x.t <= s.end).map((x) => x.rss));
    const c = checks[i];
    lines.push(
      `| ${i + 1}${i === 0 ? " (warm-up)" : ""} | ${s.end.toFixed(0)} s | ${n(s.wrk.requests)} | ${
        n(Math.round(s.wrk.rps))
      } | ${s.wrk.p50.toFixed(2)} ms | ${s.wrk.p99.toFixed(2)} ms | ${
        c ? `${n(c.ok)} | ${n(c.clientErrors)} | ${n(c.invalidSent)} | ` : ""
      }${c ? n(c.serverErrors + c.other) : n(s.wrk.errors - s.wrk.socketErrors)} | ${mib(rss)} | ${
        mib(heapFloor[i]!)
      } | ${s.cores.server.toFixed(2)} / ${s.cores.wrk.toFixed(2)} / ${
        s.cores.others.toFixed(2)
      } |`,
    );
  });
  // p99 is stable if it has no trend; its spread is read against what else ran
  const late = slices.slice(1);
  const half = Math.floor(late.length / 2);
  const firstHalf = median(late.slice(0, half).map((s) => s.wrk.p99));
  const secondHalf = median(late.slice(late.length - half).map((s) => s.wrk.p99));
  const withOthers = correlation(late.map((s) => s.wrk.p99), late.map((s) => s.cores.others));
  if (half > 0) {
    lines.push(
      "",
      `p99 after warm-up: median of the first ${half} slices ${
        firstHalf.toFixed(2)
      } ms, of the last ${half} ${secondHalf.toFixed(2)} ms (${
        pct(secondHalf / firstHalf - 1)
      }); correlation of a slice's p99 with the cores everything else used during it: ${
        withOthers.toFixed(2)
      }.`,
    );
  }
  lines.push(
    "",
    `Zero 5xx: ${serverErrors === 0 ? "yes" : `NO (${serverErrors})`}.` +
      (options.mix
        ? ` Every status as sent (each of 2xx/400/415/422 answered as often as sent, short by at most the ${options.connections} requests in flight when a slice ends; nothing else): ${
          mismatches.length === 0 ? "yes" : `NO: ${mismatches.join("; ")}`
        }.`
        : "") +
      ` RSS growth, last minute vs first minute after warm-up: ${pct(memory.growth)} (${
        memory.growth < 0.1 ? "under" : "NOT under"
      } 10 %).`,
    "",
    `RSS samples (MiB, every ~${options.sampleEvery ?? 5} s and at each slice end): ${
      samples.map((s) => (s.rss / MIB).toFixed(0)).join(", ")
    }`,
  );
  return lines.join("\n");
}

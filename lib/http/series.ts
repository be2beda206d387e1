/**
 * Counters and histograms for the request hot path, registered on a
 * prom-client Registry like any metric. prom-client's own `inc()` and
 * `observe()` hash the label object on every call (about 1-2 µs each here);
 * these resolve a label set to its series once and then only add numbers.
 * The exposition text is prom-client's: each metric implements the
 * `get()` contract its Registry formats.
 * @module
 */
import type { Registry } from "prom-client";

type Labels<L extends string> = Readonly<Record<L, string>>;

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** Options shared by both kinds. */
export interface SeriesOptions<L extends string> {
  /** Metric name. */
  name: string;
  /** HELP text. */
  help: string;
  /** Label names, in exposition order. */
  labelNames: readonly L[];
  /** The registry to register on. */
  registry: Registry;
}

abstract class SeriesMetric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = "sum";
  abstract readonly type: "counter" | "histogram";
  protected readonly names: readonly L[];
  protected readonly series = new Map<string, { labels: Labels<L>; data: S }>();

  constructor(options: SeriesOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.names = options.labelNames;
    options.registry.registerMetric(this as never);
  }

  protected abstract fresh(): S;

  /** The series for `labels`, created on first use; keep it to update cheaply. */
  protected find(labels: Labels<L>): S {
    let key = "";
    for (const name of this.names) key += labels[name] + "\u0000";
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: { ...labels }, data: this.fresh() };
      this.series.set(key, entry);
    }
    return entry.data;
  }

  /** Drops every series. */
  reset(): void {
    this.series.clear();
  }

  /** prom-client's contract: the values to format. */
  abstract get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: MetricValue[];
  };
}

/** A counter series. */
export interface CounterSeries {
  /** Adds `n` (default 1). */
  inc(n?: number): void;
}

/** A labelled counter with cheap updates through {@link LabelledCounter.series}. */
export class LabelledCounter<L extends string> extends SeriesMetric<L, { value: number }> {
  readonly type = "counter" as const;

  protected fresh() {
    return { value: 0 };
  }

  /** The updatable series for `labels`. */
  labels(labels: Labels<L>): CounterSeries {
    const data = this.find(labels);
    return { inc: (n = 1) => void (data.value += n) };
  }

  /** Adds `n` to the series for `labels` (looks it up each call). */
  inc(labels: Labels<L>, n = 1): void {
    this.find(labels).value += n;
  }

  get() {
    const values = [...this.series.values()].map(({ labels, data }) => ({
      value: data.value,
      labels: { ...labels },
    }));
    return { name: this.name, help: this.help, type: this.type, aggregator: "sum", values };
  }
}

/** A histogram series. */
export interface HistogramSeries {
  /** Records one observation. */
  observe(value: number): void;
}

interface HistogramData {
  counts: Float64Array;
  sum: number;
  count: number;
}

/** A labelled histogram with cheap updates through {@link LabelledHistogram.labels}. */
export class LabelledHistogram<L extends string> extends SeriesMetric<L, HistogramData> {
  readonly type = "histogram" as const;
  readonly #bounds: readonly number[];

  /** Creates a histogram with the given upper bucket bounds (ascending). */
  constructor(options: SeriesOptions<L> & { buckets: readonly number[] }) {
    super(options);
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected fresh(): HistogramData {
    return { counts: new Float64Array(this.#bounds.length), sum: 0, count: 0 };
  }

  /** The updatable series for `labels`. */
  labels(labels: Labels<L>): HistogramSeries {
    const data = this.find(labels);
    const bounds = this.#bounds;
    return {
      observe(value) {
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        if (i < bounds.length) data.counts[i]!++;
        data.sum += value;
        data.count++;
      },
    };
  }

  get() {
    const values: MetricValue[] = [];
    for (const { labels, data } of this.series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += data.counts[i]!;
        values.push({
          value: cumulative,
          labels: { ...labels, le },
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({
        value: data.count,
        labels: { ...labels, le: "+Inf" },
        metricName: `${this.name}_bucket`,
      });
      values.push({ value: data.sum, labels: { ...labels }, metricName: `${this.name}_sum` });
      values.push({ value: data.count, labels: { ...labels }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: "sum", values };
  }
}

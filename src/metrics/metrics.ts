/**
 * The metric reporter: in-memory counters, gauges and histograms under the original pmmux names (SPEC §15).
 * Recording is a map update and never blocks; sinks (Prometheus, OTLP) read snapshots on their own schedule.
 *
 * @module
 */

/** Metric labels. Keep cardinality low: no per-connection values unless the user asked for them. */
export type Labels = Readonly<Record<string, string>>;

/** Kind of a metric series. */
export type MetricKind = "counter" | "gauge" | "histogram";

/** One series in a snapshot. */
export interface Series {
  readonly name: string;
  readonly kind: MetricKind;
  readonly labels: Labels;
  /** Counter total, gauge value, or histogram sum. */
  readonly value: number;
  /** Histogram only: number of observations. */
  readonly count?: number;
  /** Histogram only: cumulative bucket counts by upper bound. */
  readonly buckets?: ReadonlyArray<readonly [number, number]>;
}

/** The recording interface handed to components. */
export interface Metrics {
  /** Adds `value` (default 1) to a counter. */
  add(name: string, value?: number, labels?: Labels): void;
  /** Sets a gauge. */
  set(name: string, value: number, labels?: Labels): void;
  /** Records one histogram observation (milliseconds or bytes). */
  observe(name: string, value: number, labels?: Labels): void;
  /** A pre-resolved counter for hot paths (no label hashing per call). */
  counter(name: string, labels?: Labels): Counter;
  /** A pre-resolved gauge for hot paths. */
  gauge(name: string, labels?: Labels): Gauge;
  /** A pre-resolved histogram for hot paths. */
  histogram(name: string, labels?: Labels): Histogram;
  /** A consistent copy of every series. */
  snapshot(): Series[];
}

/** A pre-resolved counter series. */
export interface Counter {
  /** Adds `value` (default 1). */
  add(value?: number): void;
}

/** A pre-resolved gauge series. */
export interface Gauge {
  /** Sets the value. */
  set(value: number): void;
}

/** A pre-resolved histogram series. */
export interface Histogram {
  /** Records one observation. */
  observe(value: number): void;
}

const BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

interface Entry {
  name: string;
  kind: MetricKind;
  labels: Labels;
  value: number;
  count: number;
  buckets?: number[];
}

function record(e: Entry, value: number): void {
  e.value += value;
  e.count++;
  for (let i = 0; i < BUCKETS.length; i++) if (value <= BUCKETS[i]) e.buckets![i]++;
}

/** Options for {@linkcode createMetrics}. */
export interface MetricsOptions {
  /** Called for every recorded value (the `--log-metrics` trace hook). */
  onRecord?: (name: string, value: number, labels?: Labels) => void;
}

/** Creates an in-memory metric reporter. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const series = new Map<string, Entry>();
  const onRecord = options.onRecord;
  function entry(name: string, kind: MetricKind, labels: Labels | undefined): Entry {
    const key = labels ? name + JSON.stringify(labels) : name;
    let e = series.get(key);
    if (!e) {
      e = { name, kind, labels: labels ?? {}, value: 0, count: 0 };
      if (kind === "histogram") e.buckets = new Array(BUCKETS.length).fill(0);
      series.set(key, e);
    }
    return e;
  }
  return {
    add(name, value = 1, labels) {
      entry(name, "counter", labels).value += value;
      onRecord?.(name, value, labels);
    },
    set(name, value, labels) {
      entry(name, "gauge", labels).value = value;
      onRecord?.(name, value, labels);
    },
    observe(name, value, labels) {
      record(entry(name, "histogram", labels), value);
      onRecord?.(name, value, labels);
    },
    gauge(name, labels) {
      const e = entry(name, "gauge", labels);
      return {
        set(value) {
          e.value = value;
          onRecord?.(name, value, labels);
        },
      };
    },
    histogram(name, labels) {
      const e = entry(name, "histogram", labels);
      return {
        observe(value) {
          record(e, value);
          onRecord?.(name, value, labels);
        },
      };
    },
    counter(name, labels) {
      const e = entry(name, "counter", labels);
      return {
        add(value = 1) {
          e.value += value;
          onRecord?.(name, value, labels);
        },
      };
    },
    snapshot() {
      const out: Series[] = [];
      for (const e of series.values()) {
        out.push({
          name: e.name,
          kind: e.kind,
          labels: e.labels,
          value: e.value,
          ...(e.kind === "histogram"
            ? { count: e.count, buckets: BUCKETS.map((b, i) => [b, e.buckets![i]] as const) }
            : {}),
        });
      }
      return out;
    },
  };
}

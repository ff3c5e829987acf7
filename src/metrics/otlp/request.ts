/**
 * Builds an OTLP `ExportMetricsServiceRequest` (opentelemetry/proto/collector/metrics/v1) from a metrics
 * snapshot. The types mirror the proto messages with their lowerCamelCase JSON field names and carry 64-bit
 * integers (`fixed64`, `sfixed64`) as `bigint`, so the JSON encoding is this tree as JSON and the protobuf
 * encoding walks the same tree.
 *
 * Mapping: counters → cumulative monotonic `Sum`, gauges → `Gauge`, histograms → cumulative `Histogram` with
 * explicit bounds; labels → data point attributes; every point starts at the process start.
 *
 * @module
 */
import type { Labels, Series } from "../metrics.ts";

/** `AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE`. */
export const AGGREGATION_TEMPORALITY_CUMULATIVE = 2;

/** `common.v1.KeyValue` with a string `AnyValue` (the only kind pmmux labels have). */
export interface KeyValue {
  readonly key: string;
  readonly value: { readonly stringValue: string };
}

/** `metrics.v1.NumberDataPoint`: exactly one of `asInt` and `asDouble` is set. */
export interface NumberDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly asInt?: bigint;
  readonly asDouble?: number;
}

/** `metrics.v1.HistogramDataPoint` with explicit bounds (`bucketCounts.length === explicitBounds.length + 1`). */
export interface HistogramDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: bigint;
  readonly sum: number;
  /** Per-bucket (not cumulative) counts; the last one counts values above the last bound. */
  readonly bucketCounts: readonly bigint[];
  readonly explicitBounds: readonly number[];
}

/** `metrics.v1.Metric`: exactly one of `sum`, `gauge` and `histogram` is set. */
export interface Metric {
  readonly name: string;
  readonly unit?: string;
  readonly sum?: {
    readonly dataPoints: readonly NumberDataPoint[];
    readonly aggregationTemporality: number;
    readonly isMonotonic: boolean;
  };
  readonly gauge?: { readonly dataPoints: readonly NumberDataPoint[] };
  readonly histogram?: {
    readonly dataPoints: readonly HistogramDataPoint[];
    readonly aggregationTemporality: number;
  };
}

/** `collector.metrics.v1.ExportMetricsServiceRequest` with one resource and one scope. */
export interface ExportMetricsServiceRequest {
  readonly resourceMetrics: readonly {
    readonly resource: { readonly attributes: readonly KeyValue[] };
    readonly scopeMetrics: readonly {
      readonly scope: { readonly name: string; readonly version?: string };
      readonly metrics: readonly Metric[];
    }[];
  }[];
}

/** Options for {@linkcode toExportRequest}. */
export interface ExportRequestOptions {
  /** The `service.name` resource attribute. */
  serviceName: string;
  /** The `service.version` resource attribute and the scope's version; omitted when unset. */
  version?: string;
  /** Start of every cumulative series, in milliseconds since the epoch (the process start). */
  startTime: number;
  /** Time of the snapshot, in milliseconds since the epoch. */
  time: number;
}

/** The instrumentation scope name of pmmux's metrics. */
export const SCOPE_NAME = "pmmux";

/**
 * Milliseconds since the epoch (fractions allowed) as nanoseconds.
 *
 * @example unixNano(1.5) // 1500000n
 */
export function unixNano(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/** The UCUM unit of a pmmux metric, from its name's last segment. */
function unitOf(name: string): string | undefined {
  if (name.endsWith(".duration")) return "ms";
  if (name.endsWith(".bytes")) return "By";
  return undefined;
}

function attributes(labels: Labels): KeyValue[] {
  return Object.entries(labels).map(([key, v]) => ({ key, value: { stringValue: v } }));
}

function numberPoint(s: Series, start: bigint, time: bigint): NumberDataPoint {
  const value = Number.isSafeInteger(s.value) ? { asInt: BigInt(s.value) } : { asDouble: s.value };
  return { attributes: attributes(s.labels), startTimeUnixNano: start, timeUnixNano: time, ...value };
}

/** Our buckets count every value up to their bound (cumulative); OTLP's count each bucket on its own. */
function histogramPoint(s: Series, start: bigint, time: bigint): HistogramDataPoint {
  const buckets = s.buckets ?? [];
  const total = s.count ?? 0;
  const bucketCounts: bigint[] = [];
  let below = 0;
  for (const [, cumulative] of buckets) {
    bucketCounts.push(BigInt(Math.max(0, cumulative - below)));
    below = cumulative;
  }
  bucketCounts.push(BigInt(Math.max(0, total - below)));
  return {
    attributes: attributes(s.labels),
    startTimeUnixNano: start,
    timeUnixNano: time,
    count: BigInt(total),
    sum: s.value,
    bucketCounts,
    explicitBounds: buckets.map(([bound]) => bound),
  };
}

/**
 * Converts a snapshot to an export request: one `Metric` per name (series of one name are its data points;
 * a series whose kind differs from the first of its name is left out, as in the Prometheus renderer).
 *
 * @example
 * ```ts
 * const request = toExportRequest(metrics.snapshot(), { serviceName: "pmmux", startTime, time: Date.now() });
 * ```
 */
export function toExportRequest(
  series: readonly Series[],
  options: ExportRequestOptions,
): ExportMetricsServiceRequest {
  const start = unixNano(options.startTime);
  const time = unixNano(options.time);
  const byName = new Map<string, Series[]>();
  for (const s of series) {
    const same = byName.get(s.name);
    if (!same) byName.set(s.name, [s]);
    else if (same[0].kind === s.kind) same.push(s);
  }
  const metrics: Metric[] = [];
  for (const [name, list] of byName) {
    const unit = unitOf(name);
    const head = { name, ...(unit ? { unit } : {}) };
    switch (list[0].kind) {
      case "counter":
        metrics.push({
          ...head,
          sum: {
            dataPoints: list.map((s) => numberPoint(s, start, time)),
            aggregationTemporality: AGGREGATION_TEMPORALITY_CUMULATIVE,
            isMonotonic: true,
          },
        });
        break;
      case "gauge":
        metrics.push({ ...head, gauge: { dataPoints: list.map((s) => numberPoint(s, start, time)) } });
        break;
      case "histogram":
        metrics.push({
          ...head,
          histogram: {
            dataPoints: list.map((s) => histogramPoint(s, start, time)),
            aggregationTemporality: AGGREGATION_TEMPORALITY_CUMULATIVE,
          },
        });
        break;
    }
  }
  const resource = [{ key: "service.name", value: { stringValue: options.serviceName } }];
  if (options.version) resource.push({ key: "service.version", value: { stringValue: options.version } });
  return {
    resourceMetrics: [{
      resource: { attributes: resource },
      scopeMetrics: [{
        scope: { name: SCOPE_NAME, ...(options.version ? { version: options.version } : {}) },
        metrics,
      }],
    }],
  };
}

/**
 * OTLP/protobuf (the `HttpProtobuf` protocol): the export request in the protobuf binary format, written with
 * `@bufbuild/protobuf`'s wire writer under the field numbers of opentelemetry-proto
 * (`collector/metrics/v1/metrics_service.proto`, `metrics/v1/metrics.proto`, `common/v1/common.proto`,
 * `resource/v1/resource.proto`).
 *
 * @module
 */
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type {
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
} from "./request.ts";
import type { OtlpEncoding } from "./types.ts";

const LEN = WireType.LengthDelimited;
const I64 = WireType.Bit64;
const VARINT = WireType.Varint;

/** `repeated KeyValue` at `field`: KeyValue { key = 1; AnyValue value = 2 { string_value = 1 } }. */
function keyValues(w: BinaryWriter, field: number, list: readonly KeyValue[]): void {
  for (const kv of list) {
    w.tag(field, LEN).fork();
    w.tag(1, LEN).string(kv.key);
    w.tag(2, LEN).fork().tag(1, LEN).string(kv.value.stringValue).join();
    w.join();
  }
}

/** NumberDataPoint { start_time_unix_nano = 2; time_unix_nano = 3; as_double = 4; as_int = 6; attributes = 7 } */
function numberPoint(w: BinaryWriter, p: NumberDataPoint): void {
  w.tag(1, LEN).fork();
  w.tag(2, I64).fixed64(p.startTimeUnixNano);
  w.tag(3, I64).fixed64(p.timeUnixNano);
  if (p.asInt !== undefined) w.tag(6, I64).sfixed64(p.asInt);
  else w.tag(4, I64).double(p.asDouble ?? 0);
  keyValues(w, 7, p.attributes);
  w.join();
}

/**
 * HistogramDataPoint { start_time_unix_nano = 2; time_unix_nano = 3; count = 4; sum = 5;
 * bucket_counts = 6 (packed fixed64); explicit_bounds = 7 (packed double); attributes = 9 }
 */
function histogramPoint(w: BinaryWriter, p: HistogramDataPoint): void {
  w.tag(1, LEN).fork();
  w.tag(2, I64).fixed64(p.startTimeUnixNano);
  w.tag(3, I64).fixed64(p.timeUnixNano);
  w.tag(4, I64).fixed64(p.count);
  w.tag(5, I64).double(p.sum);
  w.tag(6, LEN).fork();
  for (const c of p.bucketCounts) w.fixed64(c);
  w.join();
  if (p.explicitBounds.length > 0) {
    w.tag(7, LEN).fork();
    for (const b of p.explicitBounds) w.double(b);
    w.join();
  }
  keyValues(w, 9, p.attributes);
  w.join();
}

/**
 * Metric { name = 1; unit = 3; gauge = 5; sum = 7; histogram = 9 } with
 * Gauge { data_points = 1 }, Sum { data_points = 1; aggregation_temporality = 2; is_monotonic = 3 },
 * Histogram { data_points = 1; aggregation_temporality = 2 }.
 */
function metric(w: BinaryWriter, m: Metric): void {
  w.tag(2, LEN).fork();
  w.tag(1, LEN).string(m.name);
  if (m.unit) w.tag(3, LEN).string(m.unit);
  if (m.gauge) {
    w.tag(5, LEN).fork();
    for (const p of m.gauge.dataPoints) numberPoint(w, p);
    w.join();
  } else if (m.sum) {
    w.tag(7, LEN).fork();
    for (const p of m.sum.dataPoints) numberPoint(w, p);
    w.tag(2, VARINT).int32(m.sum.aggregationTemporality);
    w.tag(3, VARINT).bool(m.sum.isMonotonic);
    w.join();
  } else if (m.histogram) {
    w.tag(9, LEN).fork();
    for (const p of m.histogram.dataPoints) histogramPoint(w, p);
    w.tag(2, VARINT).int32(m.histogram.aggregationTemporality);
    w.join();
  }
  w.join();
}

/**
 * Encodes an export request as OTLP/protobuf:
 * ExportMetricsServiceRequest { resource_metrics = 1 } → ResourceMetrics { resource = 1 { attributes = 1 };
 * scope_metrics = 2 } → ScopeMetrics { scope = 1 { name = 1; version = 2 }; metrics = 2 }.
 */
export function encodeProtobuf(request: ExportMetricsServiceRequest): Uint8Array<ArrayBuffer> {
  const w = new BinaryWriter();
  for (const rm of request.resourceMetrics) {
    w.tag(1, LEN).fork();
    w.tag(1, LEN).fork();
    keyValues(w, 1, rm.resource.attributes);
    w.join();
    for (const sm of rm.scopeMetrics) {
      w.tag(2, LEN).fork();
      w.tag(1, LEN).fork().tag(1, LEN).string(sm.scope.name);
      if (sm.scope.version) w.tag(2, LEN).string(sm.scope.version);
      w.join();
      for (const m of sm.metrics) metric(w, m);
      w.join();
    }
    w.join();
  }
  return w.finish();
}

/** The `HttpProtobuf` encoding. */
export const PROTOBUF_ENCODING: OtlpEncoding = {
  protocol: "HttpProtobuf",
  contentType: "application/x-protobuf",
  encode: encodeProtobuf,
};

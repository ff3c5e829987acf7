import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { encodeJson, JSON_ENCODING } from "../../src/metrics/otlp/json.ts";
import { OTLP_ENCODINGS } from "../../src/metrics/otlp/encodings.ts";
import {
  AGGREGATION_TEMPORALITY_CUMULATIVE,
  toExportRequest,
  unixNano,
} from "../../src/metrics/otlp/request.ts";

// 2026-01-02T03:04:05.678Z and 12.5 s later.
const START = 1767323045678;
const TIME = START + 12500;
const OPTIONS = { serviceName: "edge-mux", version: "1.2.3", startTime: START, time: TIME };

/** The request as OTLP/JSON, parsed back (what a receiver sees). */
function exported(record: (m: ReturnType<typeof createMetrics>) => void, options = OPTIONS) {
  const m = createMetrics();
  record(m);
  return JSON.parse(encodeJson(toExportRequest(m.snapshot(), options)));
}

function metric(json: any, name: string): any {
  const found = json.resourceMetrics[0].scopeMetrics[0].metrics.filter((x: any) => x.name === name);
  assert.equal(found.length, 1, `one metric named ${name}`);
  return found[0];
}

describe("OTLP/JSON encoding of ExportMetricsServiceRequest", () => {
  test("unixNano() turns epoch milliseconds into exact nanoseconds", () => {
    assert.equal(unixNano(0), 0n);
    assert.equal(unixNano(1.5), 1_500_000n);
    assert.equal(unixNano(START), 1767323045678000000n);
    assert.equal(unixNano(START + 0.25), 1767323045678250000n);
  });

  test("the resource carries service.name and service.version, the scope is pmmux with its version", () => {
    const json = exported((m) => m.add("router.connection.total", 1, { protocol: "Tcp" }));
    assert.deepEqual(Object.keys(json), ["resourceMetrics"]);
    assert.equal(json.resourceMetrics.length, 1);
    const rm = json.resourceMetrics[0];
    // Resource.attributes (field 1): repeated KeyValue { key = 1; AnyValue value = 2 { string_value = 1 } }
    assert.deepEqual(rm.resource, {
      attributes: [
        { key: "service.name", value: { stringValue: "edge-mux" } },
        { key: "service.version", value: { stringValue: "1.2.3" } },
      ],
    });
    assert.equal(rm.scopeMetrics.length, 1);
    // InstrumentationScope { name = 1; version = 2 }
    assert.deepEqual(rm.scopeMetrics[0].scope, { name: "pmmux", version: "1.2.3" });
  });

  test("without a version the resource has service.name only and the scope no version", () => {
    const json = exported((m) => m.add("router.connection.total"), {
      ...OPTIONS,
      version: undefined as unknown as string,
    });
    assert.deepEqual(json.resourceMetrics[0].resource.attributes, [
      { key: "service.name", value: { stringValue: "edge-mux" } },
    ]);
    assert.deepEqual(json.resourceMetrics[0].scopeMetrics[0].scope, { name: "pmmux" });
  });

  test("a counter is a cumulative monotonic Sum with one NumberDataPoint per label set", () => {
    const json = exported((m) => {
      m.add("router.connection.routed", 2, { backend: "web", protocol: "Tcp" });
      m.add("router.connection.routed", 5, { backend: "ssh", protocol: "Tcp" });
    });
    const routed = metric(json, "router.connection.routed");
    // Metric { name = 1; description = 2; unit = 3; oneof data { gauge = 5; sum = 7; histogram = 9 } }
    assert.deepEqual(Object.keys(routed).sort(), ["name", "sum"]);
    // Sum { data_points = 1; aggregation_temporality = 2; is_monotonic = 3 }; enums are integers in OTLP/JSON.
    assert.equal(routed.sum.aggregationTemporality, 2);
    assert.equal(AGGREGATION_TEMPORALITY_CUMULATIVE, 2);
    assert.equal(routed.sum.isMonotonic, true);
    // NumberDataPoint { attributes = 7; start_time_unix_nano = 2 (fixed64); time_unix_nano = 3 (fixed64);
    // as_int = 6 (sfixed64) }: 64-bit integers are decimal strings in OTLP/JSON.
    assert.deepEqual(routed.sum.dataPoints, [
      {
        attributes: [
          { key: "backend", value: { stringValue: "web" } },
          { key: "protocol", value: { stringValue: "Tcp" } },
        ],
        startTimeUnixNano: "1767323045678000000",
        timeUnixNano: "1767323058178000000",
        asInt: "2",
      },
      {
        attributes: [
          { key: "backend", value: { stringValue: "ssh" } },
          { key: "protocol", value: { stringValue: "Tcp" } },
        ],
        startTimeUnixNano: "1767323045678000000",
        timeUnixNano: "1767323058178000000",
        asInt: "5",
      },
    ]);
  });

  test("a byte counter has the unit By and a series without labels has no attributes", () => {
    const json = exported((m) => m.add("client.ingress.bytes", 1234));
    assert.deepEqual(metric(json, "client.ingress.bytes"), {
      name: "client.ingress.bytes",
      unit: "By",
      sum: {
        dataPoints: [{
          attributes: [],
          startTimeUnixNano: "1767323045678000000",
          timeUnixNano: "1767323058178000000",
          asInt: "1234",
        }],
        aggregationTemporality: 2,
        isMonotonic: true,
      },
    });
  });

  test("a gauge is a Gauge; a value that is not an integer goes in as_double", () => {
    const json = exported((m) => {
      m.set("backend.status", 4, { backend: "web" });
      m.set("backend.load", 0.75);
    });
    assert.deepEqual(metric(json, "backend.status"), {
      name: "backend.status",
      gauge: {
        dataPoints: [{
          attributes: [{ key: "backend", value: { stringValue: "web" } }],
          startTimeUnixNano: "1767323045678000000",
          timeUnixNano: "1767323058178000000",
          asInt: "4",
        }],
      },
    });
    const load = metric(json, "backend.load").gauge.dataPoints[0];
    assert.equal(load.asDouble, 0.75);
    assert.equal("asInt" in load, false);
  });

  test("a histogram is a cumulative Histogram whose per-bucket counts come from our cumulative ones", () => {
    const json = exported((m) => {
      for (const v of [0.5, 1, 3, 3, 700, 20000]) {
        m.observe("router.selection.duration", v, { protocol: "Tcp" });
      }
    });
    const h = metric(json, "router.selection.duration");
    assert.equal(h.unit, "ms");
    // Histogram { data_points = 1; aggregation_temporality = 2 }
    assert.equal(h.histogram.aggregationTemporality, 2);
    assert.equal(h.histogram.dataPoints.length, 1);
    const p = h.histogram.dataPoints[0];
    // HistogramDataPoint { attributes = 9; start_time_unix_nano = 2; time_unix_nano = 3; count = 4 (fixed64);
    // sum = 5 (double); bucket_counts = 6 (repeated fixed64); explicit_bounds = 7 (repeated double) }
    assert.deepEqual(p, {
      attributes: [{ key: "protocol", value: { stringValue: "Tcp" } }],
      startTimeUnixNano: "1767323045678000000",
      timeUnixNano: "1767323058178000000",
      count: "6",
      sum: 20707.5,
      // (-inf,1] (1,2] (2,5] (5,10] (10,25] (25,50] (50,100] (100,250] (250,500] (500,1000] ... (10000,+inf)
      bucketCounts: ["2", "0", "2", "0", "0", "0", "0", "0", "0", "1", "0", "0", "0", "1"],
      explicitBounds: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
    });
    assert.equal(p.bucketCounts.length, p.explicitBounds.length + 1);
    assert.equal(p.bucketCounts.reduce((a: number, c: string) => a + Number(c), 0), 6);
  });

  test("non-finite doubles are the strings NaN, Infinity and -Infinity", () => {
    const json = exported((m) => {
      m.set("a", NaN);
      m.set("b", Infinity);
      m.set("c", -Infinity);
    });
    assert.equal(metric(json, "a").gauge.dataPoints[0].asDouble, "NaN");
    assert.equal(metric(json, "b").gauge.dataPoints[0].asDouble, "Infinity");
    assert.equal(metric(json, "c").gauge.dataPoints[0].asDouble, "-Infinity");
  });

  test("series of one name with a different kind than the first are left out", () => {
    const json = exported((m) => {
      m.add("mixed", 1, { a: "1" });
      m.set("mixed", 9, { a: "2" });
    });
    const mixed = metric(json, "mixed");
    assert.equal(mixed.sum.dataPoints.length, 1);
    assert.equal(mixed.gauge, undefined);
  });

  test("an empty snapshot gives a request with no metrics", () => {
    const json = exported(() => {});
    assert.deepEqual(json.resourceMetrics[0].scopeMetrics[0].metrics, []);
  });

  test("HttpJson is sent as application/json and is listed among the encodings", () => {
    assert.equal(JSON_ENCODING.protocol, "HttpJson");
    assert.equal(JSON_ENCODING.contentType, "application/json");
    assert.ok(OTLP_ENCODINGS.includes(JSON_ENCODING));
  });
});

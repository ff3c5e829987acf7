import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { createOtlpExporter } from "../../src/metrics/otlp/exporter.ts";
import { OTLP_ENCODINGS } from "../../src/metrics/otlp/encodings.ts";
import { encodeProtobuf, PROTOBUF_ENCODING } from "../../src/metrics/otlp/protobuf.ts";
import { toExportRequest } from "../../src/metrics/otlp/request.ts";
import { startReceiver } from "./otlp_receiver.ts";

// A test-only protobuf reader, independent of the writer library: a message is a map from field number to
// the raw values of that field (varints as bigint, 64-bit and length-delimited fields as bytes).
type Raw = bigint | Uint8Array;
type Message = Map<number, Raw[]>;

function decode(bytes: Uint8Array): Message {
  const out: Message = new Map();
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n;; shift += 7n) {
      const b = bytes[i++];
      assert.ok(b !== undefined, "truncated varint");
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (i < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    let value: Raw;
    switch (key & 7) {
      case 0:
        value = varint();
        break;
      case 1:
        value = bytes.subarray(i, i += 8);
        break;
      case 2: {
        const n = Number(varint());
        value = bytes.subarray(i, i += n);
        break;
      }
      default:
        throw new Error(`Unexpected wire type ${key & 7} for field ${field}`);
    }
    assert.ok(i <= bytes.length, "truncated field");
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

function one(m: Message, field: number): Raw {
  const v = m.get(field);
  assert.equal(v?.length, 1, `field ${field} once`);
  return v![0];
}
const sub = (m: Message, field: number) => decode(one(m, field) as Uint8Array);
const subs = (m: Message, field: number) => (m.get(field) ?? []).map((b) => decode(b as Uint8Array));
const str = (m: Message, field: number) => new TextDecoder().decode(one(m, field) as Uint8Array);
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const fixed64 = (m: Message, field: number) => view(one(m, field) as Uint8Array).getBigUint64(0, true);
const sfixed64 = (m: Message, field: number) => view(one(m, field) as Uint8Array).getBigInt64(0, true);
const double = (m: Message, field: number) => view(one(m, field) as Uint8Array).getFloat64(0, true);
function packed64(m: Message, field: number, read: (d: DataView, at: number) => number | bigint) {
  const b = one(m, field) as Uint8Array;
  assert.equal(b.length % 8, 0);
  return Array.from({ length: b.length / 8 }, (_, k) => read(view(b), k * 8));
}
/** KeyValue { key = 1; AnyValue value = 2 { string_value = 1 } } as [key, value]. */
const attrs = (m: Message, field: number) => subs(m, field).map((kv) => [str(kv, 1), str(sub(kv, 2), 1)]);

const START = 1767323045678;
const TIME = START + 12500;

function request() {
  const m = createMetrics();
  m.add("router.connection.routed", 2, { backend: "web", protocol: "Tcp" });
  m.add("client.ingress.bytes", 1234);
  m.set("backend.status", 4, { backend: "web" });
  m.set("backend.load", 0.75);
  for (const v of [0.5, 1, 3, 3, 700, 20000]) m.observe("router.selection.duration", v, { protocol: "Tcp" });
  return toExportRequest(m.snapshot(), {
    serviceName: "edge-mux",
    version: "1.2.3",
    startTime: START,
    time: TIME,
  });
}

/** The Metric messages by name. */
function metricsOf(bytes: Uint8Array): Map<string, Message> {
  const rm = sub(decode(bytes), 1); // ExportMetricsServiceRequest.resource_metrics = 1
  const sm = sub(rm, 2); // ResourceMetrics.scope_metrics = 2
  return new Map(subs(sm, 2).map((metric) => [str(metric, 1), metric])); // ScopeMetrics.metrics = 2
}

describe("OTLP/protobuf encoding of ExportMetricsServiceRequest", () => {
  test("resource and scope: Resource.attributes = 1, InstrumentationScope { name = 1; version = 2 }", () => {
    const req = decode(encodeProtobuf(request()));
    assert.deepEqual([...req.keys()], [1]);
    const rm = sub(req, 1);
    assert.deepEqual(attrs(sub(rm, 1), 1), [["service.name", "edge-mux"], ["service.version", "1.2.3"]]);
    const scope = sub(sub(rm, 2), 1);
    assert.equal(str(scope, 1), "pmmux");
    assert.equal(str(scope, 2), "1.2.3");
  });

  test("a counter is Metric.sum = 7 with cumulative temporality, monotonic, as_int points", () => {
    const routed = metricsOf(encodeProtobuf(request())).get("router.connection.routed")!;
    assert.deepEqual([...routed.keys()].sort(), [1, 7]);
    const sum = sub(routed, 7);
    assert.equal(one(sum, 2), 2n); // aggregation_temporality = CUMULATIVE
    assert.equal(one(sum, 3), 1n); // is_monotonic = true
    const [p] = subs(sum, 1);
    assert.equal(fixed64(p, 2), 1767323045678000000n); // start_time_unix_nano
    assert.equal(fixed64(p, 3), 1767323058178000000n); // time_unix_nano
    assert.equal(sfixed64(p, 6), 2n); // as_int
    assert.equal(p.has(4), false); // no as_double
    assert.deepEqual(attrs(p, 7), [["backend", "web"], ["protocol", "Tcp"]]);
    const bytes = metricsOf(encodeProtobuf(request())).get("client.ingress.bytes")!;
    assert.equal(str(bytes, 3), "By"); // unit
    assert.equal(sfixed64(subs(sub(bytes, 7), 1)[0], 6), 1234n);
  });

  test("a gauge is Metric.gauge = 5; a fractional value is as_double = 4", () => {
    const metrics = metricsOf(encodeProtobuf(request()));
    const [status] = subs(sub(metrics.get("backend.status")!, 5), 1);
    assert.equal(sfixed64(status, 6), 4n);
    const [load] = subs(sub(metrics.get("backend.load")!, 5), 1);
    assert.equal(double(load, 4), 0.75);
    assert.equal(load.has(6), false);
  });

  test("a histogram is Metric.histogram = 9 with count, sum, per-bucket counts and explicit bounds", () => {
    const h = metricsOf(encodeProtobuf(request())).get("router.selection.duration")!;
    assert.equal(str(h, 3), "ms");
    const hist = sub(h, 9);
    assert.equal(one(hist, 2), 2n);
    const [p] = subs(hist, 1);
    assert.equal(fixed64(p, 2), 1767323045678000000n);
    assert.equal(fixed64(p, 3), 1767323058178000000n);
    assert.equal(fixed64(p, 4), 6n); // count
    assert.equal(double(p, 5), 20707.5); // sum
    assert.deepEqual(
      packed64(p, 6, (d, at) => d.getBigUint64(at, true)),
      [2n, 0n, 2n, 0n, 0n, 0n, 0n, 0n, 0n, 1n, 0n, 0n, 0n, 1n],
    );
    assert.deepEqual(
      packed64(p, 7, (d, at) => d.getFloat64(at, true)),
      [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
    );
    assert.deepEqual(attrs(p, 9), [["protocol", "Tcp"]]);
  });

  test("HttpProtobuf is sent as application/x-protobuf and is the first encoding (the default)", () => {
    assert.equal(PROTOBUF_ENCODING.contentType, "application/x-protobuf");
    assert.equal(OTLP_ENCODINGS[0], PROTOBUF_ENCODING);
  });

  test("the exporter POSTs protobuf bodies that decode to the recorded values", async () => {
    const receiver = await startReceiver(() =>
      new Response(new Uint8Array(0), { headers: { "content-type": "application/x-protobuf" } })
    );
    const metrics = createMetrics();
    metrics.add("router.connection.total", 3, { protocol: "Tcp" });
    const otlp = createOtlpExporter(metrics, {
      endpoint: receiver.url,
      encoding: PROTOBUF_ENCODING,
      interval: 50,
    });
    try {
      otlp.start();
      const [first] = await receiver.waitFor(2);
      assert.equal(first.contentType, "application/x-protobuf");
      const total = metricsOf(first.body).get("router.connection.total")!;
      assert.equal(sfixed64(subs(sub(total, 7), 1)[0], 6), 3n);
    } finally {
      await otlp.stop();
      await receiver.close();
    }
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { createLogger, memorySink } from "../../src/logging/logger.ts";
import { createOtlpExporter, type OtlpExporterOptions } from "../../src/metrics/otlp/exporter.ts";
import { JSON_ENCODING } from "../../src/metrics/otlp/json.ts";
import { startReceiver } from "./otlp_receiver.ts";

function logs(level: "debug" | "information" = "information") {
  const sink = memorySink();
  return { sink, logger: createLogger({ level, sinks: [sink], category: "otlp" }) };
}

function counter(json: any, name: string): number {
  const m = json.resourceMetrics[0].scopeMetrics[0].metrics.find((x: any) => x.name === name);
  return Number(m.sum.dataPoints[0].asInt);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("OTLP exporter against a real HTTP receiver on loopback", () => {
  test("createOtlpExporter() POSTs a snapshot every interval as OTLP/JSON with the current values", async () => {
    const receiver = await startReceiver();
    const metrics = createMetrics();
    const startTime = Date.now() - 5000;
    const options: OtlpExporterOptions = {
      endpoint: receiver.url,
      encoding: JSON_ENCODING,
      serviceName: "mux-a",
      version: "9.8.7",
      interval: 50,
      startTime,
    };
    const otlp = createOtlpExporter(metrics, options);
    try {
      metrics.add("router.connection.total", 1, { protocol: "Tcp" });
      otlp.start();
      const [first] = await receiver.waitFor(1);
      metrics.add("router.connection.total", 2, { protocol: "Tcp" });
      metrics.observe("router.selection.duration", 3, { protocol: "Tcp" });
      const sent = await receiver.waitFor(3);
      assert.equal(first.method, "POST");
      assert.equal(first.path, "/v1/metrics");
      assert.equal(first.contentType, "application/json");
      assert.equal(first.userAgent, "pmmux/9.8.7");
      assert.deepEqual(first.json.resourceMetrics[0].resource.attributes[0], {
        key: "service.name",
        value: { stringValue: "mux-a" },
      });
      assert.equal(counter(first.json, "router.connection.total"), 1);
      assert.equal(counter(sent[2].json, "router.connection.total"), 3);
      const point = sent[2].json.resourceMetrics[0].scopeMetrics[0].metrics
        .find((m: any) => m.name === "router.selection.duration").histogram.dataPoints[0];
      assert.equal(point.count, "1");
      assert.equal(point.sum, 3);
      // Cumulative series start at the process start; each export is stamped with its own time.
      assert.equal(point.startTimeUnixNano, `${startTime}000000`);
      assert.ok(
        BigInt(point.timeUnixNano) > BigInt(
          first.json.resourceMetrics[0].scopeMetrics[0].metrics[0]
            .sum.dataPoints[0].timeUnixNano,
        ),
      );
      assert.ok(sent[1].at - sent[0].at >= 40, `exports ${sent[1].at - sent[0].at} ms apart`);
    } finally {
      await otlp.stop();
      await receiver.close();
    }
  });

  test("stop() makes one final export with the last values and stops the timer", async () => {
    const receiver = await startReceiver();
    const metrics = createMetrics();
    const otlp = createOtlpExporter(metrics, {
      endpoint: receiver.url,
      encoding: JSON_ENCODING,
      interval: 60000,
    });
    try {
      otlp.start();
      metrics.add("backend.connection.closed", 7, { backend: "web" });
      await otlp.stop();
      assert.equal(receiver.received.length, 1);
      assert.equal(counter(receiver.received[0].json, "backend.connection.closed"), 7);
      await otlp.stop();
      otlp.start();
      await sleep(100);
      assert.equal(receiver.received.length, 1, "no second final export, no restart after stop");
    } finally {
      await receiver.close();
    }
  });

  test("flush() sends nothing while no metric was recorded", async () => {
    const receiver = await startReceiver();
    const otlp = createOtlpExporter(createMetrics(), { endpoint: receiver.url, encoding: JSON_ENCODING });
    try {
      assert.equal(await otlp.flush(), true);
      await otlp.stop();
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.close();
    }
  });

  test("a receiver that does not answer is abandoned after the timeout, with one request in flight at most", async () => {
    let release!: () => void;
    const hang = new Promise<void>((r) => release = r);
    const receiver = await startReceiver(async () => {
      await hang;
      return Response.json({});
    });
    const metrics = createMetrics();
    metrics.add("router.connection.total");
    const { sink, logger } = logs();
    const otlp = createOtlpExporter(metrics, {
      endpoint: receiver.url,
      encoding: JSON_ENCODING,
      interval: 20,
      timeout: 300,
      logger,
    });
    try {
      otlp.start();
      await receiver.waitFor(1);
      await sleep(200);
      assert.equal(receiver.received.length, 1, "the timer does not stack requests on a slow receiver");
      const t0 = Date.now();
      assert.equal(
        await otlp.flush(),
        false,
        "the flush waits for the hanging export, then times out itself",
      );
      assert.ok(Date.now() - t0 < 2000);
      const warnings = sink.lines.filter((l) => l.includes(" warn otlp: "));
      assert.equal(warnings.length, 1, sink.lines.join("\n"));
      assert.match(
        warnings[0],
        /OTLP export to "http:\/\/127\.0\.0\.1:\d+\/v1\/metrics" failed: no answer within 300 ms/,
      );
    } finally {
      release();
      await otlp.stop();
      await receiver.close();
    }
  });

  test("failures back off exponentially, are logged once per streak, and recovery is logged", async () => {
    const receiver = await startReceiver((n) =>
      n <= 3
        ? Response.json({ code: 14, message: "collector overloaded" }, {
          status: 503,
          statusText: "Unavailable",
        })
        : Response.json({})
    );
    const metrics = createMetrics();
    metrics.add("router.connection.total");
    const { sink, logger } = logs("debug");
    const interval = 40;
    const otlp = createOtlpExporter(metrics, {
      endpoint: receiver.url,
      encoding: JSON_ENCODING,
      interval,
      logger,
    });
    try {
      otlp.start();
      const r = await receiver.waitFor(5);
      const gaps = r.slice(1).map((x, i) => x.at - r[i].at);
      // After 1, 2 and 3 failures: 2, 4 and 8 intervals; then back to one interval.
      assert.ok(gaps[0] >= 1.8 * interval, `gaps ${gaps}`);
      assert.ok(gaps[1] >= 3.6 * interval, `gaps ${gaps}`);
      assert.ok(gaps[2] >= 7.2 * interval, `gaps ${gaps}`);
      assert.ok(gaps[3] < gaps[2], `gaps ${gaps}`);
      const failed = sink.lines.filter((l) => / failed( again \(\d+ in a row\))?: /.test(l));
      assert.equal(failed.length, 3, sink.lines.join("\n"));
      assert.equal(
        sink.lines.filter((l) => l.includes("retrying with backoff")).length,
        1,
        sink.lines.join("\n"),
      );
      assert.match(failed[0], /failed: HTTP 503 [^:]*: collector overloaded/);
      assert.match(failed[1], /failed again \(2 in a row\).*next attempt in 160 ms/);
      assert.ok(
        sink.lines.some((l) => l.includes("succeeded after 3 failed attempts")),
        sink.lines.join("\n"),
      );
      assert.equal(sink.lines.filter((l) => l.includes(" warn otlp: ")).length, 1, sink.lines.join("\n"));
    } finally {
      await otlp.stop();
      await receiver.close();
    }
  });

  test("a 429 with Retry-After waits at least that long before the next attempt", async () => {
    const receiver = await startReceiver((n) =>
      n === 1
        ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
        : Response.json({})
    );
    const metrics = createMetrics();
    metrics.add("router.connection.total");
    const otlp = createOtlpExporter(metrics, {
      endpoint: receiver.url,
      encoding: JSON_ENCODING,
      interval: 30,
    });
    try {
      otlp.start();
      const r = await receiver.waitFor(2);
      assert.ok(r[1].at - r[0].at >= 950, `retried after ${r[1].at - r[0].at} ms`);
    } finally {
      await otlp.stop();
      await receiver.close();
    }
  });

  test("a partial success is logged as a warning once", async () => {
    const receiver = await startReceiver(() =>
      Response.json({ partialSuccess: { rejectedDataPoints: "2", errorMessage: "bad names" } })
    );
    const metrics = createMetrics();
    metrics.add("router.connection.total");
    const { sink, logger } = logs();
    const otlp = createOtlpExporter(metrics, { endpoint: receiver.url, encoding: JSON_ENCODING, logger });
    try {
      assert.equal(await otlp.flush(), true);
      assert.equal(await otlp.flush(), true);
      const partial = sink.lines.filter((l) => l.includes("accepted the export partly"));
      assert.equal(partial.length, 1, sink.lines.join("\n"));
      assert.match(partial[0], /2 data points rejected: bad names/);
    } finally {
      await otlp.stop();
      await receiver.close();
    }
  });

  test("an endpoint nobody listens on fails without throwing and hides credentials in the log", async () => {
    const receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    await receiver.close();
    const metrics = createMetrics();
    metrics.add("router.connection.total");
    const { sink, logger } = logs();
    const otlp = createOtlpExporter(metrics, {
      endpoint: `http://user:secret@127.0.0.1:${port}/v1/metrics?token=x`,
      encoding: JSON_ENCODING,
      logger,
      timeout: 2000,
    });
    assert.equal(await otlp.flush(), false);
    await otlp.stop();
    assert.equal(sink.lines.length, 1, sink.lines.join("\n"));
    assert.match(
      sink.lines[0],
      new RegExp(`OTLP export to "http://127\\.0\\.0\\.1:${port}/v1/metrics" failed: `),
    );
    assert.doesNotMatch(sink.lines[0], /secret|token/);
  });
});

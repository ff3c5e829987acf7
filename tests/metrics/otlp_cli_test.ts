import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { type Config, ConfigError, loadConfig } from "../../src/config/load.ts";
import { createLogger, memorySink } from "../../src/logging/logger.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { createOtlpFromConfig } from "../../src/metrics/otlp/from_config.ts";
import { OTLP_ENCODINGS } from "../../src/metrics/otlp/encodings.ts";
import { exchange, net } from "../helpers/net.ts";
import { startMain } from "../helpers/spawn.ts";
import { startReceiver } from "./otlp_receiver.ts";

function load(argv: string[]): Config {
  return loadConfig({ argv, env: {}, cwd: tmpdir(), readTextFile: () => undefined });
}

async function freePort(): Promise<number> {
  const listener = await (await net()).listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

function total(json: any): number | undefined {
  const m = json.resourceMetrics[0].scopeMetrics[0].metrics.find((x: any) =>
    x.name === "router.connection.total"
  );
  return m ? Number(m.sum.dataPoints[0].asInt) : undefined;
}

describe("OTLP export from the configuration", () => {
  test("createOtlpFromConfig() builds nothing without --otlp-enable", () => {
    const services = { metrics: createMetrics(), logger: createLogger({ level: "none" }) };
    assert.equal(createOtlpFromConfig(load([]), services), undefined);
  });

  test("createOtlpFromConfig() refuses an encoding this version cannot send, naming the option", () => {
    const services = { metrics: createMetrics(), logger: createLogger({ level: "none" }) };
    const config = { ...load(["--otlp-enable"]), otlpMetricsProtocol: "HttpGrpc" } as unknown as Config;
    assert.throws(
      () => createOtlpFromConfig(config, services),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        const known = OTLP_ENCODINGS.map((e) => e.protocol);
        assert.equal(
          err.message,
          `Invalid value "HttpGrpc" for --otlp-metrics-protocol (from default): this version sends OTLP ` +
            `metrics as ${known.join(" or ")} only; set --otlp-metrics-protocol ${known[0]}`,
        );
        return true;
      },
    );
  });

  test("createOtlpFromConfig() logs where and how often it exports once started", async () => {
    const sink = memorySink();
    const otlp = createOtlpFromConfig(
      load([
        "--otlp-enable",
        "--otlp-metrics-protocol",
        "HttpJson",
        "--otlp-metrics-endpoint",
        "http://127.0.0.1:1/v1/metrics",
        "--otlp-export-interval",
        "5000",
      ]),
      { metrics: createMetrics(), logger: createLogger({ sinks: [sink], category: "otlp" }) },
    );
    assert.ok(otlp);
    otlp.start();
    await otlp.stop();
    assert.match(
      sink.lines[0],
      /OTLP metrics export to "http:\/\/127\.0\.0\.1:1\/v1\/metrics" as HttpJson every 5000 ms/,
    );
  });

  test("pmmux run sends OTLP/protobuf by default", async () => {
    const receiver = await startReceiver(() =>
      new Response(new Uint8Array(0), { headers: { "content-type": "application/x-protobuf" } })
    );
    const port = await freePort();
    const mux = await startMain([
      "-p",
      `!:${port}:tcp:bind-address=127.0.0.1`,
      "-b",
      "e:echo",
      "--otlp-enable",
      "--otlp-metrics-endpoint",
      receiver.url,
      "--otlp-service-name",
      "mux-under-test",
      "--otlp-export-interval",
      "1000",
    ], { cwd: tmpdir() });
    let stopped = false;
    try {
      assert.equal(await exchange(port, "ping"), "ping");
      const [first] = await receiver.waitFor(1);
      assert.equal(first.contentType, "application/x-protobuf");
      const text = new TextDecoder("latin1").decode(first.body);
      assert.ok(text.includes("mux-under-test") && text.includes("router.connection.total"));
      stopped = true;
      assert.equal(await mux.stop("SIGTERM"), 0);
      assert.match(mux.output(), /as HttpProtobuf every 1000 ms/);
    } finally {
      if (!stopped) await mux.stop();
      await receiver.close();
    }
  });

  test("pmmux run exports its metrics periodically and once more at shutdown", async () => {
    const receiver = await startReceiver();
    const port = await freePort();
    const mux = await startMain([
      "-p",
      `!:${port}:tcp:bind-address=127.0.0.1`,
      "-b",
      "e:echo",
      "--otlp-enable",
      "--otlp-metrics-protocol",
      "HttpJson",
      "--otlp-metrics-endpoint",
      receiver.url,
      "--otlp-service-name",
      "mux-under-test",
      "--otlp-export-interval",
      "1000",
    ], { cwd: tmpdir() });
    let stopped = false;
    try {
      assert.equal(await exchange(port, "ping"), "ping");
      // Wait for a periodic export that has seen the connection.
      let seen = 0;
      for (let n = 1; seen === 0; n++) {
        const r = await receiver.waitFor(n, 10000);
        seen = total(r[n - 1].json) ?? 0;
      }
      assert.equal(seen, 1);
      const first = receiver.received[0];
      assert.equal(first.contentType, "application/json");
      assert.match(first.userAgent ?? "", /^pmmux\/\d+\.\d+\.\d+/);
      assert.deepEqual(first.json.resourceMetrics[0].resource.attributes[0], {
        key: "service.name",
        value: { stringValue: "mux-under-test" },
      });
      assert.equal(first.json.resourceMetrics[0].scopeMetrics[0].scope.name, "pmmux");
      const before = receiver.received.length;
      const stoppedAt = Date.now();
      stopped = true;
      assert.equal(await mux.stop("SIGTERM"), 0);
      const after = receiver.received.filter((r) => r.at >= stoppedAt);
      assert.ok(receiver.received.length > before && after.length >= 1, "a final export at shutdown");
      assert.equal(total(after.at(-1)!.json), 1);
      assert.doesNotMatch(mux.output(), /OTLP export is not available/);
      assert.match(
        mux.output(),
        /OTLP metrics export to "http:\/\/127\.0\.0\.1:\d+\/v1\/metrics" as HttpJson/,
      );
    } finally {
      if (!stopped) await mux.stop();
      await receiver.close();
    }
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { prometheusName, toPrometheus } from "../../src/management/prometheus.ts";
import { exchange, namedEcho } from "../helpers/net.ts";
import { call, withApi } from "./helpers.ts";

describe("Prometheus text format", () => {
  test("prometheusName() turns dots into underscores and gives counters _total once", () => {
    assert.equal(prometheusName("router.connection.routed", "counter"), "router_connection_routed_total");
    assert.equal(prometheusName("router.connection.total", "counter"), "router_connection_total");
    assert.equal(prometheusName("backend.health_check.total", "counter"), "backend_health_check_total");
    assert.equal(prometheusName("backend.connections.active", "gauge"), "backend_connections_active");
    assert.equal(prometheusName("client.ingress.bytes", "counter"), "client_ingress_bytes_total");
  });

  test("toPrometheus() writes HELP/TYPE once per family, escaped labels and histogram series", () => {
    const m = createMetrics();
    m.add("router.connection.routed", 2, { backend: "web", protocol: "Tcp" });
    m.add("router.connection.routed", 1, { backend: 'we"ird\\\n', protocol: "Tcp" });
    m.set("backend.status", 1, { backend: "web", protocol: "Tcp" });
    m.observe("router.selection.duration", 3, { protocol: "Tcp" });
    m.observe("router.selection.duration", 700, { protocol: "Tcp" });
    const text = toPrometheus(m.snapshot());
    const lines = text.trimEnd().split("\n");
    assert.ok(text.endsWith("\n"));
    assert.equal(lines.filter((l) => l === "# TYPE router_connection_routed_total counter").length, 1);
    assert.ok(lines.includes("# HELP router_connection_routed_total TCP connections routed to a backend"));
    assert.ok(lines.includes('router_connection_routed_total{backend="web",protocol="Tcp"} 2'));
    assert.ok(lines.includes('router_connection_routed_total{backend="we\\"ird\\\\\\n",protocol="Tcp"} 1'));
    assert.ok(lines.includes("# TYPE backend_status gauge"));
    assert.ok(lines.includes('backend_status{backend="web",protocol="Tcp"} 1'));
    assert.ok(lines.includes("# TYPE router_selection_duration histogram"));
    assert.ok(lines.includes('router_selection_duration_bucket{protocol="Tcp",le="1"} 0'));
    assert.ok(lines.includes('router_selection_duration_bucket{protocol="Tcp",le="5"} 1'));
    assert.ok(lines.includes('router_selection_duration_bucket{protocol="Tcp",le="1000"} 2'));
    assert.ok(lines.includes('router_selection_duration_bucket{protocol="Tcp",le="+Inf"} 2'));
    assert.ok(lines.includes('router_selection_duration_sum{protocol="Tcp"} 703'));
    assert.ok(lines.includes('router_selection_duration_count{protocol="Tcp"} 2'));
    for (const l of lines) {
      assert.match(
        l,
        /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+)$/,
        l,
      );
    }
  });

  test("toPrometheus() of no series is empty", () => {
    assert.equal(toPrometheus([]), "");
  });
});

describe("management API: metrics and stats", () => {
  test("GET /metrics serves the mux's metrics as Prometheus text", async () => {
    const echo = await namedEcho("up");
    const f = await withApi([`web:pass:target.ip=127.0.0.1,target.port=${echo.port}`]);
    try {
      assert.equal(await exchange(f.mux.port, "hi"), "up\nhi");
      const r = await call(f.api, "GET", "/metrics");
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      assert.match(r.body, /^# TYPE router_connection_total counter$/m);
      assert.match(r.body, /^router_connection_routed_total\{backend="web",protocol="Tcp"\} 1$/m);
      assert.match(r.body, /^router_selection_duration_count\{protocol="Tcp"\} 1$/m);
    } finally {
      echo.close();
      await f.stop();
    }
  });

  test("GET /api/stats gives per-backend and total counters for rate computation", async () => {
    const echo = await namedEcho("up");
    const f = await withApi([
      `web:pass:target.ip=127.0.0.1,target.port=${echo.port}`,
      "rest:noop:detect=ssh",
    ]);
    try {
      assert.equal(await exchange(f.mux.port, "12345"), "up\n12345");
      let s = (await call(f.api, "GET", "/api/stats")).body;
      for (let i = 0; i < 50 && s.totals.ingressBytes === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        s = (await call(f.api, "GET", "/api/stats")).body;
      }
      assert.equal(typeof s.time, "number");
      assert.deepEqual(s.totals, {
        connections: 1,
        routed: 1,
        failed: 0,
        activeConnections: 0,
        ingressBytes: 5,
        egressBytes: 8,
        udpMessages: 0,
      });
      const web = s.backends.find((b: any) => b.name === "web" && b.networkProtocol === "Tcp");
      assert.deepEqual(web, {
        name: "web",
        networkProtocol: "Tcp",
        protocolName: "pass",
        status: "Unknown",
        activeConnections: 0,
        routedConnections: 1,
        ingressBytes: 5,
        egressBytes: 8,
      });
      assert.equal(s.backends.length, 3, "web TCP, rest TCP, web UDP");
    } finally {
      echo.close();
      await f.stop();
    }
  });
});

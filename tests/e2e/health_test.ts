/**
 * Health checks end to end: a backend whose upstream dies becomes Unhealthy after the threshold, traffic moves
 * to the standby, and it returns after recovery.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { exchange, namedEcho, startMux, waitFor } from "../helpers/net.ts";
import { parseHealthCheckSpec } from "../../src/config/spec.ts";

describe("health checks end to end", () => {
  test("traffic moves to the standby while the primary is Unhealthy and back after recovery", async () => {
    const primary = await namedEcho("primary");
    const port = primary.port;
    const standby = await namedEcho("standby");
    const m = await startMux([
      `primary:pass:target.ip=127.0.0.1,target.port=${port}`,
      `standby:pass:priority=standby,target.ip=127.0.0.1,target.port=${standby.port}`,
    ], {
      routingStrategy: "least-requests",
      healthChecks: [
        parseHealthCheckSpec("pass:interval=50,timeout=500,failure-threshold=2,recovery-threshold=2"),
      ],
    });
    let revived: Awaited<ReturnType<typeof namedEcho>> | undefined;
    try {
      m.app.health.sync();
      const entry = m.app.tcp.table.get("primary")!;
      await waitFor(() => entry.status === "Healthy", 3000, "primary Healthy");
      assert.equal(await exchange(m.port, "a"), "primary\na");
      primary.close();
      await waitFor(
        () => entry.status === "Degraded" || entry.status === "Unhealthy",
        3000,
        "primary failing",
      );
      await waitFor(() => entry.status === "Unhealthy", 3000, "primary Unhealthy");
      assert.equal(await exchange(m.port, "b"), "standby\nb");
      assert.ok(m.logs.some((l) => l.includes('Backend "primary" (TCP) Degraded -> Unhealthy')));
      revived = await namedEcho("primary", { port });
      await waitFor(
        () => entry.status === "Stabilizing" || entry.status === "Healthy",
        3000,
        "primary recovering",
      );
      await waitFor(() => entry.status === "Healthy", 3000, "primary Healthy again");
      assert.equal(await exchange(m.port, "c"), "primary\nc");
      assert.ok(m.logs.some((l) => l.includes('Backend "primary" (TCP) Unhealthy -> Stabilizing')));
    } finally {
      await m.stop();
      standby.close();
      revived?.close();
    }
  });
});

/**
 * Connection limits (SPEC §20.3) over real sockets.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, exchange, namedEcho, readUntil, startMux, waitFor } from "../helpers/net.ts";

describe("connection limits", () => {
  test("max-connections on a backend sends the excess to the next candidate", async () => {
    const alpha = await namedEcho("alpha");
    const beta = await namedEcho("beta");
    const m = await startMux([
      `a:pass:max-connections=1,target.ip=127.0.0.1,target.port=${alpha.port}`,
      `b:pass:target.ip=127.0.0.1,target.port=${beta.port}`,
    ]);
    try {
      const held = await connect(m.port);
      assert.equal(await readUntil(held, "alpha\n"), "alpha\n");
      assert.equal(await exchange(m.port, "x"), "beta\nx");
      held.close();
      await waitFor(() => m.app.tcp.table.get("a")!.active === 0, 3000, "the held connection to end");
      assert.equal(await exchange(m.port, "y"), "alpha\ny");
    } finally {
      await m.stop();
      alpha.close();
      beta.close();
    }
  });

  test("--max-connections-per-ip and --connection-rate-per-ip close the excess", async () => {
    const m = await startMux([`e:echo`], { maxConnectionsPerIp: 2 });
    try {
      const a = await connect(m.port);
      const b = await connect(m.port);
      await waitFor(() => m.app.tcp.openConnections === 2, 3000, "two open");
      assert.equal(await exchange(m.port, "third"), "", "the third connection from the address is closed");
      a.close();
      b.close();
    } finally {
      await m.stop();
    }
    const r = await startMux([`e:echo`], { connectionRatePerIp: { count: 3, perMs: 60000 } });
    try {
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await exchange(r.port, "x"));
      assert.deepEqual(results, ["x", "x", "x", "", ""]);
      assert.ok(
        r.metrics.snapshot().some((s) =>
          s.name === "router.connection.failed" && s.labels.reason === "rate-limit"
        ),
      );
    } finally {
      await r.stop();
    }
  });

  test("--max-connections caps connections across all clients", async () => {
    const m = await startMux([`e:echo`], { maxConnections: 1 });
    try {
      const a = await connect(m.port);
      await waitFor(() => m.app.tcp.openConnections === 1, 3000, "one open");
      assert.equal(await exchange(m.port, "second"), "");
      a.close();
      await waitFor(() => m.app.tcp.openConnections === 0, 3000, "closed");
      assert.equal(await exchange(m.port, "again"), "again");
    } finally {
      await m.stop();
    }
  });
});

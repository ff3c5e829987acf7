/**
 * Connection limits (SPEC §20.3) over real sockets.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Conn } from "../../src/net/types.ts";
import { connect, dec, exchange, namedEcho, net, readUntil, startMux, waitFor } from "../helpers/net.ts";
import { startMain } from "../helpers/spawn.ts";
import { freePort, within } from "../net/helpers.ts";
import { treeCpuSeconds } from "../../bench/procs.ts";

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

  test(
    "without --max-connections the open-file limit sets the cap: the excess is closed, no accept loop spins",
    {
      timeout: 60_000,
    },
    async () => {
      // Under `ulimit -n 150`, UDP sessions get (150 - 64) / 4 = 21 descriptors, and the TCP cap is
      // (150 - 64 - 21) / 2 = 32 relayed connections. 100 clients are more than 150 descriptors can hold:
      // without the cap, Bun's accept fails with EMFILE and retries at once, forever.
      const upstream = await namedEcho("up");
      const port = await freePort(await net());
      const p = await startMain([
        "-p",
        `!:${port}:tcp:bind-address=127.0.0.1`,
        "-b",
        `e:pass:target.ip=127.0.0.1,target.port=${upstream.port}`,
      ], { maxOpenFiles: 150 });
      const clients: Conn[] = [];
      try {
        for (let i = 0; i < 100; i++) clients.push(await connect(port));
        const firsts = await within(
          Promise.all(clients.map(async (c) => {
            try {
              const chunk = await within(c.read(), 10_000, "the first bytes");
              return chunk === null ? "" : dec.decode(chunk);
            } catch (error) {
              return String(error);
            }
          })),
          15_000,
          "every client served or closed",
        );
        assert.equal(firsts.filter((f) => f === "up\n").length, 32, "32 relayed");
        assert.equal(firsts.filter((f) => f === "").length, 68, "68 closed at once");
        const before = treeCpuSeconds(p.pid);
        await new Promise((r) => setTimeout(r, 1000));
        const busy = treeCpuSeconds(p.pid) - before;
        assert.ok(busy < 0.5, `pmmux used ${busy} s of CPU in 1 s while full`);
        assert.match(p.output(), /--udp-max-sessions 4096 is lowered to 21 for an open-file limit of 150/);
        const warnings = p.output().split("\n").filter((l) => l.includes("Connection limit reached"));
        assert.equal(warnings.length, 1, p.output().slice(-2000));
        assert.match(
          warnings[0],
          /32 open \(--max-connections 32, the default for an open-file limit of 150\)/,
        );
        for (const c of clients) c.close();
        clients.length = 0;
        assert.equal(upstream.accepted, 32);
        // Once they end, new connections are relayed again (until pmmux sees the ends, one that is closed at
        // accept after it wrote is reset).
        let again = "";
        for (let i = 0; i < 50 && again !== "up\nback"; i++) {
          again = await exchange(port, "back").catch((error) => String(error));
          if (again !== "up\nback") await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(again, "up\nback");
      } finally {
        for (const c of clients) c.close();
        await p.stop();
        upstream.close();
      }
    },
  );
});

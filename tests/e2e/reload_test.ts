/**
 * Configuration reload: the difference is applied, established connections survive, an invalid
 * configuration is rejected whole.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, dec, enc, exchange, namedEcho, readUntil, startMux } from "../helpers/net.ts";
import { parseBackendSpec } from "../../src/config/spec.ts";

describe("configuration reload", () => {
  test("reload() adds, replaces and removes backends without dropping established connections", async () => {
    const alpha = await namedEcho("alpha");
    const beta = await namedEcho("beta");
    const gamma = await namedEcho("gamma");
    const to = (p: number) => `target.ip=127.0.0.1,target.port=${p}`;
    const m = await startMux([`keep:pass:remote-port=1,${to(gamma.port)}`, `a:pass:${to(alpha.port)}`]);
    try {
      const keepEntry = m.app.tcp.table.get("keep")!;
      const long = await connect(m.port);
      assert.equal(await readUntil(long, "alpha\n"), "alpha\n");
      const summary = await m.app.reload({
        backends: [
          parseBackendSpec(`keep:pass:remote-port=1,${to(gamma.port)}`),
          parseBackendSpec(`b:pass:remote-ip=10.0.0.0/8,${to(gamma.port)}`),
          parseBackendSpec(`a:pass:${to(beta.port)}`),
        ],
        listeners: m.app.listeners.list().map((l) => ({
          transports: [l.transport],
          hostname: l.spec.hostname,
          port: l.spec.port,
        })),
      });
      assert.deepEqual(summary.added, ["b"]);
      assert.deepEqual(summary.replaced, ["a"]);
      assert.deepEqual(summary.removed, []);
      assert.equal(m.app.tcp.table.get("keep"), keepEntry, "an unchanged backend keeps its state");
      assert.deepEqual(m.app.tcp.table.entries.map((e) => e.name), ["keep", "b", "a"]);
      assert.equal(await exchange(m.port, "new"), "beta\nnew");
      // The connection made before the reload still talks to alpha.
      await long.write(enc.encode("still here"));
      assert.equal(await readUntil(long, "still here"), "still here");
      long.close();
      const s2 = await m.app.reload({
        backends: [parseBackendSpec(`a:pass:${to(beta.port)}`)],
        listeners: [],
      });
      assert.deepEqual(s2.removed.sort(), ["b", "keep"]);
      assert.equal(s2.listenersClosed, 1);
    } finally {
      await m.stop();
      alpha.close();
      beta.close();
      gamma.close();
    }
  });

  test("reload() rejects an invalid configuration whole and keeps the running one", async () => {
    const alpha = await namedEcho("alpha");
    const m = await startMux([`a:pass:target.ip=127.0.0.1,target.port=${alpha.port}`]);
    try {
      const listeners = m.app.listeners.list().map((l) => ({
        transports: [l.transport],
        hostname: l.spec.hostname,
        port: l.spec.port,
      }));
      await assert.rejects(
        m.app.reload({ backends: [parseBackendSpec("x:echo"), parseBackendSpec("y:bogus")], listeners }),
        /Unknown protocol "bogus"/,
      );
      // A new listener on a port another process holds: the bind fails, nothing is applied.
      await assert.rejects(
        m.app.reload({
          backends: [parseBackendSpec("x:echo")],
          listeners: [...listeners, { transports: ["tcp"], hostname: "127.0.0.1", port: alpha.port }],
        }),
        /address already in use/,
      );
      assert.deepEqual(m.app.tcp.table.entries.map((e) => e.name), ["a"]);
      assert.equal(dec.decode(enc.encode(await exchange(m.port, "ok"))), "alpha\nok");
    } finally {
      await m.stop();
      alpha.close();
    }
  });
});

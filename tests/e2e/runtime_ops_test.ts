/**
 * Runtime backend removal: forced removal closes the backend's open connections at once; a drained removal
 * lets them finish (up to the drain timeout) while new connections go elsewhere.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, enc, exchange, namedEcho, readAll, readUntil, startMux, waitFor } from "../helpers/net.ts";

describe("runtime removal of backends", () => {
  test("removeBackend() without drain closes the backend's open connections", async () => {
    const alpha = await namedEcho("alpha");
    const m = await startMux([`a:pass:target.ip=127.0.0.1,target.port=${alpha.port}`, `e:echo`]);
    try {
      const c = await connect(m.port);
      assert.equal(await readUntil(c, "alpha\n"), "alpha\n");
      const started = Date.now();
      m.app.removeBackend("a", "tcp", false);
      await readAll(c).catch(() => {});
      assert.ok(Date.now() - started < 2000);
      c.close();
      assert.equal(await exchange(m.port, "next"), "next", "new connections go to the next backend");
      await waitFor(() => m.app.tcp.openConnections === 0, 3000, "all closed");
    } finally {
      await m.stop();
      alpha.close();
    }
  });

  test("removeBackend() with drain lets an open connection finish", async () => {
    const alpha = await namedEcho("alpha");
    const m = await startMux([`a:pass:target.ip=127.0.0.1,target.port=${alpha.port}`, `e:echo`]);
    try {
      const c = await connect(m.port);
      assert.equal(await readUntil(c, "alpha\n"), "alpha\n");
      const old = m.app.removeBackend("a", "tcp", true, 5000)!;
      assert.equal(old.status, "Draining");
      await c.write(enc.encode("still served"));
      assert.equal(await readUntil(c, "still served"), "still served");
      c.close();
      await waitFor(() => old.status === "Stopped", 3000, "the drained backend to stop");
    } finally {
      await m.stop();
      alpha.close();
    }
  });
});

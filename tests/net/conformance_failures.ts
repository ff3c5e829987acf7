/**
 * The TCP failure part of the socket adapter conformance suite: resets, refusals, busy ports, aborts.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import type { Conn, NetAdapter } from "../../src/net/types.ts";
import { connectPair, freePort, type MakeAdapter, readExactly, sleep, startEcho, within } from "./helpers.ts";

const encoder = new TextEncoder();

/** Registers the TCP failure tests (called by `adapterConformance`). */
export function tcpFailureConformance(makeAdapter: MakeAdapter): void {
  test("a peer closing mid-transfer ends reads and writes quietly or with a coded error", {
    timeout: 30_000,
  }, async () => {
    const net = await makeAdapter();
    const listener = await net.listenTcp({ hostname: "127.0.0.1", port: 0 });
    const [client, server] = await connectPair(net, listener);
    const chunk = new Uint8Array(64 * 1024);
    try {
      const writer = (async () => {
        for (let i = 0; i < 2048; i++) await client.write(chunk);
        return "finished";
      })().catch((error) => error);
      const reader = client.read().catch((error) => error);
      await within(readExactly(server, 256 * 1024), 5000, "server reads some");
      server.close(); // unread data pending: the client typically sees a reset
      const writeEnd = await within(writer, 5000, "writer ends");
      assert.ok(writeEnd instanceof Error, "writes to a closed peer must fail");
      assert.equal(typeof (writeEnd as { code?: unknown }).code, "string");
      const readEnd = await within(reader, 5000, "reader ends");
      assert.ok(
        readEnd === null || typeof (readEnd as { code?: unknown }).code === "string",
        String(readEnd),
      );
      await sleep(50);
    } finally {
      client.close();
      listener.close();
    }
  });

  test("close() ends a pending read with null and rejects later writes, without throwing", {
    timeout: 10_000,
  }, async () => {
    const net = await makeAdapter();
    const echo = await startEcho(net);
    const conn = await net.connectTcp({ hostname: "127.0.0.1", port: echo.port });
    try {
      const reading = conn.read().catch((error) => error);
      await sleep(20);
      conn.close();
      conn.close();
      const end = await within(reading, 1000, "pending read");
      assert.ok(end === null || end instanceof Error);
      assert.equal(await conn.read(), null);
      await assert.rejects(conn.write(encoder.encode("late")));
      await conn.closeWrite();
      await within(conn.closed, 1000, "closed");
      await sleep(50);
    } finally {
      await echo.stop();
    }
  });

  test("a refused connection rejects within 1 s with ECONNREFUSED, and nothing else rejects", {
    timeout: 10_000,
  }, async () => {
    const net = await makeAdapter();
    const port = await freePort(net);
    // The Bun adapter leaves `Bun.connect`'s own promise without a reaction: its rejection must not surface.
    const stray: unknown[] = [];
    const onStray = (reason: unknown) => stray.push(reason);
    process.on("unhandledRejection", onStray);
    try {
      const started = performance.now();
      const error = await net.connectTcp({ hostname: "127.0.0.1", port }).then(() => null, (e) => e);
      assert.ok(performance.now() - started < 1000);
      assert.ok(error instanceof Error);
      assert.equal((error as { code?: string }).code, "ECONNREFUSED");
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      await sleep(100);
      assert.deepEqual(stray, []);
    } finally {
      process.off("unhandledRejection", onStray);
    }
  });

  test("listening on a busy port names the address and the reason", { timeout: 10_000 }, async () => {
    const net = await makeAdapter();
    const first = await net.listenTcp({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = first.addr.port;
      const error = await net.listenTcp({ hostname: "127.0.0.1", port }).then(() => null, (e) => e);
      assert.ok(error instanceof Error);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}.*address already in use`));
      assert.equal((error as { code?: string }).code, "EADDRINUSE");
    } finally {
      first.close();
    }
  });

  test("an aborted connect rejects promptly with the abort reason and leaves no connection", {
    timeout: 20_000,
  }, async () => {
    const net = await makeAdapter();
    const echo = await startEcho(net);
    try {
      await assert.rejects(
        net.connectTcp({ hostname: "127.0.0.1", port: echo.port, signal: AbortSignal.abort() }),
        { name: "AbortError" },
      );
      const controller = new AbortController();
      const connecting = net.connectTcp({
        hostname: "127.0.0.1",
        port: echo.port,
        signal: controller.signal,
      });
      controller.abort();
      await assert.rejects(within(connecting, 1000, "aborted connect"), { name: "AbortError" });
      await sleep(200);
      for (const conn of echo.conns) await within(conn.closed, 2000, "half-open socket closed");
    } finally {
      await echo.stop();
    }
    await abortHangingConnect(net);
  });
}

/**
 * Fills the accept queue of a listener that never accepts until a connect hangs (SYN dropped), then aborts
 * it. Runtimes that accept eagerly (Bun) never hang; then there is nothing to abort.
 */
async function abortHangingConnect(net: NetAdapter): Promise<void> {
  const listener = await net.listenTcp({ hostname: "127.0.0.1", port: 0, backlog: 1 });
  const open: Conn[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      const controller = new AbortController();
      const connecting = net.connectTcp({
        hostname: "127.0.0.1",
        port: listener.addr.port,
        signal: controller.signal,
      });
      const conn = await Promise.race([connecting, sleep(250).then(() => null)]);
      if (conn !== null) {
        open.push(conn);
        continue;
      }
      const started = performance.now();
      controller.abort();
      await assert.rejects(within(connecting, 1000, "abort of a hanging connect"), { name: "AbortError" });
      assert.ok(performance.now() - started < 500);
      return;
    }
  } finally {
    for (const conn of open) conn.close();
    listener.close();
  }
}

/**
 * End-to-end TCP routing over real loopback sockets, on whichever runtime runs the test (Deno or Bun).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseBackendSpec } from "../../src/config/spec.ts";
import {
  connect,
  dec,
  enc,
  exchange,
  namedEcho,
  readAll,
  readUntil,
  serve,
  startMux,
  type TestServer,
  waitFor,
} from "../helpers/net.ts";

describe("TCP routing end to end", () => {
  let alpha: TestServer;
  let beta: TestServer;
  before(async () => {
    alpha = await namedEcho("alpha");
    beta = await namedEcho("beta");
  });
  after(() => {
    alpha.close();
    beta.close();
  });
  const to = (s: TestServer) => `target.ip=127.0.0.1,target.port=${s.port}`;

  test("routes by local port: two listeners, one backend each", async () => {
    const m = await startMux([]);
    try {
      const second = await m.app.listeners.open({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
      m.app.addBackend(parseBackendSpec(`b:pass:local-port=${second.addr.port},${to(beta)}`));
      m.app.addBackend(parseBackendSpec(`a:pass:${to(alpha)}`));
      assert.equal(await exchange(m.port, "1"), "alpha\n1");
      assert.equal(await exchange(second.addr.port, "2"), "beta\n2");
    } finally {
      await m.stop();
    }
  });

  test("on a wildcard listener, routes by local port and by local IP, and property[socket.local-ip] is the real one", async () => {
    // The Bun adapter knows an accepted socket's port from its listener and reads its IP only when asked.
    const m = await startMux([], { level: "warning" });
    try {
      const wild = await m.app.listeners.open({ transport: "tcp", hostname: "0.0.0.0", port: 0 });
      const port = wild.addr.port;
      m.app.addBackend(parseBackendSpec(`elsewhere:pass:local-ip=10.1.2.3,${to(beta)}`));
      m.app.addBackend(parseBackendSpec(`otherport:pass:local-port=${port + 1},${to(beta)}`));
      m.app.addBackend(
        parseBackendSpec(`byport:pass:local-port=${port},property[socket.local-ip]=127.0.0.1,${to(alpha)}`),
      );
      m.app.addBackend(parseBackendSpec(`rest:pass:${to(beta)}`));
      assert.equal(await exchange(port, "wild"), "alpha\nwild");
      assert.equal(await exchange(m.port, "bound"), "beta\nbound");
    } finally {
      await m.stop();
    }
  });

  test("routes by remote address and by property[...]", async () => {
    const m = await startMux([
      `nope:pass:remote-ip=10.0.0.0/8,${to(beta)}`,
      `v6:pass:property[socket.address-family]=internetworkv6,${to(beta)}`,
      `v4:pass:remote-ip=127.0.0.0/8,property[socket.protocol-type]=tcp,${to(alpha)}`,
    ]);
    try {
      assert.equal(await exchange(m.port, "hi"), "alpha\nhi");
    } finally {
      await m.stop();
    }
  });

  test("a backend with only address matchers answers at once: a server-speaks-first client is routed without sending", async () => {
    const m = await startMux([`a:pass:remote-ip=127.0.0.1,${to(alpha)}`], { selectionTimeout: 5000 });
    try {
      const c = await connect(m.port);
      const started = Date.now();
      assert.equal(await readUntil(c, "alpha\n"), "alpha\n");
      assert.ok(Date.now() - started < 1000);
      c.close();
    } finally {
      await m.stop();
    }
  });

  test("falls through to the catch-all when a detector is still undecided at the deadline (server speaks first)", async () => {
    const m = await startMux([`web:pass:detect=http,${to(beta)}`, `ssh:pass:${to(alpha)}`], {
      selectionTimeout: 300,
    });
    try {
      const c = await connect(m.port);
      const started = Date.now();
      assert.equal(await readUntil(c, "alpha\n"), "alpha\n");
      const ms = Date.now() - started;
      assert.ok(ms >= 250 && ms < 2000, `routed after ${ms} ms`);
      c.close();
      assert.ok(m.logs.some((l) => l.includes("-> ssh") && l.includes("deadline")));
    } finally {
      await m.stop();
    }
  });

  test("routes by detected protocol as soon as the bytes decide, and replays them byte for byte", async () => {
    const m = await startMux([`web:pass:detect=http,${to(beta)}`, `ssh:pass:detect=ssh,${to(alpha)}`]);
    try {
      assert.equal(
        await exchange(m.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        "beta\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
      );
      assert.equal(await exchange(m.port, "SSH-2.0-OpenSSH_9.2\r\n"), "alpha\nSSH-2.0-OpenSSH_9.2\r\n");
    } finally {
      await m.stop();
    }
  });

  test("a client that closes before deciding still reaches the catch-all", async () => {
    const m = await startMux([`web:pass:detect=http,${to(beta)}`, `any:pass:${to(alpha)}`]);
    try {
      assert.equal(await exchange(m.port, "GE"), "alpha\nGE");
    } finally {
      await m.stop();
    }
  });

  test("client half-close still receives the full reply", async () => {
    const big = serve(async (conn) => {
      const got = await readAll(conn);
      const reply = new Uint8Array(3 * 1024 * 1024).fill(7);
      reply.set(enc.encode(`len=${got.length};`));
      await conn.write(reply);
      await conn.closeWrite();
    });
    const s = await big;
    const m = await startMux([`a:pass:${to(s)}`]);
    try {
      const c = await connect(m.port);
      await c.write(new Uint8Array(100000));
      await c.closeWrite();
      const reply = await readAll(c);
      assert.equal(reply.length, 3 * 1024 * 1024);
      assert.ok(dec.decode(reply.subarray(0, 12)).startsWith("len=100000;"));
      c.close();
    } finally {
      await m.stop();
      s.close();
    }
  });

  test("backend closes after N bytes: the client gets exactly N bytes, then FIN", async () => {
    const n = 1_234_567;
    const s = await serve(async (conn) => {
      await conn.write(new Uint8Array(n).fill(1));
      conn.close();
    });
    const m = await startMux([`a:pass:${to(s)}`]);
    try {
      const c = await connect(m.port);
      const got = await readAll(c);
      assert.equal(got.length, n);
      c.close();
    } finally {
      await m.stop();
      s.close();
    }
  });

  test("upstream refused closes the client promptly and leaves no count behind", async () => {
    const dead = await serve(async () => {});
    const port = dead.port;
    dead.close();
    const m = await startMux([`a:pass:target.ip=127.0.0.1,target.port=${port}`]);
    try {
      const c = await connect(m.port);
      const started = Date.now();
      await c.write(enc.encode("hello"));
      const got = await readAll(c).catch(() => new Uint8Array(0));
      assert.equal(got.length, 0);
      assert.ok(Date.now() - started < 2000, `closed after ${Date.now() - started} ms`);
      c.close();
      const entry = m.app.tcp.table.get("a")!;
      await waitFor(() => entry.active === 0, 2000, "active to return to 0");
      assert.equal(m.app.tcp.openConnections, 0);
      assert.ok(
        m.metrics.snapshot().some((s) =>
          s.name === "router.connection.failed" && s.labels.reason === "connect-failed"
        ),
      );
    } finally {
      await m.stop();
    }
  });

  test("connect-timeout bounds the upstream connect", async () => {
    // 192.0.2.0/24 (TEST-NET-1) is never routed; the connect hangs or fails at once, both must end promptly.
    const m = await startMux([`a:pass:target.ip=127.0.0.1,target.port=1,connect-timeout=300`]);
    try {
      const c = await connect(m.port);
      const started = Date.now();
      await readAll(c).catch(() => {});
      assert.ok(Date.now() - started < 2000);
      c.close();
    } finally {
      await m.stop();
    }
  });

  test("idle-timeout closes a quiet relay", async () => {
    const m = await startMux([`a:pass:idle-timeout=200,${to(alpha)}`]);
    try {
      const c = await connect(m.port);
      const started = Date.now();
      assert.equal(dec.decode(await readAll(c)), "alpha\n");
      const ms = Date.now() - started;
      assert.ok(ms >= 150 && ms < 2000, `closed after ${ms} ms`);
      c.close();
    } finally {
      await m.stop();
    }
  });

  test("client reset mid-transfer is quiet and frees the connection", async () => {
    const s = await serve(async (conn) => {
      for (let i = 0; i < 2000; i++) await conn.write(new Uint8Array(65536));
    });
    const m = await startMux([`a:pass:${to(s)}`]);
    try {
      const c = await connect(m.port);
      await c.read();
      c.close();
      await waitFor(() => m.app.tcp.openConnections === 0, 5000, "the relay to end");
      assert.equal(m.app.tcp.table.get("a")!.active, 0);
    } finally {
      await m.stop();
      s.close();
    }
  });

  test("at information level the access line names the client although its socket closed first", async () => {
    // The Bun adapter reads a client's address on first use and cannot after the close: the router reads it at
    // once when the lines written at the end will name it.
    const m = await startMux([`e:echo`], { level: "information" });
    try {
      const ports: number[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await connect(m.port);
        ports.push(c.localAddr.port);
        await c.write(enc.encode(`bye ${i}`));
        await c.closeWrite();
        assert.equal(dec.decode(await readAll(c)), `bye ${i}`);
        c.close();
      }
      await waitFor(() => m.logs.filter((l) => l.includes(" -> e ")).length >= 3, 3000, "the access lines");
      const access = m.logs.filter((l) => l.includes(" -> e "));
      for (const port of ports) {
        assert.ok(access.some((l) => l.includes(`127.0.0.1:${port} -> e `)), access.join("\n"));
      }
    } finally {
      await m.stop();
    }
  });

  test("500 connections opened and closed in bursts with zero errors", async () => {
    const m = await startMux([`e:echo`], { level: "information" });
    try {
      let ok = 0;
      for (let burst = 0; burst < 10; burst++) {
        const results = await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const text = `burst ${burst} conn ${i}`;
            return (await exchange(m.port, text)) === text;
          }),
        );
        ok += results.filter(Boolean).length;
      }
      assert.equal(ok, 500);
      await waitFor(() => m.app.tcp.openConnections === 0, 3000, "all connections to close");
    } finally {
      await m.stop();
    }
  });

  test("a connection nothing matches is closed and counted", async () => {
    const m = await startMux([`a:pass:remote-ip=10.0.0.0/8,${to(alpha)}`]);
    try {
      assert.equal(await exchange(m.port, "x"), "");
      assert.ok(
        m.metrics.snapshot().some((s) =>
          s.name === "router.connection.failed" && s.labels.reason === "no-backend"
        ),
      );
      assert.ok(m.logs.some((l) => l.includes("(none)")), "the routing decision is logged at debug");
    } finally {
      await m.stop();
    }
  });
});

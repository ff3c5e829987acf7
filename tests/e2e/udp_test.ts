/**
 * UDP routing end to end over real loopback sockets: sessions, bidirectional pass, expiry, LRU cap.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { dec, exchange, net, startMux, type TestUdp, udpSocket, waitFor } from "../helpers/net.ts";
import type { BindUdpOptions } from "../../src/net/types.ts";
import { netError } from "../../src/net/errors.ts";

const counter = (m: { metrics: { snapshot(): { name: string; value: number }[] } }, name: string) =>
  m.metrics.snapshot().filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);

describe("UDP routing end to end", () => {
  let upstream: TestUdp;
  before(async () => {
    upstream = await udpSocket({ echoName: "up" });
  });
  after(() => upstream.close());

  test("echo and pass return datagrams of 1, 1400, 8192 and 65507 bytes unchanged", async () => {
    for (const backend of ["e:echo", `p:pass:target.ip=127.0.0.1,target.port=${0}`]) {
      const spec = backend.startsWith("p:")
        ? `p:pass:target.ip=127.0.0.1,target.port=${upstream.port}`
        : backend;
      const m = await startMux([spec], { transports: ["udp"] });
      const client = await udpSocket();
      try {
        for (const size of [1, 1400, 8192, 65507 - (spec.startsWith("p:") ? 3 : 0)]) {
          const data = new Uint8Array(size);
          for (let i = 0; i < size; i++) data[i] = (i * 31 + size) & 0xff;
          assert.ok(client.send(data, m.udpPort));
          const got = await client.next();
          const body = spec.startsWith("p:") ? got.subarray(3) : got;
          if (spec.startsWith("p:")) assert.equal(dec.decode(got.subarray(0, 3)), "up:");
          assert.equal(body.length, size, `${spec} size ${size}`);
          assert.deepEqual(body, data);
        }
      } finally {
        client.close();
        await m.stop();
      }
    }
  });

  test("pass keeps one upstream source port per client and replies come from the listener's port", async () => {
    const m = await startMux([`p:pass:target.ip=127.0.0.1,target.port=${upstream.port}`], {
      transports: ["udp"],
    });
    const a = await udpSocket();
    const b = await udpSocket();
    try {
      for (let i = 0; i < 20; i++) {
        a.send(`a${i}`, m.udpPort);
        b.send(`b${i}`, m.udpPort);
      }
      const ga: string[] = [];
      const gb: string[] = [];
      for (let i = 0; i < 20; i++) ga.push(dec.decode(await a.next()));
      for (let i = 0; i < 20; i++) gb.push(dec.decode(await b.next()));
      assert.deepEqual(
        ga,
        Array.from({ length: 20 }, (_, i) => `up:a${i}`),
        "client a gets only its own replies, in order",
      );
      assert.deepEqual(
        gb,
        Array.from({ length: 20 }, (_, i) => `up:b${i}`),
        "client b gets only its own replies, in order",
      );
      assert.equal(m.app.udp.sessionCount, 2);
    } finally {
      a.close();
      b.close();
      await m.stop();
    }
  });

  test("replies arrive from the listener's address and port", async () => {
    const m = await startMux([`e:echo`], { transports: ["udp"] });
    const c = await udpSocket();
    try {
      c.send("x", m.udpPort);
      await waitFor(() => c.received.length === 1, 3000, "a reply");
      assert.equal(c.received[0].from.port, m.udpPort);
    } finally {
      c.close();
      await m.stop();
    }
  });

  test("a session expires after its idle timeout and the next datagram opens a new one", async () => {
    const m = await startMux([`e:echo:udp.idle-timeout=150`], { transports: ["udp"] });
    const c = await udpSocket();
    try {
      c.send("1", m.udpPort);
      await c.next();
      assert.equal(m.app.udp.sessionCount, 1);
      await waitFor(() => m.app.udp.sessionCount === 0, 2000, "the session to expire");
      assert.equal(counter(m, "router.session.expired"), 1);
      c.send("2", m.udpPort);
      assert.equal(dec.decode(await c.next()), "2");
      assert.equal(counter(m, "router.session.created"), 2);
    } finally {
      c.close();
      await m.stop();
    }
  });

  test("a session whose upstream socket cannot bind ends: the client's next datagram opens a new one", async () => {
    const real = await net();
    let refusals = 1;
    // A session's socket binds the wildcard address; the listener binds 127.0.0.1.
    const flaky = new Proxy(real, {
      get(target, key) {
        if (key !== "bindUdp") return Reflect.get(target, key);
        return (options: BindUdpOptions) => {
          if (options.hostname !== "0.0.0.0" || refusals === 0) return target.bindUdp(options);
          refusals--;
          return Promise.reject(netError("Cannot bind UDP on", `${options.hostname}:0`, "EMFILE"));
        };
      },
    });
    const m = await startMux([`p:pass:target.ip=127.0.0.1,target.port=${upstream.port}`], {
      transports: ["udp"],
      net: flaky,
    });
    const c = await udpSocket();
    try {
      c.send("lost", m.udpPort);
      await waitFor(() => m.logs.some((l) => l.includes("too many open files")), 2000, "the bind failure");
      await waitFor(() => m.app.udp.sessionCount === 0, 2000, "the failed session to end");
      c.send("again", m.udpPort);
      assert.equal(dec.decode(await c.next()), "up:again");
      assert.equal(counter(m, "router.session.created"), 2);
    } finally {
      c.close();
      await m.stop();
    }
  });

  test("a probe that needs more datagrams holds them and falls through at udp.probe-datagrams", async () => {
    // dns needs a well-formed query: plain text is "no" at once, so the echo catch-all takes it.
    const m = await startMux(
      [`d:pass:detect=dns,target.ip=127.0.0.1,target.port=${upstream.port}`, `e:echo`],
      {
        transports: ["udp"],
      },
    );
    const c = await udpSocket();
    try {
      c.send("not dns", m.udpPort);
      assert.equal(dec.decode(await c.next()), "not dns");
    } finally {
      c.close();
      await m.stop();
    }
  });

  test("the session table holds its cap under 10 000 distinct client ports, evicting the least recently used", async () => {
    const m = await startMux([`e:echo`], { transports: ["udp"], udpMaxSessions: 1000, level: "information" });
    const rssBefore = process.memoryUsage().rss;
    try {
      let replies = 0;
      for (let batch = 0; batch < 20; batch++) {
        const socks = await Promise.all(Array.from({ length: 500 }, () => udpSocket()));
        // Paced in groups: a burst beyond the kernel's default UDP receive buffer (~256 small datagrams) is
        // dropped by the kernel before any runtime can read it.
        for (let i = 0; i < socks.length; i += 100) {
          const group = socks.slice(i, i + 100);
          for (const s of group) s.send("hi", m.udpPort);
          const got = await Promise.allSettled(group.map((s) => s.next(3000)));
          replies += got.filter((g) => g.status === "fulfilled").length;
        }
        for (const s of socks) s.close();
        assert.ok(m.app.udp.sessionCount <= 1000, `sessions ${m.app.udp.sessionCount}`);
      }
      const rssAfter = process.memoryUsage().rss;
      console.log(
        `udp LRU: 10000 client ports, ${replies} replies, ${m.app.udp.sessionCount} sessions, evicted ${
          counter(m, "router.session.evicted")
        }, RSS delta ${((rssAfter - rssBefore) / 1048576).toFixed(1)} MiB`,
      );
      assert.equal(m.app.udp.sessionCount, 1000);
      // A client port freed by a closed socket may be reused by a later one and hit a live session.
      const created = counter(m, "router.session.created");
      const evicted = counter(m, "router.session.evicted");
      assert.equal(created - evicted, 1000);
      assert.ok(evicted >= 8000, `evicted ${evicted}`);
      assert.ok(replies >= 9900, `replies ${replies}`);
    } finally {
      await m.stop();
    }
  });

  test("TCP and UDP on the same port number at once", async () => {
    const m = await startMux([`e:echo`], { transports: ["tcp", "udp"] });
    const c = await udpSocket();
    try {
      assert.equal(m.port, m.udpPort);
      assert.equal(await exchange(m.port, "over tcp"), "over tcp");
      c.send("over udp", m.udpPort);
      assert.equal(dec.decode(await c.next()), "over udp");
    } finally {
      c.close();
      await m.stop();
    }
  });

  test("an Unhealthy UDP backend is not chosen for new sessions", async () => {
    const m = await startMux([`a:echo`, `b:pass:target.ip=127.0.0.1,target.port=${upstream.port}`], {
      transports: ["udp"],
    });
    const c = await udpSocket();
    try {
      m.app.udp.table.get("a")!.status = "Unhealthy";
      c.send("x", m.udpPort);
      assert.equal(dec.decode(await c.next()), "up:x");
    } finally {
      c.close();
      await m.stop();
    }
  });
});

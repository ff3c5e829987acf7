/**
 * PROXY protocol end to end over real loopback sockets, on whichever runtime runs the test: one pmmux sends
 * (`pass ... proxy-protocol=v1|v2`), another accepts (a listener with the PROXY negotiator), across address
 * families; untrusted senders and missing headers are refused; UDP sessions carry a v2 header per datagram.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseBackendSpec as parseSpec } from "../../src/config/spec.ts";
import { createProxyProtocolNegotiator } from "../../src/negotiators/proxy_protocol.ts";
import { parseCidr } from "../../src/matchers/ip.ts";
import { parseProxyHeader } from "../../src/proxy/mod.ts";
import { netAddr } from "../../src/net/types.ts";
import {
  connect,
  dec,
  enc,
  exchange,
  namedEcho,
  net,
  readAll,
  readUntil,
  startMux,
  type TestMux,
  type TestServer,
  udpSocket,
  waitFor,
} from "../helpers/net.ts";

/** Opens a PROXY-accepting TCP listener on `m` and returns its port. */
async function acceptingListener(m: TestMux, trusted: string, hostname = "127.0.0.1"): Promise<number> {
  const l = await m.app.listeners.open({
    transport: "tcp",
    hostname,
    port: 0,
    negotiators: [
      createProxyProtocolNegotiator({ trusted: trusted.split(";").map(parseCidr), logger: m.logger }),
    ],
  });
  return l.addr.port;
}

describe("PROXY protocol end to end", () => {
  let saw4: TestServer;
  let saw6: TestServer;
  before(async () => {
    saw4 = await namedEcho("saw-ipv4");
    saw6 = await namedEcho("saw-ipv6");
  });
  after(() => {
    saw4.close();
    saw6.close();
  });
  const to = (s: TestServer) => `target.ip=127.0.0.1,target.port=${s.port}`;

  for (const version of ["v1", "v2"]) {
    test(`pass proxy-protocol=${version} into a PROXY-accepting pmmux carries the client address across families`, async () => {
      // B routes by the client address it is told; its own peer is always A on 127.0.0.1 or ::1.
      const b = await startMux([
        `six:pass:remote-ip=::1,${to(saw6)}`,
        `four:pass:remote-ip=127.0.0.1,${to(saw4)}`,
      ]);
      const bPort4 = await acceptingListener(b, "127.0.0.1;::1");
      const bPort6 = await acceptingListener(b, "127.0.0.1;::1", "::1");
      // A: a client on IPv6 goes on to B over IPv4, a client on IPv4 goes on to B over IPv6.
      const a = await startMux([]);
      const a6 = await a.app.listeners.open({ transport: "tcp", hostname: "::1", port: 0 });
      a.app.addBackend(
        parseSpec(
          `from6:pass:local-ip=::1,target.ip=127.0.0.1,target.port=${bPort4},proxy-protocol=${version}`,
        ),
      );
      a.app.addBackend(
        parseSpec(
          `from4:pass:local-ip=127.0.0.1,target.ip=::1,target.port=${bPort6},proxy-protocol=${version}`,
        ),
      );
      try {
        const c6 = await connect(a6.addr.port, "::1");
        const c6port = c6.localAddr.port;
        await c6.write(enc.encode("over six"));
        await c6.closeWrite();
        assert.equal(dec.decode(await readAll(c6)), "saw-ipv6\nover six");
        c6.close();

        const c4 = await connect(a.port);
        const c4port = c4.localAddr.port;
        await c4.write(enc.encode("over four"));
        await c4.closeWrite();
        assert.equal(dec.decode(await readAll(c4)), "saw-ipv4\nover four");
        c4.close();

        // B's access log names the real client, port included, not A's outgoing socket.
        await waitFor(() => b.logs.filter((l) => l.includes(" -> ")).length >= 2, 3000, "B's access lines");
        const access = b.logs.filter((l) => /access/.test(l));
        assert.ok(access.some((l) => l.includes(`[::1]:${c6port} -> six`)), access.join("\n"));
        assert.ok(access.some((l) => l.includes(`127.0.0.1:${c4port} -> four`)), access.join("\n"));
        const n = version === "v1" ? "1" : "2";
        assert.ok(b.logs.some((l) => l.includes(`PROXY v${n}`) && l.includes(`client [::1]:${c6port}`)));
      } finally {
        await a.stop();
        await b.stop();
      }
    });
  }

  test("at warning level the client address is read when asked: a remote-ip matcher and the PROXY header get it", async () => {
    // Below the information level nothing logs the client after the close, so the router leaves it unread until a
    // matcher, a limit or a header asks (on Bun reading it costs two system calls).
    const b = await startMux([`four:pass:remote-ip=127.0.0.1,${to(saw4)}`]);
    const bPort = await acceptingListener(b, "127.0.0.1");
    const a = await startMux([
      `elsewhere:pass:remote-ip=10.0.0.0/8,${to(saw6)}`,
      `here:pass:remote-ip=127.0.0.1,target.ip=127.0.0.1,target.port=${bPort},proxy-protocol=v2`,
    ], { level: "warning", maxConnectionsPerIp: 4 });
    try {
      const ports: number[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await connect(a.port);
        ports.push(c.localAddr.port);
        await c.write(enc.encode(`via a ${i}`));
        await c.closeWrite();
        assert.equal(dec.decode(await readAll(c)), `saw-ipv4\nvia a ${i}`);
        c.close();
      }
      await waitFor(() => b.logs.filter((l) => /access/.test(l)).length >= 3, 3000, "B's access lines");
      const access = b.logs.filter((l) => /access/.test(l));
      for (const port of ports) {
        assert.ok(access.some((l) => l.includes(`127.0.0.1:${port} -> four`)), access.join("\n"));
      }
      assert.deepEqual(a.logs, [], "nothing at warning level");
      await waitFor(() => a.app.tcp.openConnections === 0, 3000, "A's connections to end");
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  test("a header from a sender outside proxy-protocol.trusted is refused with a log line", async () => {
    const b = await startMux([`any:pass:${to(saw4)}`]);
    const bPort = await acceptingListener(b, "10.0.0.0/8");
    const before = saw4.accepted;
    try {
      const got = await exchange(bPort, "PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\nhello");
      assert.equal(got, "", "no backend answered");
      await waitFor(() => b.logs.some((l) => l.includes("refused")), 2000, "the refusal line");
      assert.match(
        b.logs.find((l) => l.includes("refused"))!,
        /sender "127\.0\.0\.1" is not in proxy-protocol\.trusted/,
      );
      assert.equal(saw4.accepted, before, "the backend was never connected");
    } finally {
      await b.stop();
    }
  });

  test("a trusted sender without a header, or with a garbled one, is refused; the listener keeps serving", async () => {
    const b = await startMux([`any:pass:${to(saw4)}`], { selectionTimeout: 500 });
    const bPort = await acceptingListener(b, "127.0.0.0/8");
    try {
      assert.equal(await exchange(bPort, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "");
      assert.equal(await exchange(bPort, "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n"), "");
      assert.equal(
        await exchange(
          bPort,
          new Uint8Array([
            0x0d,
            0x0a,
            0x0d,
            0x0a,
            0,
            0x0d,
            0x0a,
            0x51,
            0x55,
            0x49,
            0x54,
            0x0a,
            0x21,
            0x11,
            0xff,
            0xff,
          ]),
        ),
        "",
      );
      // Nothing sent at all: refused at the selection deadline.
      const silent = await connect(bPort);
      const started = Date.now();
      assert.equal((await readAll(silent)).length, 0);
      assert.ok(Date.now() - started < 3000);
      silent.close();
      // Noise never hurts the process: afterwards a proper header still goes through.
      for (let i = 0; i < 30; i++) {
        const noise = Uint8Array.from({ length: 1 + ((i * 37) % 120) }, (_, j) => (i * 131 + j * 17) & 0xff);
        if (i % 2 === 0) noise.set(enc.encode("PROXY ").subarray(0, Math.min(6, noise.length)));
        await exchange(bPort, noise);
      }
      assert.equal(await exchange(bPort, "PROXY TCP4 198.51.100.1 127.0.0.1 1000 80\r\nok"), "saw-ipv4\nok");
      const refused = b.logs.filter((l) => l.includes("refused"));
      assert.ok(refused.length >= 4, refused.join("\n"));
      assert.ok(refused.some((l) => /not a PROXY header: first byte 0x47/.test(l)));
      assert.ok(refused.some((l) => /destination port "99999"/.test(l)));
      assert.ok(refused.some((l) => /longer than 536/.test(l)));
      assert.ok(refused.some((l) => /selection deadline/.test(l)));
    } finally {
      await b.stop();
    }
  });

  test("the address from the header is what remote-ip matches, and LOCAL keeps the socket's", async () => {
    const b = await startMux([`real:pass:remote-ip=203.0.113.0/24,${to(saw6)}`, `rest:pass:${to(saw4)}`]);
    const bPort = await acceptingListener(b, "127.0.0.1");
    try {
      assert.equal(await exchange(bPort, "PROXY TCP4 203.0.113.9 127.0.0.1 1000 80\r\n1"), "saw-ipv6\n1");
      const local = Uint8Array.from([
        0x0d,
        0x0a,
        0x0d,
        0x0a,
        0,
        0x0d,
        0x0a,
        0x51,
        0x55,
        0x49,
        0x54,
        0x0a,
        0x20,
        0,
        0,
        0,
      ]);
      const c = await connect(bPort);
      await c.write(local);
      assert.equal(await readUntil(c, "\n"), "saw-ipv4\n");
      c.close();
    } finally {
      await b.stop();
    }
  });

  test("UDP pass with proxy-protocol=v2 puts a v2 DGRAM header before every datagram and replies flow back", async () => {
    const n = await net();
    const seen: Uint8Array[] = [];
    const upstream = await n.bindUdp({
      hostname: "127.0.0.1",
      port: 0,
      onMessage(data, from) {
        seen.push(data);
        upstream.send(enc.encode(`reply ${seen.length}`), from);
      },
    });
    const m = await startMux([
      `u:pass:target.ip=127.0.0.1,target.port=${upstream.addr.port},proxy-protocol=v2`,
    ], {
      transports: ["udp"],
    });
    const client = await udpSocket();
    try {
      for (const payload of ["first", "second"]) {
        client.send(payload, m.udpPort);
        assert.equal(dec.decode(await client.next()), `reply ${payload === "first" ? 1 : 2}`);
      }
      assert.equal(seen.length, 2);
      for (const [i, d] of seen.entries()) {
        const r = parseProxyHeader(d);
        assert.equal(r.status, "ok");
        if (r.status !== "ok") continue;
        assert.equal(r.header.version, 2);
        assert.equal(r.header.transport, "udp");
        assert.deepEqual(r.header.source, netAddr("127.0.0.1", client.port));
        assert.deepEqual(r.header.destination, netAddr("127.0.0.1", m.udpPort));
        assert.equal(dec.decode(d.subarray(r.length)), i === 0 ? "first" : "second");
      }
    } finally {
      client.close();
      upstream.close();
      await m.stop();
    }
  });

  test("UDP on a dual-stack listener: an IPv4 client and the IPv6 listener address share one AF_INET6 header", async () => {
    const n = await net();
    const seen: Uint8Array[] = [];
    const upstream = await n.bindUdp({ hostname: "127.0.0.1", port: 0, onMessage: (d) => seen.push(d) });
    const m = await startMux([
      `u:pass:target.ip=127.0.0.1,target.port=${upstream.addr.port},proxy-protocol=v1`,
    ], {
      transports: [],
    });
    const client = await udpSocket();
    try {
      const l = await m.app.listeners.open({ transport: "udp", hostname: "::", port: 0 });
      client.send("mixed", l.addr.port);
      await waitFor(() => seen.length === 1, 3000, "the datagram upstream");
      const r = parseProxyHeader(seen[0]);
      assert.equal(r.status, "ok");
      if (r.status !== "ok") return;
      assert.equal(r.header.version, 2, "v1 has no datagram form: UDP sends v2");
      assert.equal(r.header.family, "ipv6");
      assert.equal(seen[0][13], 0x22, "AF_INET6 + DGRAM");
      assert.equal((seen[0][14] << 8) | seen[0][15], 36);
      assert.deepEqual(
        r.header.source,
        netAddr("127.0.0.1", client.port),
        "the mapped client reads back as IPv4",
      );
      assert.deepEqual(r.header.destination, netAddr("::", l.addr.port));
      assert.equal(dec.decode(seen[0].subarray(r.length)), "mixed");
    } finally {
      client.close();
      upstream.close();
      await m.stop();
    }
  });

  test("pass rejects an unknown proxy-protocol value at startup, naming it", async () => {
    await assert.rejects(
      startMux([`u:pass:target.ip=127.0.0.1,target.port=9,proxy-protocol=v3`]),
      /proxy-protocol "v3" is not a PROXY protocol version: expected v1 or v2/,
    );
  });
});

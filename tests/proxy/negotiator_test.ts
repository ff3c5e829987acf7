/**
 * The PROXY-protocol negotiator over in-memory connections: trusted and untrusted senders, split, garbled and
 * late headers, LOCAL, and the properties it sets.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createProxyProtocolNegotiator } from "../../src/negotiators/proxy_protocol.ts";
import { Preview } from "../../src/core/preview.ts";
import { baseProps } from "../../src/core/router.ts";
import type { ConnContext } from "../../src/core/backend.ts";
import { parseCidr } from "../../src/matchers/ip.ts";
import { buildV1, buildV2 } from "../../src/proxy/mod.ts";
import { netAddr } from "../../src/net/types.ts";
import { createLogger, memorySink } from "../../src/logging/logger.ts";
import { memoryPair, readAll } from "../helpers/memory_conn.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function setup(trusted = "10.0.0.0/8") {
  const [server, client] = memoryPair();
  const sink = memorySink();
  const logger = createLogger({ level: "debug", sinks: [sink] });
  const negotiator = createProxyProtocolNegotiator({
    trusted: trusted.split(";").map(parseCidr),
    logger,
  });
  const ctx: ConnContext = {
    id: 1,
    props: baseProps(server.localAddr, server.remoteAddr),
    client: server.remoteAddr,
    local: server.localAddr,
    localPort: server.localAddr.port,
    signal: new AbortController().signal,
    ingressBytes: 0,
    egressBytes: 0,
    closeReason: "",
  };
  return { server, client, ctx, negotiator, logs: sink.lines, preview: new Preview(server, 65536) };
}

describe("proxy-protocol negotiator", () => {
  test("a trusted v1 header replaces the client address, sets proxy.* and is stripped", async () => {
    const s = setup();
    await s.client.write(enc.encode("PROXY TCP4 203.0.113.7 192.0.2.9 40000 443\r\nhello"));
    await s.client.closeWrite();
    const p = await s.negotiator.negotiate(s.preview, s.ctx, Date.now() + 1000);
    assert.ok(p);
    assert.deepEqual(s.ctx.client, netAddr("203.0.113.7", 40000));
    const props = Object.fromEntries([...s.ctx.props].filter(([k]) => /^(proxy|socket\.remote)/.test(k)));
    assert.deepEqual(props, {
      "socket.remote-ip": "203.0.113.7",
      "socket.remote-port": "40000",
      "proxy.version": "1",
      "proxy.command": "proxy",
      "proxy.transport": "tcp",
      "proxy.address-family": "internetwork",
      "proxy.peer-ip": "10.1.2.3",
      "proxy.peer-port": "50000",
      "proxy.source-ip": "203.0.113.7",
      "proxy.source-port": "40000",
      "proxy.destination-ip": "192.0.2.9",
      "proxy.destination-port": "443",
    });
    assert.equal(s.ctx.props.get("socket.local-ip"), "127.0.0.1", "the local side stays the socket's");
    assert.equal(dec.decode(await readAll(p.toConn())), "hello");
  });

  test("a v2 header split over three writes is reassembled; v2 TLVs become properties", async () => {
    const s = setup();
    const h = buildV2(netAddr("2001:db8::7", 1234), netAddr("2001:db8::1", 443), {
      tlvs: [{ type: 1, value: enc.encode("h2") }, { type: 2, value: enc.encode("a.example") }, {
        type: 5,
        value: enc.encode("id-1"),
      }],
    });
    const negotiated = s.negotiator.negotiate(s.preview, s.ctx, Date.now() + 2000);
    for (const part of [h.subarray(0, 5), h.subarray(5, 30), h.subarray(30)]) {
      await new Promise((r) => setTimeout(r, 20));
      await s.client.write(part);
    }
    await s.client.write(enc.encode("data"));
    await s.client.closeWrite();
    const p = await negotiated;
    assert.ok(p);
    assert.deepEqual(s.ctx.client, netAddr("2001:db8::7", 1234));
    assert.equal(s.ctx.props.get("proxy.version"), "2");
    assert.equal(s.ctx.props.get("proxy.address-family"), "internetworkv6");
    assert.equal(s.ctx.props.get("proxy.alpn"), "h2");
    assert.equal(s.ctx.props.get("proxy.authority"), "a.example");
    assert.equal(s.ctx.props.get("proxy.unique-id"), "id-1");
    assert.equal(dec.decode(await readAll(p.toConn())), "data");
    assert.ok(s.logs.some((l) => l.includes("PROXY v2") && l.includes("[2001:db8::7]:1234")));
  });

  test("a v2 LOCAL header keeps the socket address", async () => {
    const s = setup();
    await s.client.write(buildV2(netAddr("1.1.1.1", 1), netAddr("1.1.1.1", 1), { command: "local" }));
    const p = await s.negotiator.negotiate(s.preview, s.ctx, Date.now() + 1000);
    assert.ok(p);
    assert.deepEqual(s.ctx.client, netAddr("10.1.2.3", 50000));
    assert.equal(s.ctx.props.get("socket.remote-ip"), "10.1.2.3");
    assert.equal(s.ctx.props.get("proxy.command"), "local");
    assert.equal(s.ctx.props.get("proxy.source-ip"), undefined);
    assert.equal(p.length, 0);
  });

  const refusals: [
    string,
    string,
    (c: { write(b: Uint8Array): Promise<void>; closeWrite(): Promise<void> }) => Promise<void>,
    RegExp,
  ][] = [
    [
      "an untrusted sender",
      "192.168.0.0/16",
      (c) => c.write(buildV1(netAddr("1.2.3.4", 1), netAddr("5.6.7.8", 2))),
      /sender "10\.1\.2\.3" is not in proxy-protocol\.trusted/,
    ],
    [
      "a garbled v1 header",
      "10.0.0.0/8",
      (c) => c.write(enc.encode("PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n")),
      /invalid PROXY v1 header: source port "99999"/,
    ],
    [
      "a missing header (plain HTTP)",
      "10.0.0.0/8",
      (c) => c.write(enc.encode("GET / HTTP/1.1\r\n\r\n")),
      /not a PROXY header: first byte 0x47/,
    ],
    ["a client that closes mid-header", "10.0.0.0/8", async (c) => {
      await c.write(enc.encode("PROXY TCP4 1.2"));
      await c.closeWrite();
    }, /closed before a complete PROXY header/],
    [
      "a header not complete by the deadline",
      "10.0.0.0/8",
      (c) => c.write(enc.encode("PROXY TCP4 1.2")),
      /by the selection deadline \(14 bytes\)/,
    ],
  ];
  for (const [name, trusted, send, why] of refusals) {
    test(`${name} is refused with one log line and the connection closed`, async () => {
      const s = setup(trusted);
      await send(s.client);
      const started = Date.now();
      const p = await s.negotiator.negotiate(s.preview, s.ctx, Date.now() + 300);
      assert.equal(p, null);
      assert.ok(Date.now() - started < 1000);
      const lines = s.logs.filter((l) => l.includes("refused"));
      assert.equal(lines.length, 1, s.logs.join("\n"));
      assert.match(lines[0], why);
      assert.match(lines[0], /10\.1\.2\.3:50000/);
      assert.equal(await s.client.read(), null, "the client sees the connection end");
    });
  }

  test("trusted ranges can list several CIDRs of both families", async () => {
    const s = setup("192.168.0.0/16; ::1 ;10.1.2.3");
    await s.client.write(buildV1(netAddr("1.2.3.4", 1), netAddr("5.6.7.8", 2)));
    assert.ok(await s.negotiator.negotiate(s.preview, s.ctx, Date.now() + 500));
  });
});

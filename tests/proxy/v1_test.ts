/**
 * PROXY protocol v1: builder and parser, as tables of named samples (valid, cut short, garbled, near misses).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildV1, parseProxyHeader, parseV1 } from "../../src/proxy/mod.ts";
import { netAddr } from "../../src/net/types.ts";
import { fixture, text } from "../detect/helpers.ts";

const dec = new TextDecoder();
const line = (s: string) => text(`PROXY ${s}\r\n`);

describe("buildV1()", () => {
  const cases: [string, string, number, string, number, string][] = [
    ["IPv4 to IPv4", "192.0.2.1", 5000, "192.0.2.9", 443, "PROXY TCP4 192.0.2.1 192.0.2.9 5000 443\r\n"],
    ["IPv6 to IPv6", "2001:db8::1", 1, "::1", 65535, "PROXY TCP6 2001:db8::1 ::1 1 65535\r\n"],
    [
      "an IPv4 client to an IPv6 destination is written as TCP6 with the mapped client address",
      "203.0.113.7",
      40000,
      "::1",
      8443,
      "PROXY TCP6 ::ffff:203.0.113.7 ::1 40000 8443\r\n",
    ],
    [
      "an IPv6 client to an IPv4 destination is written as TCP6 with the mapped destination",
      "2001:db8::7",
      40000,
      "127.0.0.1",
      80,
      "PROXY TCP6 2001:db8::7 ::ffff:127.0.0.1 40000 80\r\n",
    ],
  ];
  for (const [name, src, sport, dst, dport, want] of cases) {
    test(`buildV1() writes ${name}`, () => {
      const bytes = buildV1(netAddr(src, sport), netAddr(dst, dport));
      assert.equal(dec.decode(bytes), want);
      assert.ok(bytes.length <= 107);
    });
  }

  test("buildV1() output parses back to the same addresses (the mapped form comes back as IPv4)", () => {
    const r = parseV1(buildV1(netAddr("203.0.113.7", 40000), netAddr("::1", 8443)));
    assert.equal(r.status, "ok");
    if (r.status !== "ok") return;
    assert.deepEqual(r.header.source, netAddr("203.0.113.7", 40000));
    assert.deepEqual(r.header.destination, netAddr("::1", 8443));
  });

  test("the longest possible v1 line fits in 107 bytes", () => {
    const big = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    const bytes = buildV1(netAddr(big, 65535), netAddr(big, 65535));
    assert.equal(bytes.length, 104);
    assert.equal(parseV1(bytes).status, "ok");
  });
});

describe("parseV1()", () => {
  test("parseV1() reads curl --haproxy-protocol over IPv4 and leaves the request after it", () => {
    const bytes = fixture("proxy_v1_tcp4_curl.txt");
    const r = parseProxyHeader(bytes);
    assert.equal(r.status, "ok");
    if (r.status !== "ok") return;
    assert.equal(r.header.version, 1);
    assert.equal(r.header.command, "proxy");
    assert.equal(r.header.family, "ipv4");
    assert.equal(r.header.source?.ip, "127.0.0.1");
    assert.ok(dec.decode(bytes.subarray(r.length)).startsWith("GET / HTTP/1.1\r\n"));
  });

  test("parseV1() reads curl --haproxy-protocol over IPv6", () => {
    const r = parseProxyHeader(fixture("proxy_v1_tcp6_curl.txt"));
    assert.equal(r.status, "ok");
    if (r.status !== "ok") return;
    assert.deepEqual(r.header.source, netAddr("::1", 60722));
    assert.deepEqual(r.header.destination, netAddr("::1", 14038));
    assert.equal(r.header.family, "ipv6");
  });

  test("parseV1() treats UNKNOWN (with or without addresses) as a local header that keeps the socket address", () => {
    for (const s of ["UNKNOWN", "UNKNOWN ffff:f::1 ffff:f::2 1 2"]) {
      const r = parseV1(line(s));
      assert.equal(r.status, "ok", s);
      if (r.status !== "ok") continue;
      assert.equal(r.header.command, "local");
      assert.equal(r.header.source, undefined);
      assert.equal(r.length, s.length + 8);
    }
  });

  test("parseV1() answers more at every cut point of a valid line", () => {
    const bytes = line("TCP4 192.168.0.1 192.168.0.11 56324 443");
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.equal(parseProxyHeader(bytes.subarray(0, cut)).status, "more", `cut at ${cut}`);
    }
    assert.equal(parseProxyHeader(bytes).status, "ok");
  });

  const bad: [string, Uint8Array][] = [
    ["port 65536", line("TCP4 1.2.3.4 5.6.7.8 65536 443")],
    ["a port with a leading zero", line("TCP4 1.2.3.4 5.6.7.8 080 443")],
    ["address 256.1.1.1", line("TCP4 256.1.1.1 5.6.7.8 1 2")],
    ["an IPv6 address under TCP4", line("TCP4 ::1 5.6.7.8 1 2")],
    ["an IPv4 address under TCP6", line("TCP6 1.2.3.4 ::1 1 2")],
    ["a bracketed IPv6 address", line("TCP6 [::1] ::1 1 2")],
    ["protocol UDP4", line("UDP4 1.2.3.4 5.6.7.8 1 2")],
    ["lower-case proxy", text("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")],
    ["two spaces", line("TCP4  1.2.3.4 5.6.7.8 1 2")],
    ["a missing field", line("TCP4 1.2.3.4 5.6.7.8 1")],
    ["LF without CR", text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")],
    ["CR followed by x", text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rx")],
    ["a line of 108 bytes", text(`PROXY UNKNOWN ${"x".repeat(92)}\r\n`)],
    ["107 bytes without CRLF", text(`PROXY ${"x".repeat(101)}`)],
    ["an HTTP request", text("GET / HTTP/1.1\r\n\r\n")],
    ["a NUL byte in the line", text("PROXY TCP4 1.2.3.4\x00")],
  ];
  for (const [name, bytes] of bad) {
    test(`parseV1() rejects ${name}`, () => {
      const r = parseProxyHeader(bytes);
      assert.equal(r.status, "invalid", name);
      if (r.status === "invalid") assert.match(r.reason, /PROXY|first byte/);
    });
  }

  test("parseProxyHeader() never throws on noise", () => {
    let seed = 7;
    for (let i = 0; i < 3000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const len = seed % 200;
      const b = new Uint8Array(len);
      for (let j = 0; j < len; j++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        b[j] = seed >>> 24;
      }
      if (i % 3 === 0) b.set(text("PROXY ").subarray(0, Math.min(6, len)));
      if (i % 3 === 1) {
        b.set([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a].slice(0, len));
      }
      const r = parseProxyHeader(b);
      assert.ok(["more", "invalid", "ok"].includes(r.status));
    }
  });
});

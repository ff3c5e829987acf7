/**
 * PROXY protocol v2: builder and parser, as tables of named samples (valid, cut short, garbled, near misses).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildV2, parseProxyHeader, parseV2, TLV, V2_SIGNATURE } from "../../src/proxy/mod.ts";
import { formatIpv6 } from "../../src/proxy/address.ts";
import { parseIpv6 } from "../../src/matchers/ip.ts";
import { netAddr } from "../../src/net/types.ts";
import { concat, fixture, hex } from "../detect/helpers.ts";

const SIG = "0d0a0d0a000d0a515549540a";

describe("buildV2()", () => {
  test("buildV2() writes AF_INET STREAM with 12 address bytes for an IPv4 pair", () => {
    const b = buildV2(netAddr("127.0.0.1", 56324), netAddr("127.0.0.1", 443));
    assert.deepEqual(b, fixture("proxy_v2_tcp4.bin"));
  });

  test("buildV2() writes AF_INET6 DGRAM with 36 address bytes for an IPv6 pair over UDP", () => {
    const b = buildV2(netAddr("2001:db8::1", 1), netAddr("::1", 2), { transport: "udp" });
    assert.deepEqual(
      b,
      hex(`${SIG} 21 22 0024 20010db8000000000000000000000001 00000000000000000000000000000001 0001 0002`),
    );
  });

  test("buildV2() maps the IPv4 address into IPv6 when the families differ (both directions)", () => {
    const a = buildV2(netAddr("203.0.113.7", 40000), netAddr("::1", 8443));
    assert.deepEqual(
      a,
      hex(`${SIG} 21 21 0024 00000000000000000000ffffcb007107 00000000000000000000000000000001 9c40 20fb`),
    );
    const b = buildV2(netAddr("::1", 40000), netAddr("10.0.0.1", 80), { transport: "udp" });
    assert.equal(b[13], 0x22);
    assert.deepEqual(b.subarray(32, 48), hex("00000000000000000000ffff0a000001"));
    const r = parseV2(a);
    assert.equal(r.status, "ok");
    if (r.status === "ok") assert.deepEqual(r.header.source, netAddr("203.0.113.7", 40000));
  });

  test("buildV2() writes LOCAL without addresses, the same bytes as the fixture", () => {
    const b = buildV2(netAddr("127.0.0.1", 1), netAddr("127.0.0.1", 2), { command: "local" });
    assert.deepEqual(b, fixture("proxy_v2_local.bin"));
  });

  test("buildV2() appends TLVs and parseV2() reads them back", () => {
    const enc = new TextEncoder();
    const b = buildV2(netAddr("192.0.2.1", 1000), netAddr("192.0.2.2", 443), {
      tlvs: [{ type: TLV.alpn, value: enc.encode("h2") }, {
        type: TLV.authority,
        value: enc.encode("a.example"),
      }],
    });
    assert.equal((b[14] << 8) | b[15], 12 + 5 + 12);
    const r = parseV2(b);
    assert.equal(r.status, "ok");
    if (r.status !== "ok") return;
    assert.deepEqual(r.header.tlvs.map((t) => [t.type, new TextDecoder().decode(t.value)]), [
      [1, "h2"],
      [2, "a.example"],
    ]);
  });
});

describe("parseV2()", () => {
  test("parseV2() reads an IPv4 PROXY header and leaves what follows", () => {
    const r = parseProxyHeader(concat(fixture("proxy_v2_tcp4.bin"), hex("474554")));
    assert.equal(r.status, "ok");
    if (r.status !== "ok") return;
    assert.equal(r.length, 28);
    assert.deepEqual(r.header, {
      version: 2,
      command: "proxy",
      transport: "tcp",
      family: "ipv4",
      source: netAddr("127.0.0.1", 56324),
      destination: netAddr("127.0.0.1", 443),
      tlvs: [],
    });
  });

  test("parseV2() reads LOCAL as a header that keeps the socket addresses, ignoring its family and block", () => {
    const local = hex(`${SIG} 20 11 000c 7f000001 7f000001 0001 0002`);
    for (const b of [fixture("proxy_v2_local.bin"), local]) {
      const r = parseV2(b);
      assert.equal(r.status, "ok");
      if (r.status !== "ok") continue;
      assert.equal(r.header.command, "local");
      assert.equal(r.header.source, undefined);
      assert.equal(r.length, b.length);
    }
  });

  test("parseV2() accepts AF_UNSPEC and AF_UNIX without usable addresses", () => {
    const unspec = parseV2(hex(`${SIG} 21 00 0003 aabbcc`));
    assert.equal(unspec.status, "ok");
    if (unspec.status === "ok") assert.equal(unspec.header.source, undefined);
    const unix = parseV2(concat(hex(`${SIG} 21 31 00d8`), new Uint8Array(216)));
    assert.equal(unix.status, "ok");
    if (unix.status === "ok") assert.equal(unix.header.family, "unix");
  });

  test("parseV2() answers more at every cut point of a valid header", () => {
    const b = buildV2(netAddr("2001:db8::1", 1), netAddr("::1", 2));
    for (let cut = 0; cut < b.length; cut++) {
      assert.equal(parseProxyHeader(b.subarray(0, cut)).status, "more", `cut at ${cut}`);
    }
    assert.equal(parseProxyHeader(b).status, "ok");
  });

  const bad: [string, Uint8Array][] = [
    ["a wrong signature byte", hex(`0d0a0d0a000d0a515549540b 21 11 000c`)],
    ["version 1 in the binary form", hex(`${SIG} 11 11 000c`)],
    ["version 3", hex(`${SIG} 31`)],
    ["command 2", hex(`${SIG} 22 11 000c 7f000001 7f000001 0001 0002`)],
    ["family 4", hex(`${SIG} 21 41 0000`)],
    ["transport 3", hex(`${SIG} 21 13 000c 7f000001 7f000001 0001 0002`)],
    ["an IPv4 block of 11 bytes", hex(`${SIG} 21 11 000b 7f000001 7f000001 0001 00`)],
    ["an IPv6 block of 35 bytes", concat(hex(`${SIG} 21 21 0023`), new Uint8Array(35))],
    ["a TLV that runs past the header", hex(`${SIG} 21 11 0010 7f000001 7f000001 0001 0002 01 0005 6832`)],
    ["a TLV header cut short", hex(`${SIG} 21 11 000e 7f000001 7f000001 0001 0002 01 00`)],
    ["a header of 537 bytes", concat(hex(`${SIG} 21 11 0209`), new Uint8Array(521))],
  ];
  for (const [name, bytes] of bad) {
    test(`parseV2() rejects ${name}`, () => {
      const r = parseProxyHeader(bytes);
      assert.equal(r.status, "invalid", name);
    });
  }

  test("parseV2() decides a too long header from its length field, without waiting for the bytes", () => {
    assert.equal(parseV2(hex(`${SIG} 21 11 ffff`)).status, "invalid");
    assert.equal(parseV2(hex(`${SIG} 21 11 0208`)).status, "more");
  });

  test("V2_SIGNATURE is the 12-byte signature of the specification", () => {
    assert.deepEqual(V2_SIGNATURE, hex(SIG));
  });
});

describe("formatIpv6()", () => {
  const cases: [string, string][] = [
    ["::1", "::1"],
    ["::", "::"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
    ["1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"],
    ["fe80::", "fe80::"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
  ];
  for (const [input, want] of cases) {
    test(`formatIpv6() writes ${input} as ${want}`, () => {
      assert.equal(formatIpv6(parseIpv6(input)!), want);
    });
  }
});

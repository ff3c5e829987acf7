import { describe, test } from "node:test";
import { proxy } from "../../src/detect/proxy.ts";
import {
  assertCase,
  assertMoreAtEveryCut,
  assertNeverThrows,
  type Case,
  fixture,
  patched,
  text,
} from "./helpers.ts";

const v1 = fixture("proxy_v1_tcp4_curl.txt");
const v1six = fixture("proxy_v1_tcp6_curl.txt");
const v2 = fixture("proxy_v2_tcp4.bin");
const line = (s: string) => text(`PROXY ${s}\r\n`);

const cases: Case[] = [
  { name: "curl --haproxy-protocol over IPv4", bytes: v1, transport: "tcp", want: "match" },
  { name: "curl --haproxy-protocol over IPv6", bytes: v1six, transport: "tcp", want: "match" },
  {
    name: "the v1 sample from DETECTORS.md",
    bytes: line("TCP4 192.168.0.1 192.168.0.11 56324 443"),
    transport: "tcp",
    want: "match",
  },
  { name: "v1 UNKNOWN", bytes: line("UNKNOWN"), transport: "tcp", want: "match" },
  {
    name: "v1 with IPv4-mapped IPv6",
    bytes: line("TCP6 ::ffff:192.0.2.1 2001:db8::1 1 65535"),
    transport: "tcp",
    want: "match",
  },
  { name: "v2 PROXY TCP over IPv4", bytes: v2, transport: "tcp", want: "match" },
  { name: "v2 LOCAL", bytes: fixture("proxy_v2_local.bin"), transport: "tcp", want: "match" },
  { name: "v1 with port 65536", bytes: line("TCP4 1.2.3.4 5.6.7.8 65536 443"), transport: "tcp", want: "no" },
  {
    name: "v1 with address 256.1.1.1",
    bytes: line("TCP4 256.1.1.1 5.6.7.8 1 2"),
    transport: "tcp",
    want: "no",
  },
  { name: "v1 TCP4 with an IPv6 address", bytes: line("TCP4 ::1 ::1 1 2"), transport: "tcp", want: "no" },
  { name: "v1 with two '::'", bytes: line("TCP6 1::2::3 ::1 1 2"), transport: "tcp", want: "no" },
  { name: "v1 missing a port", bytes: line("TCP4 1.2.3.4 5.6.7.8 1"), transport: "tcp", want: "no" },
  { name: "v1 with protocol UDP4", bytes: line("UDP4 1.2.3.4 5.6.7.8 1 2"), transport: "tcp", want: "no" },
  {
    name: "v1 longer than 107 bytes",
    bytes: text("PROXY UNKNOWN " + "x".repeat(100)),
    transport: "tcp",
    want: "no",
  },
  { name: "v1 with a bare LF", bytes: text("PROXY UNKNOWN\n"), transport: "tcp", want: "no" },
  { name: "v2 with version 1", bytes: patched(v2, 12, 0x11), transport: "tcp", want: "no" },
  { name: "v2 with command 2", bytes: patched(v2, 12, 0x22), transport: "tcp", want: "no" },
  { name: "v2 with family 4", bytes: patched(v2, 13, 0x41), transport: "tcp", want: "no" },
  {
    name: "v2 PROXY inet with an 11-byte address block",
    bytes: patched(v2, 15, 11),
    transport: "tcp",
    want: "no",
  },
  { name: "a broken v2 signature", bytes: patched(v2, 7, 0x52), transport: "tcp", want: "no" },
  { name: "an HTTP request", bytes: fixture("http_get_curl.txt"), transport: "tcp", want: "no" },
];

describe("proxy detector", () => {
  for (const c of cases) {
    test(`proxy.detect() answers ${c.want} for ${c.name}`, () => assertCase(proxy, c));
  }
  test("proxy.detect() answers more at every cut of curl's v1 header", () => {
    assertMoreAtEveryCut(proxy, v1.subarray(0, v1.indexOf(0x0a) + 1));
  });
  test("proxy.detect() answers more at every cut of a v2 header", () => assertMoreAtEveryCut(proxy, v2, 16));
  test("proxy.detect() never throws on random bytes", () => assertNeverThrows(proxy, [v1, v1six, v2]));
});

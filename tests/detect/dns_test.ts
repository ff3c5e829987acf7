import { describe, test } from "node:test";
import { dns } from "../../src/detect/dns.ts";
import {
  assertCase,
  assertMoreAtEveryCut,
  assertNeverThrows,
  type Case,
  concat,
  fixture,
  hex,
  patched,
} from "./helpers.ts";

const udp = fixture("dns_query_udp_dig.bin");
const noEdns = fixture("dns_query_udp_dig_noedns.bin");
const tcp = fixture("dns_query_tcp_dig.bin");
const framed = (b: Uint8Array) =>
  concat(
    hex((b.length >> 8).toString(16).padStart(2, "0") + (b.length & 0xff).toString(16).padStart(2, "0")),
    b,
  );

const cases: Case[] = [
  { name: "dig www.example.org AAAA (EDNS cookie)", bytes: udp, transport: "udp", want: "match" },
  { name: "dig +noedns example.com MX", bytes: noEdns, transport: "udp", want: "match" },
  { name: "dig +tcp example.com A", bytes: tcp, transport: "tcp", want: "match" },
  {
    name: "a query for the root",
    bytes: hex("1234 0100 0001 0000 0000 0000 00 0002 0001"),
    transport: "udp",
    want: "match",
  },
  { name: "a truncated 12-byte header", bytes: noEdns.subarray(0, 12), transport: "udp", want: "no" },
  { name: "a truncated 14-byte header", bytes: noEdns.subarray(0, 14), transport: "udp", want: "no" },
  { name: "a truncated 16-byte header", bytes: noEdns.subarray(0, 16), transport: "udp", want: "no" },
  { name: "a query cut before its class", bytes: noEdns.subarray(0, 27), transport: "udp", want: "no" },
  { name: "a query with a trailing byte", bytes: concat(noEdns, hex("00")), transport: "udp", want: "no" },
  { name: "a response (QR set)", bytes: patched(noEdns, 2, 0x81), transport: "udp", want: "no" },
  { name: "opcode 2 (status)", bytes: patched(noEdns, 2, 0x11), transport: "udp", want: "no" },
  { name: "zero questions", bytes: patched(noEdns, 5, 0), transport: "udp", want: "no" },
  { name: "an answer count of one", bytes: patched(noEdns, 7, 1), transport: "udp", want: "no" },
  {
    name: "a label of 64 bytes",
    bytes: hex(`0001 0100 0001 0000 0000 0000 40 ${"61".repeat(64)} 00 0001 0001`),
    transport: "udp",
    want: "no",
  },
  {
    name: "a compression pointer in the question",
    bytes: hex("0001 0100 0001 0000 0000 0000 c00c 0001 0001"),
    transport: "udp",
    want: "no",
  },
  { name: "query type 0", bytes: patched(noEdns, -4, 0, 0), transport: "udp", want: "no" },
  { name: "an unknown class", bytes: patched(noEdns, -2, 0, 9), transport: "udp", want: "no" },
  {
    name: "an EDNS record with a bad data length",
    bytes: patched(udp, -13, 0, 0x0d),
    transport: "udp",
    want: "no",
  },
  {
    name: "a TCP length below a query's minimum",
    bytes: hex("0010 1234 0100 0001"),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a TCP length one short of the message",
    bytes: patched(tcp, 1, tcp[1] - 1),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a TCP length one past the complete message",
    bytes: patched(tcp, 1, tcp[1] + 1),
    transport: "tcp",
    want: "no",
  },
  { name: "a framed no-EDNS query over TCP", bytes: framed(noEdns), transport: "tcp", want: "match" },
  {
    name: "a SOCKS5 greeting (reads as a 1282-byte length)",
    bytes: fixture("socks5_curl.bin"),
    transport: "tcp",
    want: "no",
  },
  { name: "an unframed query over TCP", bytes: noEdns, transport: "tcp", want: "no" },
  { name: "an HTTP request", bytes: fixture("http_get_curl.txt"), transport: "tcp", want: "no" },
  {
    name: "a WireGuard initiation",
    bytes: fixture("wireguard_initiation.bin"),
    transport: "udp",
    want: "no",
  },
];

describe("dns detector", () => {
  for (const c of cases) {
    test(`dns.detect() answers ${c.want} for ${c.name}`, () => assertCase(dns, c));
  }
  test("dns.detect() answers more at every cut of dig's TCP query", () => assertMoreAtEveryCut(dns, tcp));
  test("dns.detect() never throws on random bytes", () => assertNeverThrows(dns, [udp, noEdns, tcp]));
});

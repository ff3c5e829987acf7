import { describe, test } from "node:test";
import { openvpn } from "../../src/detect/openvpn.ts";
import {
  assertCase,
  assertMoreAtEveryCut,
  assertNeverThrows,
  type Case,
  fixture,
  hex,
  patched,
  text,
} from "./helpers.ts";

const tcp = fixture("openvpn_tcp_reset.bin");
const tcpAuth = fixture("openvpn_tcp_reset_tls_auth.bin");
const tcpCryptV2 = fixture("openvpn_tcp_reset_tls_crypt_v2.bin");
const udp = fixture("openvpn_udp_reset.bin");
const udpAuth = fixture("openvpn_udp_reset_tls_auth.bin");
const udpCrypt = fixture("openvpn_udp_reset_tls_crypt.bin");
const udpCryptV2 = fixture("openvpn_udp_reset_tls_crypt_v2.bin");

const cases: Case[] = [
  { name: "openvpn 2.6 --proto tcp-client", bytes: tcp, transport: "tcp", want: "match" },
  { name: "openvpn 2.6 --proto tcp-client --tls-auth", bytes: tcpAuth, transport: "tcp", want: "match" },
  {
    name: "openvpn 2.6 --tls-crypt-v2 over TCP (two resets in one read)",
    bytes: tcpCryptV2,
    transport: "tcp",
    want: "match",
  },
  { name: "openvpn 2.6 --proto udp", bytes: udp, transport: "udp", want: "match" },
  { name: "openvpn 2.6 --proto udp --tls-auth", bytes: udpAuth, transport: "udp", want: "match" },
  { name: "openvpn 2.6 --proto udp --tls-crypt", bytes: udpCrypt, transport: "udp", want: "match" },
  { name: "openvpn 2.6 --proto udp --tls-crypt-v2", bytes: udpCryptV2, transport: "udp", want: "match" },
  { name: "a V1 hard reset over UDP", bytes: patched(udp, 0, 0x08), transport: "udp", want: "match" },
  { name: "a V1 hard reset over TCP", bytes: patched(tcp, 2, 0x08), transport: "tcp", want: "no" },
  { name: "a reset with key id 1", bytes: patched(udp, 0, 0x39), transport: "udp", want: "no" },
  { name: "a server reset (opcode 8)", bytes: patched(udp, 0, 0x40), transport: "udp", want: "no" },
  {
    name: "a plain reset with a non-zero packet id",
    bytes: patched(udp, 13, 1),
    transport: "udp",
    want: "no",
  },
  { name: "a plain reset one byte short", bytes: udp.subarray(0, 13), transport: "udp", want: "no" },
  {
    name: "a tls-auth reset with a broken ack count",
    bytes: patched(udpAuth, 37, 1),
    transport: "udp",
    want: "no",
  },
  {
    name: "a tls-crypt-v2 reset with a wrapped key longer than the packet",
    bytes: patched(udpCryptV2, -2, 0x02),
    transport: "udp",
    want: "no",
  },
  { name: "a TCP length of 13", bytes: patched(tcp, 1, 13), transport: "tcp", want: "no" },
  { name: "a TCP length of 2049", bytes: hex("0801 38"), transport: "tcp", want: "no" },
  {
    name: "a TCP length one past the packet (waits for the byte)",
    bytes: patched(tcp, 1, 15),
    transport: "tcp",
    want: "more",
  },
  { name: "an SSH banner", bytes: fixture("ssh_banner.txt"), transport: "tcp", want: "no" },
  { name: "an HTTP request", bytes: text("GET / HTTP/1.1\r\n"), transport: "tcp", want: "no" },
  { name: "a DNS query", bytes: fixture("dns_query_udp_dig.bin"), transport: "udp", want: "no" },
  {
    name: "a WireGuard initiation",
    bytes: fixture("wireguard_initiation.bin"),
    transport: "udp",
    want: "no",
  },
];

describe("openvpn detector", () => {
  for (const c of cases) {
    test(`openvpn.detect() answers ${c.want} for ${c.name}`, () => assertCase(openvpn, c));
  }
  test("openvpn.detect() answers more at every cut of a TCP reset", () => assertMoreAtEveryCut(openvpn, tcp));
  test("openvpn.detect() answers more at every cut of a TCP tls-auth reset", () => {
    assertMoreAtEveryCut(openvpn, tcpAuth);
  });
  test("openvpn.detect() answers more at every cut of a TCP tls-crypt-v2 reset", () => {
    assertMoreAtEveryCut(openvpn, tcpCryptV2.subarray(0, 355));
  });
  test("openvpn.detect() never throws on random bytes", () => {
    assertNeverThrows(openvpn, [tcp, tcpAuth, udp, udpAuth, udpCrypt, udpCryptV2]);
  });
});

import { describe, test } from "node:test";
import { quic } from "../../src/detect/quic.ts";
import { assertCase, assertNeverThrows, type Case, fixture, hex, patched } from "./helpers.ts";

const deno = fixture("quic_initial_deno.bin");
const v2 = fixture("quic_initial_v2.bin");

const cases: Case[] = [
  { name: "deno connectQuic's first Initial (version 1)", bytes: deno, transport: "udp", want: "match" },
  { name: "a version 2 Initial", bytes: v2, transport: "udp", want: "match" },
  {
    name: "a draft-29 Initial",
    bytes: patched(deno, 1, 0xff, 0x00, 0x00, 0x1d),
    transport: "udp",
    want: "match",
  },
  { name: "an Initial cut to 1199 bytes", bytes: deno.subarray(0, 1199), transport: "udp", want: "no" },
  { name: "a version 1 Handshake packet", bytes: patched(deno, 0, 0xe0), transport: "udp", want: "no" },
  {
    name: "a version 2 packet with version 1 Initial bits",
    bytes: patched(v2, 0, 0xc3),
    transport: "udp",
    want: "no",
  },
  {
    name: "an unknown version",
    bytes: patched(deno, 1, 0x0a, 0x0a, 0x0a, 0x0a),
    transport: "udp",
    want: "no",
  },
  { name: "a version negotiation packet", bytes: patched(deno, 1, 0, 0, 0, 0), transport: "udp", want: "no" },
  { name: "the fixed bit cleared", bytes: patched(deno, 0, deno[0] & ~0x40), transport: "udp", want: "no" },
  { name: "a short header packet", bytes: patched(deno, 0, 0x41), transport: "udp", want: "no" },
  { name: "a destination id of 7 bytes", bytes: patched(deno, 5, 7), transport: "udp", want: "no" },
  { name: "a destination id of 21 bytes", bytes: patched(deno, 5, 21), transport: "udp", want: "no" },
  { name: "a length beyond the datagram", bytes: patched(v2, 16, 0x44, 0xff), transport: "udp", want: "no" },
  { name: "a DNS query", bytes: fixture("dns_query_udp_dig.bin"), transport: "udp", want: "no" },
  { name: "a short datagram", bytes: hex("c000000001"), transport: "udp", want: "no" },
];

describe("quic detector", () => {
  for (const c of cases) {
    test(`quic.detect() answers ${c.want} for ${c.name}`, () => assertCase(quic, c));
  }
  test("quic.detect() never throws on random bytes", () => assertNeverThrows(quic, [deno, v2]));
});

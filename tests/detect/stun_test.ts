import { describe, test } from "node:test";
import { stun } from "../../src/detect/stun.ts";
import { assertCase, assertNeverThrows, type Case, concat, fixture, hex, patched } from "./helpers.ts";

const binding = fixture("stun_binding_turnutils.bin");
const withSoftware = concat(patched(binding, 3, 12), hex("8022 0007 706d6d757820 20 00"));

const cases: Case[] = [
  { name: "turnutils_stunclient's binding request", bytes: binding, transport: "udp", want: "match" },
  {
    name: "a binding request with a padded SOFTWARE attribute",
    bytes: withSoftware,
    transport: "udp",
    want: "match",
  },
  {
    name: "a classic RFC 3489 request from stun-client",
    bytes: fixture("stun_rfc3489_stun_client.bin"),
    transport: "udp",
    want: "no",
  },
  {
    name: "a length that is not a multiple of 4",
    bytes: patched(withSoftware, 3, 11),
    transport: "udp",
    want: "no",
  },
  { name: "a length beyond the datagram", bytes: patched(binding, 3, 4), transport: "udp", want: "no" },
  {
    name: "an attribute running past the end",
    bytes: patched(withSoftware, 23, 0x0d),
    transport: "udp",
    want: "no",
  },
  { name: "the top bit set", bytes: patched(binding, 0, 0x80), transport: "udp", want: "no" },
  { name: "a broken magic cookie", bytes: patched(binding, 7, 0x43), transport: "udp", want: "no" },
  { name: "19 bytes", bytes: binding.subarray(0, 19), transport: "udp", want: "no" },
  { name: "a DNS query", bytes: fixture("dns_query_udp_dig.bin"), transport: "udp", want: "no" },
];

describe("stun detector", () => {
  for (const c of cases) {
    test(`stun.detect() answers ${c.want} for ${c.name}`, () => assertCase(stun, c));
  }
  test("stun.detect() never throws on random bytes", () => assertNeverThrows(stun, [binding, withSoftware]));
});

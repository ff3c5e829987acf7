import { describe, test } from "node:test";
import { wireguard } from "../../src/detect/wireguard.ts";
import { assertCase, assertNeverThrows, type Case, concat, fixture, patched } from "./helpers.ts";

const initiation = fixture("wireguard_initiation.bin");
const response = fixture("wireguard_response.bin");
const cookie = fixture("wireguard_cookie_reply.bin");
const keepalive = fixture("wireguard_keepalive.bin");
const transport = fixture("wireguard_transport.bin");
const oneMore = (b: Uint8Array) => concat(b, new Uint8Array(1));

const cases: Case[] = [
  { name: "a handshake initiation (148 bytes)", bytes: initiation, transport: "udp", want: "match" },
  { name: "a handshake response (92 bytes)", bytes: response, transport: "udp", want: "match" },
  { name: "a cookie reply (64 bytes)", bytes: cookie, transport: "udp", want: "match" },
  { name: "a keepalive (32 bytes)", bytes: keepalive, transport: "udp", want: "match" },
  { name: "transport data (96 bytes)", bytes: transport, transport: "udp", want: "match" },
  { name: "an initiation of 147 bytes", bytes: initiation.subarray(0, 147), transport: "udp", want: "no" },
  { name: "an initiation of 149 bytes", bytes: oneMore(initiation), transport: "udp", want: "no" },
  { name: "a response of 91 bytes", bytes: response.subarray(0, 91), transport: "udp", want: "no" },
  { name: "a response of 93 bytes", bytes: oneMore(response), transport: "udp", want: "no" },
  { name: "a cookie reply of 63 bytes", bytes: cookie.subarray(0, 63), transport: "udp", want: "no" },
  { name: "a cookie reply of 65 bytes", bytes: oneMore(cookie), transport: "udp", want: "no" },
  { name: "transport data of 31 bytes", bytes: keepalive.subarray(0, 31), transport: "udp", want: "no" },
  {
    name: "an initiation with a non-zero reserved byte",
    bytes: patched(initiation, 2, 1),
    transport: "udp",
    want: "no",
  },
  { name: "message type 5", bytes: patched(initiation, 0, 5), transport: "udp", want: "no" },
  { name: "message type 0", bytes: patched(initiation, 0, 0), transport: "udp", want: "no" },
  { name: "a QUIC Initial", bytes: fixture("quic_initial_deno.bin"), transport: "udp", want: "no" },
  {
    name: "a STUN binding request",
    bytes: fixture("stun_binding_turnutils.bin"),
    transport: "udp",
    want: "no",
  },
];

describe("wireguard detector", () => {
  for (const c of cases) {
    test(`wireguard.detect() answers ${c.want} for ${c.name}`, () => assertCase(wireguard, c));
  }
  test("wireguard.detect() never throws on random bytes", () => {
    assertNeverThrows(wireguard, [initiation, response, cookie, keepalive]);
  });
});

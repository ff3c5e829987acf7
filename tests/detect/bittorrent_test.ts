import { describe, test } from "node:test";
import { bittorrent } from "../../src/detect/bittorrent.ts";
import {
  assertCase,
  assertMoreAtEveryCut,
  assertNeverThrows,
  type Case,
  concat,
  fixture,
  hex,
  patched,
  text,
} from "./helpers.ts";

const handshake = fixture("bittorrent_handshake_aria2.bin");
const connect = fixture("bittorrent_udp_tracker_connect_aria2.bin");
const dht = fixture("bittorrent_dht_ping_aria2.bin");
const syn = fixture("bittorrent_utp_syn.bin");
const synExt = fixture("bittorrent_utp_syn_extension_bits.bin");
const utpData = concat(patched(syn, 0, 0x01), text("payload"));
const dhtResponse = text("d1:rd2:id20:abcdefghij0123456789e1:t2:aa1:y1:re");

const cases: Case[] = [
  { name: "aria2c's peer handshake (68 bytes)", bytes: handshake, transport: "tcp", want: "match" },
  {
    name: "the first 20 bytes of a handshake",
    bytes: handshake.subarray(0, 20),
    transport: "tcp",
    want: "match",
  },
  {
    name: "aria2c's encrypted (MSE) handshake",
    bytes: fixture("bittorrent_mse_handshake_aria2.bin"),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a handshake with protocol length 18",
    bytes: patched(handshake, 0, 18),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a handshake spelling bittorrent in lower case",
    bytes: patched(handshake, 1, 0x62),
    transport: "tcp",
    want: "no",
  },
  { name: "aria2c's UDP tracker connect", bytes: connect, transport: "udp", want: "match" },
  { name: "aria2c's DHT ping", bytes: dht, transport: "udp", want: "match" },
  { name: "a DHT response", bytes: dhtResponse, transport: "udp", want: "match" },
  { name: "a uTP SYN", bytes: syn, transport: "udp", want: "match" },
  { name: "a uTP SYN with the extension-bits extension", bytes: synExt, transport: "udp", want: "match" },
  { name: "a uTP data packet", bytes: utpData, transport: "udp", want: "match" },
  { name: "a tracker connect with action 1", bytes: patched(connect, 11, 1), transport: "udp", want: "no" },
  {
    name: "a tracker connect with a wrong magic",
    bytes: patched(connect, 7, 0x81),
    transport: "udp",
    want: "no",
  },
  { name: "a tracker connect of 17 bytes", bytes: concat(connect, hex("00")), transport: "udp", want: "no" },
  {
    name: "a DHT message without y",
    bytes: text("d1:ad2:id20:abcdefghij0123456789e1:t2:aae"),
    transport: "udp",
    want: "no",
  },
  { name: "a DHT message with y = x", bytes: text("d1:t2:aa1:y1:x1:q4:pinge"), transport: "udp", want: "no" },
  { name: "a DHT message cut short", bytes: dht.subarray(0, dht.length - 1), transport: "udp", want: "no" },
  { name: "a DHT message with trailing bytes", bytes: concat(dht, hex("00")), transport: "udp", want: "no" },
  { name: "uTP version 2", bytes: patched(syn, 0, 0x42), transport: "udp", want: "no" },
  { name: "uTP type 5", bytes: patched(syn, 0, 0x51), transport: "udp", want: "no" },
  { name: "a uTP SYN with a payload", bytes: concat(syn, hex("00")), transport: "udp", want: "no" },
  {
    name: "a uTP SYN with an extension running past the end",
    bytes: patched(synExt, 21, 9),
    transport: "udp",
    want: "no",
  },
  { name: "a uTP SYN with a timestamp difference", bytes: patched(syn, 11, 1), transport: "udp", want: "no" },
  {
    name: "a WireGuard initiation",
    bytes: fixture("wireguard_initiation.bin"),
    transport: "udp",
    want: "no",
  },
  { name: "a WireGuard keepalive", bytes: fixture("wireguard_keepalive.bin"), transport: "udp", want: "no" },
  {
    name: "a WireGuard transport packet",
    bytes: fixture("wireguard_transport.bin"),
    transport: "udp",
    want: "no",
  },
  { name: "a QUIC Initial", bytes: fixture("quic_initial_deno.bin"), transport: "udp", want: "no" },
  { name: "a QUIC v2 Initial", bytes: fixture("quic_initial_v2.bin"), transport: "udp", want: "no" },
  {
    name: "a STUN binding request",
    bytes: fixture("stun_binding_turnutils.bin"),
    transport: "udp",
    want: "no",
  },
  { name: "a DNS query", bytes: fixture("dns_query_udp_dig.bin"), transport: "udp", want: "no" },
];

describe("bittorrent detector", () => {
  for (const c of cases) {
    test(`bittorrent.detect() answers ${c.want} for ${c.name}`, () => assertCase(bittorrent, c));
  }
  test("bittorrent.detect() answers more at every cut below 20 bytes and decides at 20", () => {
    assertMoreAtEveryCut(bittorrent, handshake.subarray(0, 20));
  });
  test("bittorrent.detect() never throws on random bytes", () => {
    assertNeverThrows(bittorrent, [handshake, connect, dht, syn, synExt, dhtResponse]);
  });
});

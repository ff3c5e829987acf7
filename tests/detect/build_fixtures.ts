/**
 * Writes the detector fixtures that no tool at hand produces, built from the protocol specifications, plus
 * variants derived from captured ones. Deterministic: run again to get the same bytes.
 *
 * `deno run -A tests/detect/build_fixtures.ts` or `bun tests/detect/build_fixtures.ts`
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Deterministic filler so fixtures do not change between runs (mulberry32). */
function random(seed: number): (n: number) => number[] {
  let a = seed >>> 0;
  return (n) =>
    Array.from({ length: n }, () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) & 0xff;
    });
}

function hex(s: string): number[] {
  return (s.replace(/\s+/g, "").match(/../g) ?? []).map((h) => parseInt(h, 16));
}

function u16(v: number): number[] {
  return [v >> 8, v & 0xff];
}

function write(name: string, bytes: number[] | Uint8Array): void {
  writeFileSync(DIR + name, Uint8Array.from(bytes));
}

const fill = random(0x706d6d78);

// WireGuard (whitepaper §5.4): type, 3 reserved zeros, then fixed-size fields; mac2 is zero without a cookie.
write("wireguard_initiation.bin", [1, 0, 0, 0, ...fill(4 + 32 + 48 + 28 + 16), ...new Array(16).fill(0)]);
write("wireguard_response.bin", [2, 0, 0, 0, ...fill(4 + 4 + 32 + 16 + 16), ...new Array(16).fill(0)]);
write("wireguard_cookie_reply.bin", [3, 0, 0, 0, ...fill(4 + 24 + 32)]);
write("wireguard_keepalive.bin", [4, 0, 0, 0, ...fill(4), ...new Array(8).fill(0), ...fill(16)]);
write("wireguard_transport.bin", [4, 0, 0, 0, ...fill(4), 0, 0, 0, 0, 0, 0, 0, 7, ...fill(64 + 16)]);

// uTP (BEP 29) ST_SYN, version 1: no extension, and with the extension-bits extension (type 2, 8 bytes).
const synHeader = (
  ext: number,
) => [0x41, ext, ...u16(0x3a5c), ...fill(4), 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0];
write("bittorrent_utp_syn.bin", synHeader(0));
write("bittorrent_utp_syn_extension_bits.bin", [...synHeader(2), 0, 8, ...new Array(8).fill(0)]);

// Minimal X.224 Connection Request in TPKT (as in DETECTORS.md).
write("rdp_connection_request_minimal.bin", hex("0300 0013 0EE0 0000 0000 0001 0008 0000 0000 00"));

// PROXY protocol v2: PROXY command, TCP over IPv4, 127.0.0.1:56324 -> 127.0.0.1:443; and a LOCAL health check.
const v2 = hex("0D0A0D0A000D0A515549540A");
write("proxy_v2_tcp4.bin", [
  ...v2,
  0x21,
  0x11,
  ...u16(12),
  127,
  0,
  0,
  1,
  127,
  0,
  0,
  1,
  ...u16(56324),
  ...u16(443),
]);
write("proxy_v2_local.bin", [...v2, 0x20, 0x00, ...u16(0)]);

// PostgreSQL GSSENCRequest and a protocol 3.0 CancelRequest (pid 4242, secret key).
write("postgres_gssenc_request.bin", hex("00000008 04D21630"));
write("postgres_cancel_request.bin", [...hex("00000010 04D2162E"), 0, 0, 0x10, 0x92, ...fill(4)]);

// QUIC version 2 Initial (RFC 9369: Initial type bits 01): 8-byte DCID, empty SCID and token, padded to 1200.
const quicV2 = [0xd3, ...hex("6B3343CF"), 8, ...fill(8), 0, 0];
write("quic_initial_v2.bin", [...quicV2, 0x44, 0x9e, ...fill(1200 - quicV2.length - 2)]);

// SSLv2-compatible ClientHello (RFC 6101 E.2 / RFC 5246 E.2): two-byte header with the top bit set.
const ciphers = hex("010080 030080 070080 060040 040080 020080 000039");
const challenge = fill(16);
const sslv2Body = [
  1,
  3,
  1,
  ...u16(ciphers.length),
  ...u16(0),
  ...u16(challenge.length),
  ...ciphers,
  ...challenge,
];
write("tls_sslv2_client_hello.bin", [0x80 | (sslv2Body.length >> 8), sslv2Body.length & 0xff, ...sslv2Body]);

// The openssl ClientHello with SNI re-framed: split over two TLS records, and with the handshake header split.
const hello = readFileSync(DIR + "tls_client_hello_sni.bin").subarray(5);
const record = (part: Uint8Array) => [0x16, 0x03, 0x01, ...u16(part.length), ...part];
write("tls_client_hello_two_records.bin", [
  ...record(hello.subarray(0, 100)),
  ...record(hello.subarray(100)),
]);
write("tls_client_hello_header_split.bin", [...record(hello.subarray(0, 2)), ...record(hello.subarray(2))]);

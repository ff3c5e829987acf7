/**
 * QUIC Initial packet detector (UDP).
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** Clients pad datagrams carrying an Initial to at least 1200 bytes (RFC 9000 §14.1). */
const MIN_DATAGRAM = 1200;
const VERSION_1 = 0x00000001;
const VERSION_2 = 0x6b3343cf;
/** Draft versions 29–34 (0xff00001d–0xff000022) lay out packets like version 1. */
const DRAFT_FIRST = 0xff00001d;
const DRAFT_LAST = 0xff000022;

/**
 * Detects a client's QUIC Initial: long header with the fixed bit, version 1, 2 or a late draft, the Initial
 * packet type of that version, a destination connection id of 8–20 bytes, a source id ≤ 20 bytes, token and
 * length fields that fit, in a datagram of at least 1200 bytes. The payload is not decrypted.
 */
export const quic: Detector = {
  name: "quic",
  transports: ["udp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    return isQuicInitial(bytes) ? "match" : "no";
  },
};

/**
 * Tells whether a datagram starts with a client's QUIC Initial packet (used by other UDP detectors to keep off
 * it).
 *
 * @param bytes one whole datagram
 * @returns true for a plausible QUIC Initial
 */
export function isQuicInitial(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < MIN_DATAGRAM || (bytes[0] & 0xc0) !== 0xc0) return false;
  const version = ((bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]) >>> 0;
  const type = (bytes[0] >> 4) & 0x03;
  if (version === VERSION_2 ? type !== 1 : type !== 0) return false;
  if (version !== VERSION_1 && version !== VERSION_2 && (version < DRAFT_FIRST || version > DRAFT_LAST)) {
    return false;
  }
  const dcid = bytes[5];
  if (dcid < 8 || dcid > 20) return false;
  let p = 6 + dcid;
  const scid = bytes[p];
  if (scid > 20) return false;
  p += 1 + scid;
  const token = varint(bytes, p);
  if (token < 0) return false;
  p += varintSize(bytes[p]) + token;
  const length = varint(bytes, p);
  if (length < 0) return false;
  p += varintSize(bytes[p]);
  // Packet number (1–4 bytes) and at least a 16-byte AEAD tag lie within the declared length.
  return length >= 20 && p + length <= n;
}

function varintSize(first: number): number {
  return 1 << (first >> 6);
}

/** Reads a QUIC variable-length integer at `p`; -1 when it does not fit or exceeds 2^32. */
function varint(b: Uint8Array, p: number): number {
  if (p >= b.length) return -1;
  const size = varintSize(b[p]);
  if (p + size > b.length || size > 4) return -1;
  let v = b[p] & 0x3f;
  for (let i = 1; i < size; i++) v = v * 256 + b[p + i];
  return v;
}

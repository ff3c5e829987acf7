/**
 * STUN message detector (UDP, RFC 8489).
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

const HEADER = 20;

/**
 * Detects a STUN message: the two top bits zero, the magic cookie `21 12 A4 42` at bytes 4–7, a length that is a
 * multiple of 4 and equals the rest of the datagram, and attributes that fill it exactly. Classic RFC 3489
 * messages (no magic cookie) do not match.
 */
export const stun: Detector = {
  name: "stun",
  transports: ["udp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    return isStun(bytes) ? "match" : "no";
  },
};

/**
 * Tells whether a datagram is a STUN message (used by other UDP detectors to keep off it).
 *
 * @param bytes one whole datagram
 * @returns true for a well-formed STUN message
 */
export function isStun(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < HEADER || (bytes[0] & 0xc0) !== 0) return false;
  if (bytes[4] !== 0x21 || bytes[5] !== 0x12 || bytes[6] !== 0xa4 || bytes[7] !== 0x42) return false;
  const len = (bytes[2] << 8) | bytes[3];
  if (len % 4 !== 0 || len !== n - HEADER) return false;
  let p = HEADER;
  while (p < n) {
    if (p + 4 > n) return false;
    const attrLen = (bytes[p + 2] << 8) | bytes[p + 3];
    p += 4 + ((attrLen + 3) & ~3);
  }
  return p === n;
}

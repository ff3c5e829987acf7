/**
 * PostgreSQL first-message detector (StartupMessage v3, SSLRequest, GSSENCRequest, CancelRequest).
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** The server refuses startup packets larger than this (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP = 10000;
/** Protocol 3.2 cancel keys are up to 256 bytes (3.0 ones are 4, giving the classic 16-byte request). */
const MAX_CANCEL = 12 + 256;
/** length(4) + version(4) + the final NUL. */
const MIN_STARTUP = 9;

/**
 * Detects the first message of a PostgreSQL client: an 8-byte SSLRequest or GSSENCRequest, a CancelRequest
 * (16 bytes, longer with protocol 3.2 keys), or a protocol 3.x StartupMessage whose NUL-terminated name/value pairs and final NUL fill the
 * declared length exactly (≤ 10000 bytes). A StartupMessage is decided once all of it has arrived.
 */
export const postgres: Detector = {
  name: "postgres",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    const n = bytes.length;
    // The length is below 10000, so its top two bytes are zero.
    if ((n >= 1 && bytes[0] !== 0) || (n >= 2 && bytes[1] !== 0)) return "no";
    if (n >= 3 && bytes[2] > MAX_STARTUP >> 8) return "no";
    // The code starts 0x0003 (protocol 3.x) or 0x04D2 (the special request codes).
    if (n >= 5 && bytes[4] !== 0x00 && bytes[4] !== 0x04) return "no";
    if (n >= 6 && bytes[5] !== (bytes[4] === 0 ? 0x03 : 0xd2)) return "no";
    if (n < 8) return "more";
    const len = u32(bytes, 0);
    const code = u32(bytes, 4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) return len === 8 ? "match" : "no";
    if (code === CANCEL_REQUEST) return len < 16 || len > MAX_CANCEL ? "no" : n >= len ? "match" : "more";
    if (code >>> 16 !== 3 || len < MIN_STARTUP || len > MAX_STARTUP) return "no";
    return parameters(bytes, len);
  },
};

/** Walks the name/value pairs of a StartupMessage of length `len`: printable strings ending in NUL. */
function parameters(b: Uint8Array, len: number): Verdict {
  const end = Math.min(b.length, len);
  let p = 8;
  let strings = 0;
  while (p < end) {
    if (b[p] === 0 && strings % 2 === 0) {
      // An empty name ends the list; it must be the last byte of the message.
      if (p !== len - 1) return "no";
      return "match";
    }
    while (p < end && b[p] !== 0) {
      if (b[p] < 0x20 && b[p] !== 0x09) return "no";
      p++;
    }
    if (p === end) break;
    p++;
    strings++;
  }
  return end < len ? "more" : "no";
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

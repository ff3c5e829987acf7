/**
 * SOCKS4 and SOCKS4a request detector.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** Longest user id or SOCKS4a host name accepted before giving up. */
const MAX_FIELD = 255;

/**
 * Detects a SOCKS4 request: `04`, command 1 (connect) or 2 (bind), port, IPv4 address, a printable user id ending
 * in `00`; for SOCKS4a (address `0.0.0.x`, x ≠ 0) a host name ending in `00` follows.
 */
export const socks4: Detector = {
  name: "socks4",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    const n = bytes.length;
    if (n >= 1 && bytes[0] !== 0x04) return "no";
    if (n >= 2 && bytes[1] !== 0x01 && bytes[1] !== 0x02) return "no";
    if (n < 8) return "more";
    const socks4a = bytes[4] === 0 && bytes[5] === 0 && bytes[6] === 0;
    if (socks4a && bytes[7] === 0) return "no";
    const end = field(bytes, 8);
    if (end < 0 || !socks4a) return end === -1 ? "more" : end === -2 ? "no" : "match";
    const host = field(bytes, end);
    if (host === end + 1) return "no";
    return host === -1 ? "more" : host === -2 ? "no" : "match";
  },
};

/** Scans a printable NUL-terminated field at `p`: index after the NUL, -1 if unterminated, -2 if invalid. */
function field(b: Uint8Array, p: number): number {
  const stop = Math.min(b.length, p + MAX_FIELD + 1);
  for (let i = p; i < stop; i++) {
    const c = b[i];
    if (c === 0) return i + 1;
    if (c < 0x20 || c > 0x7e) return -2;
  }
  return stop === b.length && b.length <= p + MAX_FIELD ? -1 : -2;
}

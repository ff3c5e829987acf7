/**
 * SOCKS5 greeting detector.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/**
 * Detects a SOCKS5 greeting (RFC 1928 §3): `05`, a method count ≥ 1, then that many methods, each one of the
 * assigned values 0x00–0x09 or private 0x80–0xFE (0xFF means "no acceptable method" and is never offered).
 * `curl --socks5` sends `05 02 00 01`.
 */
export const socks5: Detector = {
  name: "socks5",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    const n = bytes.length;
    if (n >= 1 && bytes[0] !== 0x05) return "no";
    if (n < 2) return "more";
    const count = bytes[1];
    if (count === 0) return "no";
    const stop = Math.min(n, 2 + count);
    for (let i = 2; i < stop; i++) {
      const m = bytes[i];
      if (m > 0x09 && (m < 0x80 || m === 0xff)) return "no";
    }
    return n >= 2 + count ? "match" : "more";
  },
};

/**
 * HTTP/2 prior-knowledge (h2c) connection preface detector.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` (RFC 9113 §3.4). */
const PREFACE = Uint8Array.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", (c) => c.charCodeAt(0));

/** Detects the 24-byte HTTP/2 client connection preface sent with prior knowledge. */
export const http2: Detector = {
  name: "http2",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    return matchPrefix(bytes, PREFACE);
  },
};

function matchPrefix(bytes: Uint8Array, expected: Uint8Array): Verdict {
  const n = Math.min(bytes.length, expected.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== expected[i]) return "no";
  return n === expected.length ? "match" : "more";
}

/**
 * Syslog message detector (RFC 5424 / RFC 3164, RFC 6587 framing on TCP).
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** Octet counts longer than this many digits are not plausible message lengths. */
const MAX_COUNT_DIGITS = 9;

/**
 * Detects a syslog message: `<PRI>` with PRI 0–191 written without leading zeros, followed by a printable
 * character (the RFC 5424 version digit, an RFC 3164 timestamp, or a space). On TCP an octet count and a space
 * may come first (`100 <13>1 …`).
 */
export const syslog: Detector = {
  name: "syslog",
  transports: ["tcp", "udp"],
  detect(bytes: Uint8Array, transport: Transport): Verdict {
    const v = scan(bytes, transport === "tcp");
    return v === "more" && transport === "udp" ? "no" : v;
  },
};

function scan(b: Uint8Array, counted: boolean): Verdict {
  const n = b.length;
  let p = 0;
  if (counted && n > 0 && b[0] >= 0x31 && b[0] <= 0x39) {
    while (p < n && isDigit(b[p])) p++;
    if (p > MAX_COUNT_DIGITS) return "no";
    if (p === n) return "more";
    if (b[p++] !== 0x20) return "no";
  }
  if (p === n) return "more";
  if (b[p++] !== 0x3c) return "no";
  const start = p;
  let pri = 0;
  while (p < n && isDigit(b[p]) && p - start < 3) pri = pri * 10 + b[p++] - 0x30;
  const digits = p - start;
  if ((digits > 1 && b[start] === 0x30) || pri > 191) return "no";
  if (p === n) return "more";
  if (digits === 0 || b[p++] !== 0x3e) return "no";
  if (p === n) return "more";
  return b[p] >= 0x20 && b[p] <= 0x7e ? "match" : "no";
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

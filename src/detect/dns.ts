/**
 * DNS query detector over UDP and TCP (2-byte length prefix).
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

const HEADER = 12;
/** Smallest query: header, root name (1), type (2), class (2). */
const MIN_QUERY = HEADER + 5;
const MAX_NAME = 255;
/**
 * Largest query accepted over TCP. One question, EDNS options, padding (RFC 8467 pads queries to 128-byte blocks)
 * and a TSIG stay far below it, while the first two bytes of text protocols (`GE`, `SS`, 0x1603) read as larger.
 */
const MAX_TCP_QUERY = 1232;
const MAX_QUESTIONS = 16;
/** Query classes: IN, CH, HS, NONE, ANY. */
const CLASSES = new Set([1, 3, 4, 254, 255]);

/**
 * Detects a standard DNS query: QR 0, opcode 0, no AA/TC/Z bits, RCODE 0, 1–16 questions, no answers, at most one
 * authority record (IXFR) and two additional records (EDNS OPT, TSIG); every question a printable name of labels
 * ≤ 63 bytes (≤ 255 in all) with a non-zero type and a known class, and the records filling the message exactly.
 * Over TCP the message follows its 2-byte length (17–1232), and "more" is answered until the whole message is
 * there.
 */
export const dns: Detector = {
  name: "dns",
  transports: ["tcp", "udp"],
  detect(bytes: Uint8Array, transport: Transport): Verdict {
    if (transport === "udp") return query(bytes, 0, bytes.length, bytes.length) === "match" ? "match" : "no";
    if (bytes.length < 2) return bytes.length === 1 && bytes[0] > MAX_TCP_QUERY >> 8 ? "no" : "more";
    const len = (bytes[0] << 8) | bytes[1];
    if (len < MIN_QUERY || len > MAX_TCP_QUERY) return "no";
    return query(bytes, 2, len, Math.min(bytes.length - 2, len));
  },
};

/** Checks the message `b[off, off + len)` of which `avail` bytes are present. */
function query(b: Uint8Array, off: number, len: number, avail: number): Verdict {
  const end = off + avail;
  const stop = off + len;
  if (len < MIN_QUERY) return "no";
  if (avail > 2 && (b[off + 2] & 0xfe) !== 0) return "no"; // QR, opcode, AA, TC
  if (avail > 3 && (b[off + 3] & 0xcf) !== 0) return "no"; // RA, Z, RCODE
  if (avail < HEADER) return "more";
  const qd = u16(b, off + 4);
  const records = u16(b, off + 8) + u16(b, off + 10);
  if (
    qd === 0 || qd > MAX_QUESTIONS || u16(b, off + 6) !== 0 || u16(b, off + 8) > 1 || u16(b, off + 10) > 2
  ) {
    return "no";
  }
  let p = off + HEADER;
  for (let i = 0; i < qd + records; i++) {
    const question = i < qd;
    const after = name(b, p, off, stop, end, question);
    if (after < 0) return after === MORE ? "more" : "no";
    p = after;
    const fixed = question ? 4 : 10;
    if (p + fixed > stop) return "no";
    if (p + fixed > end) return "more";
    const type = u16(b, p);
    if (type === 0 || (question && !CLASSES.has(u16(b, p + 2)))) return "no";
    if (!question) {
      const rdLen = u16(b, p + 8);
      if (p + fixed + rdLen > stop) return "no";
      p += rdLen;
    }
    p += fixed;
  }
  if (p !== stop) return "no";
  return end < stop ? "more" : "match";
}

const MORE = -1;
const NO = -2;

/**
 * Walks a domain name at `p`: returns the offset after it, or MORE / NO. Questions must be printable and
 * uncompressed; record names may end in a pointer to an earlier offset of the message.
 */
function name(b: Uint8Array, p: number, msg: number, stop: number, end: number, question: boolean): number {
  let total = 1;
  for (;;) {
    if (p >= stop) return NO;
    if (p >= end) return MORE;
    const label = b[p];
    if (label === 0) return p + 1;
    if ((label & 0xc0) === 0xc0 && !question) {
      if (p + 2 > stop) return NO;
      if (p + 2 > end) return MORE;
      const target = ((label & 0x3f) << 8) | b[p + 1];
      return target >= HEADER && msg + target < p ? p + 2 : NO;
    }
    if (label > 63) return NO;
    total += label + 1;
    if (total > MAX_NAME || p + 1 + label > stop) return NO;
    for (let i = p + 1; i <= p + label; i++) {
      if (i >= end) return MORE;
      if (b[i] < 0x21 || b[i] > 0x7e) return NO;
    }
    p += 1 + label;
  }
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

/**
 * XMPP stream header detector.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** Longest XML declaration and stream tag considered; real ones are 100–250 bytes. */
const MAX_DECLARATION = 256;
const MAX_HEADER = 1024;
const XML_DECL = ascii("<?xml");
const STREAM = ascii("<stream:stream");
const JABBER = ascii("jabber");

/**
 * Detects an XMPP client or server stream: an optional BOM, whitespace and `<?xml …?>` declaration, then a
 * `<stream:stream` tag whose attributes mention `jabber` (`jabber:client`, `jabber:server` or the
 * `http://etherx.jabber.org/streams` namespace). Matches as soon as `jabber` shows up inside the tag.
 */
export const xmpp: Detector = {
  name: "xmpp",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    const n = bytes.length;
    let p = skipSpace(bytes, n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
    if (p === n) return p < MAX_DECLARATION ? "more" : "no";
    if (bytes[p + 1] === 0x3f || (p + 1 === n && bytes[p] === 0x3c)) {
      const prefix = startsWith(bytes, p, XML_DECL);
      if (prefix !== "match") return prefix;
      const close = declarationEnd(bytes, p);
      if (close < 0) return n - p < MAX_DECLARATION && close === -1 ? "more" : "no";
      p = skipSpace(bytes, close);
      if (p === n) return "more";
    }
    const tag = startsWith(bytes, p, STREAM);
    if (tag !== "match") return tag;
    p += STREAM.length;
    if (p === n) return "more";
    if (bytes[p] !== 0x20 && bytes[p] !== 0x09 && bytes[p] !== 0x0d && bytes[p] !== 0x0a) return "no";
    for (; p < n && p < MAX_HEADER; p++) {
      const c = bytes[p];
      if (c === 0x3e) return "no";
      if (c < 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return "no";
      if (c === 0x6a && startsWith(bytes, p, JABBER) === "match") return "match";
    }
    return p < MAX_HEADER ? "more" : "no";
  },
};

/** Index after `?>` of the declaration at `p`; -1 while unterminated, -2 on a control byte. */
function declarationEnd(b: Uint8Array, p: number): number {
  const stop = Math.min(b.length, p + MAX_DECLARATION);
  for (let i = p + XML_DECL.length; i < stop; i++) {
    if (b[i] < 0x20 && b[i] !== 0x09 && b[i] !== 0x0d && b[i] !== 0x0a) return -2;
    if (b[i] === 0x3e) return b[i - 1] === 0x3f ? i + 1 : -2;
  }
  return -1;
}

function startsWith(b: Uint8Array, p: number, expected: Uint8Array): Verdict {
  const n = Math.min(b.length - p, expected.length);
  for (let i = 0; i < n; i++) if (b[p + i] !== expected[i]) return "no";
  return n === expected.length ? "match" : "more";
}

function skipSpace(b: Uint8Array, p: number): number {
  while (
    p < b.length && p < MAX_DECLARATION && (b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x0d || b[p] === 0x0a)
  ) {
    p++;
  }
  return p;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

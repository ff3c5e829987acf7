/**
 * HTTP/1.x request-line detector.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** Longest method token accepted; registered methods are at most 17 characters. */
const MAX_METHOD = 24;

/** Bytes allowed in a token (RFC 9110 §5.6.2): letters, digits and ``!#$%&'*+-.^_`|~``. */
const TCHAR = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;

const VERSION = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

/**
 * Detects an HTTP/1.x request: `METHOD SP request-target SP HTTP/d.d` then CRLF (or a bare LF). Any token is a
 * method, so `CONNECT host:port`, `OPTIONS *`, absolute-form targets and WebSocket upgrades match, and so does the
 * HTTP/2 preface `PRI * HTTP/2.0` (order `http2` first to tell them apart).
 */
export const http: Detector = {
  name: "http",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    return requestLine(bytes);
  },
};

function requestLine(b: Uint8Array): Verdict {
  const n = b.length;
  let p = 0;
  while (p < n && TCHAR[b[p]] === 1) p++;
  if (p > MAX_METHOD) return "no";
  if (p === n) return "more";
  if (p === 0 || b[p] !== 0x20) return "no";
  p++;
  const target = p;
  // request-target: visible ASCII (and obs-text some clients send raw), no spaces or controls.
  while (p < n && b[p] > 0x20 && b[p] !== 0x7f) p++;
  if (p === n) return "more";
  if (p === target || b[p] !== 0x20) return "no";
  p++;
  for (let i = 0; i < VERSION.length; i++, p++) {
    if (p === n) return "more";
    if (b[p] !== VERSION[i]) return "no";
  }
  if (p === n) return "more";
  if (!isDigit(b[p++])) return "no";
  if (p === n) return "more";
  if (b[p++] !== 0x2e) return "no";
  if (p === n) return "more";
  if (!isDigit(b[p++])) return "no";
  if (p === n) return "more";
  if (b[p] === 0x0a) return "match";
  if (b[p++] !== 0x0d) return "no";
  if (p === n) return "more";
  return b[p] === 0x0a ? "match" : "no";
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

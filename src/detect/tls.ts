/**
 * TLS ClientHello detector and parser (SNI, ALPN, versions), reassembling a hello split over records.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** What a ClientHello tells before any key exchange. Fields other than `verdict` are set on "match" only. */
export interface ClientHelloInfo {
  /** "match" for a complete, consistent ClientHello; "more" for a valid prefix; "no" otherwise. */
  verdict: Verdict;
  /** The first host_name of the server_name extension, lower-cased. */
  sni?: string;
  /** Protocol names of the ALPN extension, in the client's order. */
  alpn?: string[];
  /** `legacy_version` of the hello, e.g. 0x0303. */
  legacyVersion?: number;
  /** Versions of the supported_versions extension (TLS 1.3 clients), GREASE values included. */
  supportedVersions?: number[];
}

const RECORD_HEADER = 5;
const MAX_RECORD = 16384;
/** Largest handshake message reassembled; post-quantum hellos are ~2 KB, far below this. */
const MAX_HELLO = 16384;
/** version(2) random(32) session_id(1) cipher_suites(2+2) compression(1+1). */
const MIN_HELLO = 41;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;

/**
 * Parses the TLS ClientHello at the start of `bytes`, which may be cut anywhere and may span several records.
 *
 * Cost: one pass over the hello. A hello inside a single record is read in place; a hello split over records is
 * copied once per call into a buffer of its size.
 *
 * @param bytes every byte the client sent so far
 * @returns the verdict, and on "match" the server name, ALPN list and versions
 * @example
 * ```ts
 * const info = parseClientHello(preview);
 * if (info.verdict === "match" && info.sni === "example.com") route();
 * ```
 */
export function parseClientHello(bytes: Uint8Array): ClientHelloInfo {
  const info: ClientHelloInfo = { verdict: "more" };
  info.verdict = parse(bytes, info);
  if (info.verdict !== "match") return { verdict: info.verdict };
  return info;
}

/** Detects a TLS ClientHello (`0x16 0x03 0x00–0x04`, handshake type 1) with consistent lengths. */
export const tls: Detector = {
  name: "tls",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    return parse(bytes, null);
  },
};

function recordHeader(bytes: Uint8Array, at: number): Verdict | number {
  const n = bytes.length - at;
  if (n >= 1 && bytes[at] !== 0x16) return "no";
  if (n >= 2 && bytes[at + 1] !== 0x03) return "no";
  if (n >= 3 && bytes[at + 2] > 0x04) return "no";
  if (n < RECORD_HEADER) return "more";
  const len = (bytes[at + 3] << 8) | bytes[at + 4];
  return len === 0 || len > MAX_RECORD ? "no" : len;
}

function parse(bytes: Uint8Array, info: ClientHelloInfo | null): Verdict {
  const first = recordHeader(bytes, 0);
  if (typeof first !== "number") return first;
  const avail = Math.min(first, bytes.length - RECORD_HEADER);
  if (avail >= 1 && bytes[5] !== 1) return "no";
  if (avail >= 4) {
    const hsLen = (bytes[6] << 16) | (bytes[7] << 8) | bytes[8];
    if (hsLen < MIN_HELLO || hsLen > MAX_HELLO) return "no";
    // Common case: the whole hello sits in the first record, read it in place.
    if (first >= 4 + hsLen) return parseHello(bytes, 9, hsLen, Math.min(bytes.length, 9 + hsLen), info);
  }
  return parseSplit(bytes, info);
}

/** Gathers the handshake fragments of consecutive records into one buffer, then parses it. */
function parseSplit(bytes: Uint8Array, info: ClientHelloInfo | null): Verdict {
  let total = 0;
  let at = 0;
  let header = 0;
  let need = -1;
  // Stop at the end of the hello: a client may send other records (0-RTT data) right behind it.
  while (at < bytes.length && (need < 0 || total < need)) {
    const len = recordHeader(bytes, at);
    if (len === "no") return "no";
    if (typeof len !== "number") break;
    const avail = Math.min(len, bytes.length - at - RECORD_HEADER);
    for (let i = 0; i < avail && total + i < 4; i++) header = header * 256 + bytes[at + RECORD_HEADER + i];
    total += avail;
    if (need < 0 && total >= 4) {
      need = 4 + (header % 0x1000000);
      if (need > 4 + MAX_HELLO) return "no";
    }
    at += RECORD_HEADER + len;
  }
  const buf = new Uint8Array(need < 0 ? total : Math.min(total, need));
  let filled = 0;
  at = 0;
  while (filled < buf.length) {
    const len = (bytes[at + 3] << 8) | bytes[at + 4];
    const piece = bytes.subarray(at + RECORD_HEADER, Math.min(at + RECORD_HEADER + len, bytes.length));
    const take = Math.min(piece.length, buf.length - filled);
    buf.set(take === piece.length ? piece : piece.subarray(0, take), filled);
    filled += take;
    at += RECORD_HEADER + len;
  }
  if (filled >= 1 && buf[0] !== 1) return "no";
  if (filled < 4) return "more";
  const hsLen = (buf[1] << 16) | (buf[2] << 8) | buf[3];
  if (hsLen < MIN_HELLO || hsLen > MAX_HELLO) return "no";
  return parseHello(buf, 4, hsLen, Math.min(filled, 4 + hsLen), info);
}

/**
 * Walks the hello body `b[start, start + len)` of which `b[start, end)` is available. Returns "more" when a
 * field runs past `end` while still inside the declared length.
 */
function parseHello(
  b: Uint8Array,
  start: number,
  len: number,
  end: number,
  info: ClientHelloInfo | null,
): Verdict {
  const stop = start + len;
  let p = start;
  if (end - p >= 1 && b[p] !== 0x03) return "no";
  if (end - p >= 2 && b[p + 1] > 0x04) return "no";
  if (end - p < 35) return "more";
  const legacyVersion = (b[p] << 8) | b[p + 1];
  p += 34;
  const sessionLen = b[p];
  if (sessionLen > 32) return "no";
  p += 1 + sessionLen;
  if (end - p < 2) return p + 2 > stop ? "no" : "more";
  const suitesLen = (b[p] << 8) | b[p + 1];
  if (suitesLen < 2 || suitesLen % 2 !== 0) return "no";
  p += 2 + suitesLen;
  if (p + 1 > stop) return "no";
  if (end - p < 1) return "more";
  const compLen = b[p];
  if (compLen < 1) return "no";
  p += 1 + compLen;
  if (p > stop) return "no";
  if (p === stop) {
    // No extensions at all: fine for TLS 1.0–1.2 clients, but an SSL 3.0 hello is not TLS.
    if (legacyVersion < 0x0301) return "no";
    if (end < stop) return "more";
    if (info) info.legacyVersion = legacyVersion;
    return "match";
  }
  if (end - p < 2) return p + 2 > stop ? "no" : "more";
  const extLen = (b[p] << 8) | b[p + 1];
  p += 2;
  if (p + extLen !== stop) return "no";
  if (info) info.legacyVersion = legacyVersion;
  while (p < stop) {
    if (end - p < 4) return p + 4 > stop ? "no" : "more";
    const type = (b[p] << 8) | b[p + 1];
    const len = (b[p + 2] << 8) | b[p + 3];
    p += 4;
    if (p + len > stop) return "no";
    if (end - p < len) return "more";
    if (type === EXT_SERVER_NAME && !serverName(b, p, len, info)) return "no";
    if (type === EXT_ALPN && !alpn(b, p, len, info)) return "no";
    if (type === EXT_SUPPORTED_VERSIONS && !supportedVersions(b, p, len, info)) return "no";
    p += len;
  }
  return "match";
}

function serverName(b: Uint8Array, p: number, len: number, info: ClientHelloInfo | null): boolean {
  // An empty server_name extension is what servers send back; clients always send a list.
  if (len < 2 || ((b[p] << 8) | b[p + 1]) !== len - 2) return false;
  const stop = p + len;
  p += 2;
  while (p < stop) {
    if (p + 3 > stop) return false;
    const type = b[p];
    const nameLen = (b[p + 1] << 8) | b[p + 2];
    p += 3;
    if (nameLen === 0 || p + nameLen > stop) return false;
    if (type === 0 && info && info.sni === undefined) info.sni = latin1(b, p, nameLen).toLowerCase();
    p += nameLen;
  }
  return true;
}

function alpn(b: Uint8Array, p: number, len: number, info: ClientHelloInfo | null): boolean {
  if (len < 2 || ((b[p] << 8) | b[p + 1]) !== len - 2) return false;
  const stop = p + len;
  p += 2;
  const names: string[] | null = info ? [] : null;
  while (p < stop) {
    const nameLen = b[p];
    p += 1;
    if (nameLen === 0 || p + nameLen > stop) return false;
    names?.push(latin1(b, p, nameLen));
    p += nameLen;
  }
  if (info && names) info.alpn = names;
  return true;
}

function supportedVersions(b: Uint8Array, p: number, len: number, info: ClientHelloInfo | null): boolean {
  if (len < 3 || b[p] !== len - 1 || b[p] % 2 !== 0) return false;
  if (info) {
    const versions: number[] = [];
    for (let i = p + 1; i < p + len; i += 2) versions.push((b[i] << 8) | b[i + 1]);
    info.supportedVersions = versions;
  }
  return true;
}

function latin1(b: Uint8Array, p: number, len: number): string {
  let s = "";
  for (let i = p; i < p + len; i++) s += String.fromCharCode(b[i]);
  return s;
}

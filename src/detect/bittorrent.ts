/**
 * BitTorrent detector: peer handshake (TCP); uTP, UDP tracker and DHT KRPC messages (UDP).
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";
import { isQuicInitial } from "./quic.ts";
import { isStun } from "./stun.ts";
import { isWireguard } from "./wireguard.ts";

const HANDSHAKE = Uint8Array.from("\x13BitTorrent protocol", (c) => c.charCodeAt(0));
/** UDP tracker protocol id 0x41727101980 (BEP 15). */
const TRACKER_MAGIC = [0x00, 0x00, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80];
const UTP_HEADER = 20;
const UTP_SYN = 4;
const MAX_DEPTH = 16;

/**
 * Detects BitTorrent. TCP: the handshake prefix `0x13 "BitTorrent protocol"`, decided after 20 bytes (encrypted
 * MSE handshakes look random and do not match). UDP: a uTP packet (BEP 29: version 1, type 0–4, a valid extension
 * chain; a SYN carries no payload), a tracker connect request (BEP 15 magic, action 0; the announce and scrape
 * requests that follow ride the session it opened), or a DHT KRPC message (a bencoded dictionary with `t` and
 * `y` keys). Datagrams shaped like WireGuard, a QUIC Initial or STUN never match.
 */
export const bittorrent: Detector = {
  name: "bittorrent",
  transports: ["tcp", "udp"],
  detect(bytes: Uint8Array, transport: Transport): Verdict {
    if (transport === "udp") return isBittorrentDatagram(bytes) ? "match" : "no";
    const n = Math.min(bytes.length, HANDSHAKE.length);
    for (let i = 0; i < n; i++) if (bytes[i] !== HANDSHAKE[i]) return "no";
    return n === HANDSHAKE.length ? "match" : "more";
  },
};

function isBittorrentDatagram(b: Uint8Array): boolean {
  if (b.length < 14 || isWireguard(b) || isQuicInitial(b) || isStun(b)) return false;
  if (b[0] === 0x64) return isKrpc(b);
  return isTrackerConnect(b) || isUtp(b);
}

/** A connect request: exactly 16 bytes, the protocol magic, action 0 and a transaction id. */
function isTrackerConnect(b: Uint8Array): boolean {
  return b.length === 16 && u32(b, 8) === 0 && TRACKER_MAGIC.every((c, i) => b[i] === c);
}

function isUtp(b: Uint8Array): boolean {
  const type = b[0] >> 4;
  if ((b[0] & 0x0f) !== 1 || type > UTP_SYN || b.length < UTP_HEADER) return false;
  let ext = b[1];
  let p = UTP_HEADER;
  while (ext !== 0) {
    if (ext > 3 || p + 2 > b.length) return false;
    ext = b[p];
    p += 2 + b[p + 1];
    if (p > b.length) return false;
  }
  // Only data packets carry a payload; a SYN has not heard from the peer, so its timestamp difference is 0.
  if (type !== 0 && p !== b.length) return false;
  return type !== UTP_SYN || u32(b, 8) === 0;
}

/** A KRPC message: a bencoded dictionary spanning the whole datagram, with a `t` key and `y` of q, r or e. */
function isKrpc(b: Uint8Array): boolean {
  let p = 1;
  let hasT = false;
  let hasY = false;
  while (p < b.length && b[p] !== 0x65) {
    if (!isDigit(b[p])) return false;
    const key = p;
    p = skip(b, p, 0);
    if (p < 0) return false;
    const value = p;
    p = skip(b, p, 0);
    if (p < 0) return false;
    if (b[key] === 0x31 && b[key + 1] === 0x3a) {
      if (b[key + 2] === 0x74) hasT = true;
      if (b[key + 2] === 0x79) {
        const y = b[value + 2];
        hasY = b[value] === 0x31 && b[value + 1] === 0x3a && (y === 0x71 || y === 0x72 || y === 0x65);
      }
    }
  }
  return p === b.length - 1 && hasT && hasY;
}

/** Skips one bencoded value at `p`; returns the index after it or -1. */
function skip(b: Uint8Array, p: number, depth: number): number {
  if (p >= b.length || depth > MAX_DEPTH) return -1;
  const c = b[p];
  if (isDigit(c)) {
    let len = 0;
    while (p < b.length && isDigit(b[p]) && len < b.length) len = len * 10 + b[p++] - 0x30;
    if (b[p] !== 0x3a) return -1;
    return p + 1 + len <= b.length ? p + 1 + len : -1;
  }
  if (c === 0x69) {
    p++;
    if (b[p] === 0x2d) p++;
    const start = p;
    while (p < b.length && isDigit(b[p])) p++;
    return p > start && b[p] === 0x65 ? p + 1 : -1;
  }
  if (c !== 0x6c && c !== 0x64) return -1;
  p++;
  while (p < b.length && b[p] !== 0x65) {
    if (c === 0x64 && !isDigit(b[p])) return -1;
    p = skip(b, p, depth + 1);
    if (p < 0) return -1;
    if (c === 0x64) p = skip(b, p, depth + 1);
    if (p < 0) return -1;
  }
  return p < b.length ? p + 1 : -1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/**
 * WireGuard message detector (UDP).
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** Exact sizes of the handshake initiation (1), handshake response (2) and cookie reply (3). */
const HANDSHAKE_SIZES = [0, 148, 92, 64];
/** Transport data (4): header(16) + encrypted payload + tag(16); an empty payload is a keepalive. */
const MIN_TRANSPORT = 32;

/**
 * Detects a WireGuard datagram: a message type 1–4 followed by three zero bytes, with the exact size of that
 * message type (148, 92, 64) or, for transport data, at least 32 bytes. Off-by-one sizes do not match.
 */
export const wireguard: Detector = {
  name: "wireguard",
  transports: ["udp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    return isWireguard(bytes) ? "match" : "no";
  },
};

/**
 * Tells whether a datagram has the shape of a WireGuard message (used by other UDP detectors to keep off it).
 *
 * @param bytes one whole datagram
 * @returns true for a WireGuard-shaped datagram
 */
export function isWireguard(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < MIN_TRANSPORT || bytes[1] !== 0 || bytes[2] !== 0 || bytes[3] !== 0) return false;
  const type = bytes[0];
  if (type >= 1 && type <= 3) return n === HANDSHAKE_SIZES[type];
  return type === 4;
}

/**
 * OpenVPN client hard-reset detector over TCP (length-framed) and UDP.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** Opcode (high five bits) of P_CONTROL_HARD_RESET_CLIENT_V1/V2/V3 with key id 0. */
const RESET_V1 = 0x08;
const RESET_V2 = 0x38;
const RESET_V3 = 0x50;
/** HMAC sizes `--tls-auth` may use (MD5, SHA1, SHA256, SHA384, SHA512). */
const HMAC_SIZES = [16, 20, 32, 48, 64];
/** opcode(1) session id(8) ack count(1) packet id(4). */
const MIN_RESET = 14;
/** tls-crypt-v2 wraps a client key of up to 1024 bytes into the reset; nothing legitimate is larger. */
const MAX_RESET = 2048;
/** opcode(1) session id(8) packet id + time(8) tag(32) then at least ack count + packet id encrypted. */
const MIN_TLS_CRYPT = 54;

/**
 * Detects the first packet of an OpenVPN client: a hard reset (V2, or V3 with tls-crypt-v2; V1 on UDP too) whose
 * layout fits plain, `--tls-auth`, `--tls-crypt` or `--tls-crypt-v2` framing. Over TCP the packet is preceded by
 * a 2-byte length and the verdict waits for the whole packet (a few dozen bytes, ≤ 2 KiB), so coalesced reads of
 * two packets are fine. tls-crypt resets are recognised by their packet id and time only, a weaker check.
 */
export const openvpn: Detector = {
  name: "openvpn",
  transports: ["tcp", "udp"],
  detect(bytes: Uint8Array, transport: Transport): Verdict {
    if (transport === "udp") return isReset(bytes, 0, bytes.length) ? "match" : "no";
    const n = bytes.length;
    if (n >= 3 && bytes[2] !== RESET_V2 && bytes[2] !== RESET_V3) return "no";
    if (n < 2) return n === 1 && bytes[0] > MAX_RESET >> 8 ? "no" : "more";
    const len = (bytes[0] << 8) | bytes[1];
    if (len < MIN_RESET || len > MAX_RESET) return "no";
    if (n < 2 + len) return "more";
    return isReset(bytes, 2, len) ? "match" : "no";
  },
};

function isReset(b: Uint8Array, off: number, len: number): boolean {
  if (len < MIN_RESET || len > MAX_RESET) return false;
  const op = b[off];
  if (op === RESET_V3) return isTlsCryptV2(b, off, len);
  if (op !== RESET_V1 && op !== RESET_V2) return false;
  // Plain: no acks yet and message packet id 0.
  if (b[off + 9] === 0 && u32(b, off + 10) === 0) return true;
  for (const h of HMAC_SIZES) {
    const at = off + 9 + h;
    if (len < 9 + h + 13) break;
    if (isReplayId(b, at) && b[at + 8] === 0 && u32(b, at + 9) === 0) return true;
  }
  return len >= MIN_TLS_CRYPT && isReplayId(b, off + 9);
}

/** tls-crypt-v2 appends the wrapped client key, whose 2-byte length (itself included) ends the packet. */
function isTlsCryptV2(b: Uint8Array, off: number, len: number): boolean {
  const wrapped = (b[off + len - 2] << 8) | b[off + len - 1];
  return wrapped >= 34 && len - wrapped >= MIN_TLS_CRYPT && isReplayId(b, off + 9);
}

/**
 * A replay-protection packet id (small, counting from 1) followed by a non-zero time. OpenVPN 2.6 clients that
 * support early negotiation with tls-crypt-v2 set the top byte to 0x0f (seen as 0x0f000001).
 */
function isReplayId(b: Uint8Array, at: number): boolean {
  if (b[at] !== 0 && b[at] !== 0x0f) return false;
  const id = u32(b, at) & 0xffffff;
  return id >= 1 && id <= 0xffff && u32(b, at + 4) !== 0;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

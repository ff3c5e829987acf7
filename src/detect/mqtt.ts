/**
 * MQTT CONNECT packet detector (v3.1, v3.1.1, v5).
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

const MQTT = [0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]; // length-prefixed "MQTT"
const MQISDP = [0x00, 0x06, 0x4d, 0x51, 0x49, 0x73, 0x64, 0x70]; // length-prefixed "MQIsdp"

/**
 * Detects an MQTT CONNECT: fixed header 0x10, a remaining-length varint (≤ 4 bytes), protocol name `MQTT` with
 * level 4 or 5, or `MQIsdp` with level 3, connect flags with the reserved bit clear and a consistent will QoS,
 * then the keep-alive. Decided once the keep-alive has arrived (about 12 bytes).
 */
export const mqtt: Detector = {
  name: "mqtt",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    const n = bytes.length;
    if (n === 0) return "more";
    if (bytes[0] !== 0x10) return "no";
    let p = 1;
    let remaining = 0;
    for (let shift = 1;; shift *= 128) {
      if (p === 5) return "no";
      if (p === n) return "more";
      const c = bytes[p++];
      remaining += (c & 0x7f) * shift;
      if ((c & 0x80) === 0) break;
    }
    if (p === n) return "more";
    const name = bytes[p + 1] === 0x06 ? MQISDP : MQTT;
    for (let i = 0; i < name.length; i++, p++) {
      if (p === n) return "more";
      if (bytes[p] !== name[i]) return "no";
    }
    // Variable header: name, level, flags, keep-alive; then at least a client id length.
    if (remaining < name.length + 6) return "no";
    if (p === n) return "more";
    const level = bytes[p++];
    if (name === MQISDP ? level !== 3 : level !== 4 && level !== 5) return "no";
    if (p === n) return "more";
    const flags = bytes[p++];
    const will = (flags & 0x04) !== 0;
    if ((flags & 0x01) !== 0 || (flags & 0x18) === 0x18 || (!will && (flags & 0x38) !== 0)) return "no";
    return n >= p + 2 ? "match" : "more";
  },
};

/**
 * SSH identification string detector.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** `SSH-` (RFC 4253 §4.2); clients send `SSH-2.0-softwareversion SP comments CR LF` first. */
const PREFIX = [0x53, 0x53, 0x48, 0x2d];

/**
 * Detects an SSH client by its first four bytes `SSH-`. SSH clients usually wait for the server's banner before
 * sending theirs, so a backend for SSH is best placed where the selection deadline lets it catch silent clients.
 */
export const ssh: Detector = {
  name: "ssh",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    const n = Math.min(bytes.length, PREFIX.length);
    for (let i = 0; i < n; i++) if (bytes[i] !== PREFIX[i]) return "no";
    return n === PREFIX.length ? "match" : "more";
  },
};

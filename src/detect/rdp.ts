/**
 * RDP connection request detector (TPKT + X.224 Connection Request).
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** TPKT header (4) + X.224 CR fixed part: LI, code, DST-REF (2), SRC-REF (2), class (7 bytes). */
const MIN_LENGTH = 11;
/** The X.224 length indicator is one byte of at most 254, so the TPKT length is at most 259. */
const MAX_LENGTH = 259;

/**
 * Detects the first packet of an RDP client: TPKT version 3, reserved 0, a length of 11–259, then an
 * X.224 Connection Request (code 0xE0) whose length indicator equals the TPKT length minus 5, DST-REF 0 and
 * class 0. Decided after 11 bytes.
 */
export const rdp: Detector = {
  name: "rdp",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    const n = bytes.length;
    if (n >= 1 && bytes[0] !== 0x03) return "no";
    if (n >= 2 && bytes[1] !== 0x00) return "no";
    if (n < 4) return n === 3 && bytes[2] > MAX_LENGTH >> 8 ? "no" : "more";
    const len = (bytes[2] << 8) | bytes[3];
    if (len < MIN_LENGTH || len > MAX_LENGTH) return "no";
    if (n >= 5 && bytes[4] !== len - 5) return "no";
    if (n >= 6 && bytes[5] !== 0xe0) return "no";
    if (n >= 7 && bytes[6] !== 0) return "no";
    if (n >= 8 && bytes[7] !== 0) return "no";
    if (n >= 11 && bytes[10] !== 0) return "no";
    return n >= MIN_LENGTH ? "match" : "more";
  },
};

/**
 * PROXY protocol (HAProxy) v1 and v2 header detector.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** v1 headers are at most 107 bytes including CRLF. */
const V1_MAX = 107;
const V1_PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]; // "PROXY "
const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
/** Smallest address block per v2 family: unspec, inet, inet6, unix. */
const V2_ADDRESS_LEN = [0, 12, 36, 216];

/**
 * Detects a PROXY protocol header: v1 `PROXY TCP4|TCP6|UNKNOWN …\r\n` with well-formed addresses and ports, or the
 * v2 binary signature followed by a valid version/command, family/protocol and length.
 */
export const proxy: Detector = {
  name: "proxy",
  transports: ["tcp"],
  detect(bytes: Uint8Array, _transport: Transport): Verdict {
    if (bytes.length === 0) return "more";
    return bytes[0] === 0x0d ? v2(bytes) : v1(bytes);
  },
};

function v2(b: Uint8Array): Verdict {
  const n = Math.min(b.length, V2_SIGNATURE.length);
  for (let i = 0; i < n; i++) if (b[i] !== V2_SIGNATURE[i]) return "no";
  if (b.length >= 13 && (b[12] >> 4 !== 2 || (b[12] & 0x0f) > 1)) return "no";
  if (b.length >= 14 && (b[13] >> 4 > 3 || (b[13] & 0x0f) > 2)) return "no";
  if (b.length < 16) return "more";
  const len = (b[14] << 8) | b[15];
  // LOCAL (health checks) may carry any family; PROXY needs room for the addresses it announces.
  return (b[12] & 0x0f) === 1 && len < V2_ADDRESS_LEN[b[13] >> 4] ? "no" : "match";
}

function v1(b: Uint8Array): Verdict {
  const n = Math.min(b.length, V1_MAX);
  for (let i = 0; i < n; i++) {
    if (i < V1_PREFIX.length) {
      if (b[i] !== V1_PREFIX[i]) return "no";
    } else if (b[i] === 0x0d) {
      if (i + 1 >= V1_MAX) return "no";
      if (i + 1 === b.length) return "more";
      return b[i + 1] === 0x0a && v1Fields(latin1(b, V1_PREFIX.length, i)) ? "match" : "no";
    } else if (b[i] < 0x20 || b[i] > 0x7e) {
      return "no";
    }
  }
  return b.length < V1_MAX ? "more" : "no";
}

function v1Fields(line: string): boolean {
  const parts = line.split(" ");
  if (parts[0] === "UNKNOWN") return true;
  if (parts.length !== 5) return false;
  const [family, src, dst, srcPort, dstPort] = parts;
  const isAddress = family === "TCP4" ? isIpv4 : family === "TCP6" ? isIpv6 : null;
  return isAddress !== null && isAddress(src) && isAddress(dst) && isPort(srcPort) && isPort(dstPort);
}

function isIpv4(s: string): boolean {
  return /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(s);
}

function isIpv6(s: string): boolean {
  if (s.length > 45) return false;
  const lastColon = s.lastIndexOf(":");
  let head = s;
  if (s.includes(".")) {
    // A dotted IPv4 tail stands for the last two groups.
    if (!isIpv4(s.slice(lastColon + 1))) return false;
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  if (!/^[0-9A-Fa-f:]+$/.test(head)) return false;
  const halves = head.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === "" ? [] : h.split(":")));
  if (groups.some((g) => g.length < 1 || g.length > 4)) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

function isPort(s: string): boolean {
  return /^(?:0|[1-9]\d{0,4})$/.test(s) && Number(s) <= 65535;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * PROXY protocol version 1: the text line `PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n` (at most 107
 * bytes). Pure builder and parser.
 *
 * @module
 */
import { parseIpv4, parseIpv6 } from "../matchers/ip.ts";
import { type NetAddr, netAddr } from "../net/types.ts";
import { ipv6Text } from "./address.ts";
import type { ProxyParse } from "./types.ts";

/** Longest v1 line, CRLF included. */
export const V1_MAX_BYTES = 107;
const PREFIX = "PROXY ";
const enc = new TextEncoder();

/**
 * Builds a v1 line for a TCP connection from `source` to `destination`. When their families differ, both
 * are written as IPv6 (`TCP6`, the IPv4 one in its mapped form `::ffff:a.b.c.d`), which haproxy and nginx
 * accept, rather than `UNKNOWN`, which would lose the client address.
 *
 * @example buildV1(netAddr("192.0.2.1", 5000), netAddr("192.0.2.9", 443))
 * // "PROXY TCP4 192.0.2.1 192.0.2.9 5000 443\r\n" as bytes
 */
export function buildV1(source: NetAddr, destination: NetAddr): Uint8Array {
  const v4 = source.family === "ipv4" && destination.family === "ipv4";
  const src = v4 ? source.ip : ipv6Text(source);
  const dst = v4 ? destination.ip : ipv6Text(destination);
  return enc.encode(`PROXY ${v4 ? "TCP4" : "TCP6"} ${src} ${dst} ${source.port} ${destination.port}\r\n`);
}

/**
 * Parses a v1 line at the start of `b`. `more` while the bytes are a proper prefix of a line shorter than
 * 107 bytes; `invalid` with the reason otherwise. `UNKNOWN` parses as a `local` header (the socket's
 * addresses stay), whatever follows it on the line, as the specification asks.
 */
export function parseV1(b: Uint8Array): ProxyParse {
  const n = Math.min(b.length, V1_MAX_BYTES);
  for (let i = 0; i < n; i++) {
    if (i < PREFIX.length) {
      if (b[i] !== PREFIX.charCodeAt(i)) return invalid(`it does not start with "PROXY "`);
      continue;
    }
    const c = b[i];
    if (c === 0x0d) {
      if (i + 1 >= V1_MAX_BYTES) return invalid(`the line is longer than ${V1_MAX_BYTES} bytes`);
      if (i + 1 === b.length) return { status: "more" };
      if (b[i + 1] !== 0x0a) return invalid("CR is not followed by LF");
      return fields(latin1(b, PREFIX.length, i), i + 2);
    }
    if (c < 0x20 || c > 0x7e) return invalid(`byte 0x${c.toString(16).padStart(2, "0")} at offset ${i}`);
  }
  return b.length < V1_MAX_BYTES ? { status: "more" } : invalid(`no CRLF within ${V1_MAX_BYTES} bytes`);
}

function fields(line: string, length: number): ProxyParse {
  const parts = line.split(" ");
  if (parts[0] === "UNKNOWN") {
    return {
      status: "ok",
      length,
      header: { version: 1, command: "local", transport: "unspec", family: "unspec", tlvs: [] },
    };
  }
  if (parts.length !== 5) return invalid(`"${line}" does not have 5 fields`);
  const [proto, src, dst, sport, dport] = parts;
  if (proto !== "TCP4" && proto !== "TCP6") return invalid(`unknown protocol "${proto}"`);
  const family = proto === "TCP4" ? "ipv4" : "ipv6";
  const ok = family === "ipv4" ? isIpv4 : isIpv6;
  if (!ok(src)) return invalid(`source address "${src}" is not ${proto}`);
  if (!ok(dst)) return invalid(`destination address "${dst}" is not ${proto}`);
  if (!isPort(sport)) return invalid(`source port "${sport}" is not 0-65535`);
  if (!isPort(dport)) return invalid(`destination port "${dport}" is not 0-65535`);
  return {
    status: "ok",
    length,
    header: {
      version: 1,
      command: "proxy",
      transport: "tcp",
      family,
      source: netAddr(src, Number(sport)),
      destination: netAddr(dst, Number(dport)),
      tlvs: [],
    },
  };
}

function isIpv4(s: string): boolean {
  return parseIpv4(s) !== undefined && !/(^|\.)0\d/.test(s);
}

function isIpv6(s: string): boolean {
  return /^[0-9A-Fa-f:.]+$/.test(s) && parseIpv6(s) !== undefined;
}

function isPort(s: string): boolean {
  return /^(?:0|[1-9]\d{0,4})$/.test(s) && Number(s) <= 65535;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

function invalid(reason: string): ProxyParse {
  return { status: "invalid", reason: `invalid PROXY v1 header: ${reason}` };
}

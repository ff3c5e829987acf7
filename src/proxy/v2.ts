/**
 * PROXY protocol version 2: the binary header (signature, version/command, family/transport, length,
 * addresses, TLVs). Pure builder and parser.
 *
 * @module
 */
import type { NetAddr } from "../net/types.ts";
import { addrFromBytes, ipBytes, ipv6Bytes } from "./address.ts";
import {
  MAX_HEADER_BYTES,
  type ProxyHeader,
  type ProxyParse,
  type ProxyTlv,
  V2_SIGNATURE,
  type V2BuildOptions,
} from "./types.ts";

/** Fixed part: signature, version/command, family/transport, length. */
export const V2_FIXED_BYTES = 16;
const FAMILIES = ["unspec", "ipv4", "ipv6", "unix"] as const;
const TRANSPORTS = ["unspec", "tcp", "udp"] as const;
/** Address block size per family (unspec, inet, inet6, unix). */
const ADDRESS_BYTES = [0, 12, 36, 216];

/**
 * Builds a v2 header. With `command: "proxy"` the addresses are written as AF_INET (12 bytes) when both are
 * IPv4, else as AF_INET6 (36 bytes) with an IPv4 one in its mapped form, so a mixed pair stays one family;
 * with `local` no address is written (family UNSPEC).
 *
 * @example buildV2(netAddr("::1", 5000), netAddr("::1", 443), { transport: "udp" }) // 52 bytes, 0x22 family
 */
export function buildV2(source: NetAddr, destination: NetAddr, options: V2BuildOptions = {}): Uint8Array {
  const local = options.command === "local";
  const v4 = source.family === "ipv4" && destination.family === "ipv4";
  const addrLen = local ? 0 : v4 ? 12 : 36;
  const tlvs = options.tlvs ?? [];
  const len = addrLen + tlvs.reduce((n, t) => n + 3 + t.value.length, 0);
  if (len > 0xffff) throw new RangeError(`PROXY v2 header of ${len + V2_FIXED_BYTES} bytes is too long`);
  const out = new Uint8Array(V2_FIXED_BYTES + len);
  out.set(V2_SIGNATURE);
  out[12] = local ? 0x20 : 0x21;
  out[13] = local ? 0x00 : ((v4 ? 1 : 2) << 4) | (options.transport === "udp" ? 2 : 1);
  out[14] = len >> 8;
  out[15] = len & 0xff;
  let p = V2_FIXED_BYTES;
  if (!local) {
    const src = v4 ? ipBytes(source) : ipv6Bytes(source);
    const dst = v4 ? ipBytes(destination) : ipv6Bytes(destination);
    out.set(src, p);
    out.set(dst, p + src.length);
    p += 2 * src.length;
    out[p++] = source.port >> 8;
    out[p++] = source.port & 0xff;
    out[p++] = destination.port >> 8;
    out[p++] = destination.port & 0xff;
  }
  for (const t of tlvs) {
    out[p++] = t.type;
    out[p++] = t.value.length >> 8;
    out[p++] = t.value.length & 0xff;
    out.set(t.value, p);
    p += t.value.length;
  }
  return out;
}

/**
 * Parses a v2 header at the start of `b`. `more` until the whole header (16 + length bytes) is buffered;
 * `invalid` with the reason for a wrong signature, version, command, family, an address block too short for
 * its family, malformed TLVs, or a header longer than `maxBytes`.
 */
export function parseV2(b: Uint8Array, maxBytes = MAX_HEADER_BYTES): ProxyParse {
  const n = Math.min(b.length, V2_SIGNATURE.length);
  for (let i = 0; i < n; i++) if (b[i] !== V2_SIGNATURE[i]) return invalid("wrong signature");
  if (b.length < V2_FIXED_BYTES) {
    if (b.length > 12 && b[12] >> 4 !== 2) return invalid(`version ${b[12] >> 4}`);
    return { status: "more" };
  }
  if (b[12] >> 4 !== 2) return invalid(`version ${b[12] >> 4}`);
  const cmd = b[12] & 0x0f;
  if (cmd > 1) return invalid(`command ${cmd}`);
  const len = (b[14] << 8) | b[15];
  const total = V2_FIXED_BYTES + len;
  if (total > maxBytes) return invalid(`${total} bytes is longer than ${maxBytes}`);
  const fam = b[13] >> 4;
  const proto = b[13] & 0x0f;
  // LOCAL: the receiver uses the socket's addresses and ignores the family (spec §2.2).
  if (cmd === 1 && (fam > 3 || proto > 2)) return invalid(`family/transport byte 0x${hex(b[13])}`);
  if (cmd === 1 && len < ADDRESS_BYTES[fam]) {
    return invalid(`${len} address bytes are too few for ${FAMILIES[fam]}`);
  }
  if (b.length < total) return { status: "more" };
  // LOCAL and UNSPEC carry nothing the receiver may use: the whole block is skipped.
  const tlvStart = cmd === 1 && fam !== 0 ? V2_FIXED_BYTES + ADDRESS_BYTES[fam] : total;
  const tlvs = parseTlvs(b.subarray(tlvStart, total));
  if (!tlvs) return invalid("a TLV runs past the header");
  const header: ProxyHeader = cmd === 0
    ? { version: 2, command: "local", transport: "unspec", family: "unspec", tlvs }
    : withAddresses(b, FAMILIES[fam], TRANSPORTS[proto], tlvs);
  return { status: "ok", header, length: total };
}

function withAddresses(
  b: Uint8Array,
  family: ProxyHeader["family"],
  transport: ProxyHeader["transport"],
  tlvs: ProxyTlv[],
): ProxyHeader {
  const base = { version: 2 as const, command: "proxy" as const, transport, family, tlvs };
  if (family !== "ipv4" && family !== "ipv6") return base;
  const size = family === "ipv4" ? 4 : 16;
  const a = V2_FIXED_BYTES;
  const ports = a + 2 * size;
  return {
    ...base,
    source: addrFromBytes(b.subarray(a, a + size), (b[ports] << 8) | b[ports + 1]),
    destination: addrFromBytes(b.subarray(a + size, ports), (b[ports + 2] << 8) | b[ports + 3]),
  };
}

function parseTlvs(b: Uint8Array): ProxyTlv[] | undefined {
  const out: ProxyTlv[] = [];
  let p = 0;
  while (p < b.length) {
    if (p + 3 > b.length) return undefined;
    const len = (b[p + 1] << 8) | b[p + 2];
    if (p + 3 + len > b.length) return undefined;
    out.push({ type: b[p], value: b.slice(p + 3, p + 3 + len) });
    p += 3 + len;
  }
  return out;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

function invalid(reason: string): ProxyParse {
  return { status: "invalid", reason: `invalid PROXY v2 header: ${reason}` };
}

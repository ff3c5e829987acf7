/**
 * Address conversions for PROXY headers: literals to network bytes and back, and the IPv4-mapped IPv6 form
 * used when the two addresses of one header are of different families.
 *
 * @module
 */
import { parseIpv4, parseIpv6 } from "../matchers/ip.ts";
import { type NetAddr, netAddr } from "../net/types.ts";

/** Network bytes of an address: 4 for IPv4, 16 for IPv6. Throws RangeError on a non-literal. */
export function ipBytes(addr: NetAddr): Uint8Array {
  const b = addr.family === "ipv4" ? parseIpv4(addr.ip) : parseIpv6(addr.ip);
  if (!b) throw new RangeError(`"${addr.ip}" is not an ${addr.family === "ipv4" ? "IPv4" : "IPv6"} literal`);
  return b;
}

/** The 16 network bytes of `addr` as IPv6 (IPv4 becomes `::ffff:a.b.c.d`). */
export function ipv6Bytes(addr: NetAddr): Uint8Array {
  if (addr.family === "ipv6") return ipBytes(addr);
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(ipBytes(addr), 12);
  return out;
}

/** The IPv6 text of `addr` (IPv4 becomes `::ffff:a.b.c.d`, which haproxy and nginx both parse). */
export function ipv6Text(addr: NetAddr): string {
  return addr.family === "ipv6" ? addr.ip : `::ffff:${addr.ip}`;
}

/**
 * A {@linkcode NetAddr} from network bytes (4 or 16). IPv4-mapped IPv6 comes back as IPv4, as the socket
 * adapters report it.
 */
export function addrFromBytes(b: Uint8Array, port: number): NetAddr {
  if (b.length === 4) return netAddr(`${b[0]}.${b[1]}.${b[2]}.${b[3]}`, port);
  return netAddr(formatIpv6(b), port);
}

/** Formats 16 bytes as RFC 5952 text: lower case, the longest run of zero groups (≥ 2) as `::`. */
export function formatIpv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(":");
  return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLen).join(":")}`;
}

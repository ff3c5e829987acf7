/**
 * IP address and CIDR matching for `local-ip` / `remote-ip` (SPEC §6). Bare addresses are /32 or /128.
 *
 * @module
 */

/** A compiled address range. */
export interface IpRange {
  readonly family: 4 | 6;
  /** Network bytes (4 or 16). */
  readonly bytes: Uint8Array;
  /** Prefix length. */
  readonly prefix: number;
}

/** Parses an IPv4 literal into 4 bytes, or undefined. */
export function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    // No leading zeros (as inet_pton and node:net): `010` would be octal to inet_aton, decimal here.
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** Parses an IPv6 literal (with `::`, optional embedded IPv4, optional brackets/zone) into 16 bytes. */
export function parseIpv6(input: string): Uint8Array | undefined {
  let s = input;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(":")) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const words: number[][] = [];
  for (const half of halves) {
    const ws: number[] = [];
    if (half !== "") {
      const groups = half.split(":");
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i];
        if (i === groups.length - 1 && g.includes(".")) {
          const v4 = parseIpv4(g);
          if (!v4) return undefined;
          ws.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        } else {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
          ws.push(parseInt(g, 16));
        }
      }
    }
    words.push(ws);
  }
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - words[0].length - words[1].length;
    if (fill < 1) return undefined;
    all = [...words[0], ...new Array(fill).fill(0), ...words[1]];
  } else {
    all = words[0];
  }
  if (all.length !== 8) return undefined;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = all[i] >> 8;
    out[i * 2 + 1] = all[i] & 0xff;
  }
  return out;
}

/** Parses an IP literal; IPv4-mapped IPv6 (`::ffff:a.b.c.d`) becomes IPv4. */
export function parseIp(s: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  const v4 = parseIpv4(s);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(s);
  if (!v6) return undefined;
  if (v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return { family: 4, bytes: v6.slice(12) };
  }
  return { family: 6, bytes: v6 };
}

/** True when `s` is an IPv4 or IPv6 literal. */
export function isIp(s: string): boolean {
  return parseIp(s) !== undefined;
}

/**
 * Parses `1.2.3.4`, `10.0.0.0/8`, `::1`, `fe80::/10`. Throws RangeError naming the value.
 */
export function parseCidr(s: string): IpRange {
  const value = s.trim();
  const slash = value.indexOf("/");
  const addr = slash >= 0 ? value.slice(0, slash) : value;
  const ip = parseIp(addr);
  if (!ip) {
    throw new RangeError(`"${s}" is not an IP address or CIDR range (examples: 10.0.0.0/8, 1.2.3.4, ::1)`);
  }
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = value.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) {
      throw new RangeError(`"${s}" has an invalid prefix length "${p}": expected 0-${max}`);
    }
    prefix = Number(p);
  }
  return { family: ip.family, bytes: ip.bytes, prefix };
}

/** True when `ip` (a literal) is inside `range`. */
export function inRange(range: IpRange, ip: string): boolean {
  const parsed = parseIp(ip);
  if (!parsed || parsed.family !== range.family) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((parsed.bytes[i] & mask) !== (range.bytes[i] & mask)) return false;
  }
  return true;
}

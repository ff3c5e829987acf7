/**
 * PROXY protocol (SPEC §20.2): pure header builders and parsers for versions 1 and 2, used by the accepting
 * negotiator (`src/negotiators/proxy_protocol.ts`) and by `pass ... proxy-protocol=v1|v2`.
 *
 * @module
 */
import type { NetAddr } from "../net/types.ts";
import { buildV1, parseV1 } from "./v1.ts";
import { buildV2, parseV2 } from "./v2.ts";
import { MAX_HEADER_BYTES, type ProxyParse, V2_SIGNATURE } from "./types.ts";

export { buildV1, buildV2, MAX_HEADER_BYTES, parseV1, parseV2 };
export type { ProxyHeader, ProxyParse, ProxyTlv, V2BuildOptions } from "./types.ts";
export { TLV, V2_SIGNATURE } from "./types.ts";

/**
 * Parses a v1 or v2 header at the start of `bytes`, chosen by the first byte. `more` until it is complete,
 * `invalid` (with a reason) as soon as the bytes cannot be one, `ok` with the header and its length in bytes
 * (what to strip). Never throws.
 *
 * @param maxBytes longest header accepted @default 536
 */
export function parseProxyHeader(bytes: Uint8Array, maxBytes = MAX_HEADER_BYTES): ProxyParse {
  if (bytes.length === 0) return { status: "more" };
  if (bytes[0] === V2_SIGNATURE[0]) return parseV2(bytes, maxBytes);
  if (bytes[0] === 0x50) return parseV1(bytes);
  return {
    status: "invalid",
    reason: `not a PROXY header: first byte 0x${bytes[0].toString(16).padStart(2, "0")}`,
  };
}

/** A PROXY protocol version that `pass` can send. */
export type ProxyVersion = 1 | 2;

/**
 * Builds the header announcing a flow from `source` to `destination`: v1 (TCP only) or v2 (TCP or UDP).
 * Throws RangeError for v1 over UDP (v1 has no datagram form).
 */
export function buildProxyHeader(
  version: ProxyVersion,
  source: NetAddr,
  destination: NetAddr,
  transport: "tcp" | "udp" = "tcp",
): Uint8Array {
  if (version === 2) return buildV2(source, destination, { transport });
  if (transport === "udp") throw new RangeError("PROXY protocol v1 has no UDP form: use v2");
  return buildV1(source, destination);
}

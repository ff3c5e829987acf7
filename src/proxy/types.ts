/**
 * PROXY protocol (HAProxy, versions 1 and 2) data types shared by the parsers, the builders, the accepting
 * negotiator and the sending `pass` backend (SPEC §20.2).
 *
 * @module
 */
import type { NetAddr } from "../net/types.ts";

/** Largest header accepted: a v1 line is at most 107 bytes; a v2 header must fit a 536-byte TCP segment. */
export const MAX_HEADER_BYTES = 536;

/** The 12-byte v2 signature. */
export const V2_SIGNATURE: Readonly<Uint8Array> = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);

/** v2 TLV types the negotiator exposes as properties. */
export const TLV = { alpn: 0x01, authority: 0x02, crc32c: 0x03, noop: 0x04, uniqueId: 0x05 } as const;

/** One type-length-value record of a v2 header. */
export interface ProxyTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/** A parsed PROXY header. */
export interface ProxyHeader {
  /** Protocol version. */
  readonly version: 1 | 2;
  /**
   * `proxy`: the header states the client's addresses. `local`: the sender speaks for itself (v2 LOCAL, used
   * by health checks, and v1 `UNKNOWN`); the socket's addresses stay.
   */
  readonly command: "proxy" | "local";
  /** Transport of the proxied connection; `unspec` for v1 `UNKNOWN` and v2 UNSPEC. */
  readonly transport: "tcp" | "udp" | "unspec";
  /** Address family announced; only `ipv4`/`ipv6` carry usable addresses. */
  readonly family: "ipv4" | "ipv6" | "unix" | "unspec";
  /** The original client (set for `proxy` with an IP family). */
  readonly source?: NetAddr;
  /** The address the client connected to (set with `source`). */
  readonly destination?: NetAddr;
  /** v2 TLVs in header order (empty for v1). */
  readonly tlvs: readonly ProxyTlv[];
}

/** What a parser makes of the bytes buffered so far. */
export type ProxyParse =
  | { readonly status: "more" }
  | { readonly status: "invalid"; readonly reason: string }
  | { readonly status: "ok"; readonly header: ProxyHeader; readonly length: number };

/** Options for building a v2 header. */
export interface V2BuildOptions {
  /** Transport of the proxied flow. @default "tcp" */
  readonly transport?: "tcp" | "udp";
  /** `local` writes no addresses (a health check of the sender's own). @default "proxy" */
  readonly command?: "proxy" | "local";
  /** TLVs appended after the addresses. @default [] */
  readonly tlvs?: readonly ProxyTlv[];
}

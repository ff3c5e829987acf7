/**
 * What `pass` needs to send a PROXY header upstream (SPEC §20.2): the `proxy-protocol` parameter and the
 * addresses to announce.
 *
 * @module
 */
import type { ConnContext } from "../core/backend.ts";
import { param } from "../core/backend.ts";
import { type NetAddr, netAddr } from "../net/types.ts";
import type { ProxyVersion } from "./mod.ts";

/**
 * Reads `proxy-protocol=v1|v2` (case-insensitive); `undefined` when absent. Throws RangeError naming the
 * value otherwise.
 */
export function readProxyVersion(params: Readonly<Record<string, string>>): ProxyVersion | undefined {
  const v = param(params, "proxy-protocol");
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  if (t === "v1") return 1;
  if (t === "v2") return 2;
  throw new RangeError(`proxy-protocol "${v}" is not a PROXY protocol version: expected v1 or v2`);
}

/**
 * The addresses a TCP connection is announced with: the client (the real one when a PROXY header was
 * accepted) and the address it connected to (the accepted header's destination, else the socket's), as
 * haproxy does when it chains `accept-proxy` into `send-proxy`.
 */
export function announcedAddresses(ctx: ConnContext): { source: NetAddr; destination: NetAddr } {
  const ip = ctx.props.get("proxy.destination-ip");
  const port = Number(ctx.props.get("proxy.destination-port"));
  const destination = ip !== undefined && Number.isInteger(port) ? netAddr(ip, port) : ctx.local;
  return { source: ctx.client, destination };
}

/** A function that returns `header` + the datagram in a new buffer (the UDP `header` hook of `pass`). */
export function prefixWith(header: Uint8Array): (data: Uint8Array) => Uint8Array {
  return (data) => {
    const out = new Uint8Array(header.length + data.length);
    out.set(header);
    out.set(data, header.length);
    return out;
  };
}

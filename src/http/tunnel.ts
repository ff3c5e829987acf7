/**
 * Upgrade tunnelling for http-proxy (WebSocket, h2c, any `Upgrade`): when the first request of a connection
 * asks to upgrade, its head is rewritten like any forwarded request and the connection becomes a byte tunnel
 * to the upstream, so the upstream's 101 (or refusal) and everything after pass through unchanged.
 *
 * @module
 */
import type { ConnContext } from "../core/backend.ts";
import { relay } from "../core/relay.ts";
import type { Conn, NetAdapter } from "../net/types.ts";
import type { Logger } from "../logging/logger.ts";
import { headerValue, type HeadParse, parseRequestHead } from "./head.ts";
import { forwardRequest } from "./forward.ts";
import type { ProxyConfig } from "./proxy_config.ts";

/** The first request head of a connection and every byte read to get it. */
export interface FirstHead {
  /** Bytes read from the connection (a copy), to be replayed to whoever serves the connection. */
  readonly bytes: Uint8Array;
  /** The parse of those bytes. */
  readonly head: HeadParse;
  /** The client sent nothing for `idleMs` before the head was complete: the connection was closed. */
  readonly idle: boolean;
}

/**
 * Reads from `conn` until the first request head is complete, invalid, over `maxBytes`, or the client stops
 * sending. Never rejects (a read error ends reading); `signal` closes the connection, and so does a wait of
 * `idleMs` (0: none) for the next bytes of an incomplete head.
 */
export async function readFirstHead(
  conn: Conn,
  signal: AbortSignal,
  maxBytes = 65536,
  idleMs = 0,
): Promise<FirstHead> {
  let buf = new Uint8Array(0);
  let head: HeadParse = parseRequestHead(buf);
  let idle = false;
  const onAbort = () => conn.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    while (head.state === "partial" || head.state === "line") {
      if (buf.length >= maxBytes) break;
      const timer = idleMs > 0
        ? setTimeout(() => {
          idle = true;
          conn.close();
        }, idleMs)
        : undefined;
      const chunk = await conn.read().catch(() => null);
      clearTimeout(timer);
      if (chunk === null) break;
      const next = new Uint8Array(buf.length + chunk.length);
      next.set(buf);
      next.set(chunk, buf.length);
      buf = next;
      head = parseRequestHead(buf, { maxBytes });
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  return { bytes: buf, head, idle };
}

/** True when a complete head asks to switch protocols (`Connection: upgrade` plus `Upgrade`). */
export function wantsUpgrade(head: HeadParse): boolean {
  if (head.state !== "complete" || !head.headers) return false;
  const upgrade = headerValue(head.headers, "upgrade");
  const connection = headerValue(head.headers, "connection");
  return !!upgrade && !!connection && connection.split(",").some((t) => t.trim().toLowerCase() === "upgrade");
}

/** Options for {@linkcode tunnel}. */
export interface TunnelOptions {
  readonly config: ProxyConfig;
  readonly net: NetAdapter;
  readonly logger: Logger;
}

/**
 * Forwards the upgrade request in `first` to the upstream and relays both ways until either side ends.
 * Answers 502/504 itself when the upstream cannot be reached. Never rejects; closes `conn`.
 */
export async function tunnel(
  conn: Conn,
  ctx: ConnContext,
  first: FirstHead,
  options: TunnelOptions,
): Promise<void> {
  const { config, net, logger } = options;
  const { head } = first;
  const line = head.line!;
  if (config.address.protocol !== "http:") {
    await answer(conn, 502, "upgrades to an https upstream are not supported");
    ctx.closeReason = "upstream-unsupported";
    return;
  }
  const fwd = forwardRequest(config, {
    method: line.method,
    path: line.path,
    query: line.query,
    headers: head.headers!,
    props: ctx.props,
    clientIp: ctx.client.ip,
    localPort: ctx.localPort,
    upgrade: true,
  });
  const limit = config.timeout || config.activityTimeout || 10000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`no connection within ${limit} ms`)), limit);
  let upstream: Conn;
  try {
    upstream = await net.connectTcp({
      hostname: config.address.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: Number(config.address.port || 80),
      signal: ac.signal,
    });
  } catch (err) {
    const timedOut = ac.signal.aborted;
    logger.warn(`Connection ${ctx.id}: cannot open the upgrade tunnel: ${(err as Error).message}`);
    await answer(
      conn,
      timedOut ? 504 : 502,
      timedOut ? "the upstream did not answer in time" : "cannot reach the upstream",
    );
    ctx.closeReason = "connect-failed";
    return;
  } finally {
    clearTimeout(timer);
  }
  let text = `${line.method} ${fwd.target} HTTP/1.1\r\n`;
  for (const [name, value] of fwd.headers) text += `${name}: ${value}\r\n`;
  const rest = first.bytes.subarray(head.length);
  try {
    await upstream.write(latin1Bytes(text + "\r\n"));
    if (rest.length > 0) await upstream.write(rest);
  } catch {
    upstream.close();
    await answer(conn, 502, "the upstream closed the connection");
    ctx.closeReason = "error";
    return;
  }
  if (logger.enabled("debug")) {
    logger.debug(`Connection ${ctx.id}: ${line.method} ${line.target} tunnelled (Upgrade)`);
  }
  const r = await relay(conn, upstream, { context: ctx, idleTimeout: config.tunnelIdleTimeout });
  ctx.ingressBytes += first.bytes.length + r.clientToUpstream;
  ctx.egressBytes += r.upstreamToClient;
  ctx.closeReason = r.reason === "upstream" ? "backend" : r.reason;
}

/** Writes a small plain-text response and closes. */
async function answer(conn: Conn, status: number, message: string): Promise<void> {
  const reason = status === 504 ? "Gateway Timeout" : "Bad Gateway";
  const body = `${reason}: ${message}\n`;
  try {
    await conn.write(
      latin1Bytes(
        `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n` +
          `connection: close\r\n\r\n${body}`,
      ),
    );
    await conn.closeWrite();
  } catch { /* the client is gone */ }
  conn.close();
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

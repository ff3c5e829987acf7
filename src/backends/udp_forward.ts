/**
 * One UDP forwarding session: an upstream socket of its own (so the upstream sees one source port per
 * client); replies go back through the session's client writer, i.e. from the listener's socket.
 *
 * @module
 */
import type { UdpSession, UdpSessionContext } from "./types.ts";
import type { AddressFamily, NetAddr, UdpHandler, UdpSocket } from "../net/types.ts";
import type { Logger } from "../logging/logger.ts";

/** How the session reaches its upstream. */
export interface UdpForwardOptions {
  /** Resolves the upstream address (once per session). */
  resolve(): Promise<NetAddr>;
  /** Binds the session's own socket. */
  bind(family: AddressFamily, onMessage: UdpHandler): Promise<UdpSocket>;
  /** Prepended to every datagram sent upstream (PROXY v2 header), when set. */
  header?: (data: Uint8Array) => Uint8Array;
  logger: Logger;
}

/** Opens a forwarding session; datagrams that arrive before the socket is bound are queued in order. */
export function openUdpForward(ctx: UdpSessionContext, options: UdpForwardOptions): UdpSession {
  let socket: UdpSocket | undefined;
  let upstream: NetAddr | undefined;
  let closed = false;
  let queue: Uint8Array[] | undefined = [];
  const ready = (async () => {
    try {
      upstream = await options.resolve();
      const s = await options.bind(upstream.family, (data, from) => {
        if (from.port !== upstream!.port) return; // only the upstream may answer through this session
        ctx.touch();
        ctx.writer.send(data);
      });
      if (closed) {
        s.close();
        return;
      }
      socket = s;
      for (const d of queue!) socket.send(options.header ? options.header(d) : d, upstream);
      queue = undefined;
    } catch (err) {
      options.logger.warn(
        `UDP session for ${ctx.writer.client.ip}:${ctx.writer.client.port} failed: ${(err as Error).message}`,
      );
      queue = undefined;
      closed = true;
      ctx.failed();
    }
  })();
  void ready;
  return {
    onDatagram(data) {
      if (closed) return;
      if (socket && upstream) socket.send(options.header ? options.header(data) : data, upstream);
      else queue?.push(data);
    },
    close() {
      closed = true;
      socket?.close();
      socket = undefined;
    },
  };
}

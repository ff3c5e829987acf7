/**
 * `echo`: sends every byte (TCP) or datagram (UDP) back; handy for tests and "is my port reachable?".
 *
 * @module
 */
import type { BackendProtocol, Conn } from "./types.ts";

/** The echo protocol. */
export const echo: BackendProtocol = {
  name: "echo",
  transports: ["tcp", "udp"],
  defaultTier: "normal",
  params: [],
  create: () => ({
    async handleTcp(conn: Conn, ctx) {
      try {
        for (;;) {
          const chunk = await conn.read();
          if (chunk === null) break;
          ctx.ingressBytes += chunk.length;
          await conn.write(chunk);
          ctx.egressBytes += chunk.length;
        }
        await conn.closeWrite();
        ctx.closeReason = "client";
      } catch {
        ctx.closeReason = "error";
      } finally {
        conn.close();
      }
    },
    openUdp: (ctx) => ({
      onDatagram(data) {
        ctx.writer.send(data);
      },
      close() {},
    }),
  }),
};

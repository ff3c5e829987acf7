/**
 * `noop` (SPEC §7): accepts and closes (TCP), drops (UDP). Default tier `fallback`.
 *
 * @module
 */
import type { BackendProtocol } from "./types.ts";

/** The noop protocol. */
export const noop: BackendProtocol = {
  name: "noop",
  transports: ["tcp", "udp"],
  defaultTier: "fallback",
  params: [],
  create: () => ({
    handleTcp(conn, ctx) {
      ctx.closeReason = "noop";
      conn.close();
      return Promise.resolve();
    },
    openUdp: () => ({ onDatagram() {}, close() {} }),
  }),
};

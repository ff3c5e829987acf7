/**
 * `pass` (SPEC §7): TCP relays to `target.ip:target.port`; UDP forwards sessions bidirectionally, one upstream
 * socket per client, replies sent from the listener's socket (SPEC §5).
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import type {
  BackendHandler,
  BackendProtocol,
  BackendServices,
  BackendSpec,
  Conn,
  ConnContext,
} from "./types.ts";
import { param } from "../core/backend.ts";
import { startRelay } from "../core/relay.ts";
import { errorCode } from "../net/errors.ts";
import { type NetAddr, netAddr, type UdpSocket } from "../net/types.ts";
import { readMs, readPort } from "./params.ts";
import { openUdpForward } from "./udp_forward.ts";
import { buildProxyHeader } from "../proxy/mod.ts";
import { announcedAddresses, prefixWith, readProxyVersion } from "../proxy/send.ts";

/** Resolves the target once per use; IP literals skip DNS. */
export async function resolveTarget(host: string): Promise<NetAddr["ip"]> {
  if (/^[\d.]+$/.test(host) || host.includes(":")) return host;
  const r = await lookup(host);
  return r.address;
}

/** The pass protocol. */
export const pass: BackendProtocol = {
  name: "pass",
  transports: ["tcp", "udp"],
  defaultTier: "normal",
  params: [
    { key: "target.ip", required: true, help: "upstream IP literal or host name" },
    { key: "target.port", required: true, help: "upstream port 1-65535" },
    { key: "connect-timeout", help: "ms to establish the upstream connection (default 10000)" },
    { key: "idle-timeout", help: "ms without traffic either way before closing (default none)" },
    { key: "proxy-protocol", help: "send a PROXY header upstream: v1 or v2 (TCP), v2 (UDP)" },
  ],
  create(spec, transport, services) {
    return transport === "tcp" ? createTcpPass(spec, services) : createUdpPass(spec, services);
  },
};

function target(spec: BackendSpec): { host: string; port: number } {
  const host = (param(spec.params, "target.ip") ?? "").trim();
  if (!host) throw new RangeError(`target.ip is empty: expected an IP literal or host name`);
  return { host, port: readPort(spec.params, "target.port") };
}

function createTcpPass(spec: BackendSpec, services: BackendServices): BackendHandler {
  const { host, port } = target(spec);
  const connectTimeout = readMs(spec.params, "connect-timeout", 10000);
  const idleTimeout = readMs(spec.params, "idle-timeout", 0);
  const proxyVersion = readProxyVersion(spec.params);
  const log = services.logger;
  /** Relays `conn` and `upstream` to their end, then records the outcome and calls `done`. */
  const relayTo = (conn: Conn, upstream: Conn, ctx: ConnContext, done: () => void) => {
    startRelay(conn, upstream, { idleTimeout: idleTimeout || undefined, context: ctx }, (r) => {
      ctx.ingressBytes = r.clientToUpstream;
      ctx.egressBytes = r.upstreamToClient;
      ctx.closeReason = r.reason;
      done();
    });
  };
  /** Gives up before the relay: records why, closes both connections and calls `done`. */
  const giveUp = (
    conn: Conn,
    upstream: Conn | null,
    ctx: ConnContext,
    done: () => void,
    reason: string,
    why: string,
  ) => {
    ctx.closeReason = reason;
    log.warn(why);
    upstream?.close();
    conn.close();
    done();
  };
  return {
    // Callback-shaped, not `async` (see `BackendHandler.startTcp`): every path closes both
    // connections and calls `done`; a throw inside a `then` step would be an unhandled rejection,
    // so each step catches its own.
    startTcp(conn, ctx, done) {
      // Shutdown or removal during the connect closes `conn`; the relay then ends at once.
      services.net.connectTcp({ hostname: host, port, timeout: connectTimeout }).then((upstream) => {
        try {
          if (proxyVersion === undefined) return relayTo(conn, upstream, ctx, done);
          const { source, destination } = announcedAddresses(ctx);
          // Written before the relay starts, so it precedes every client byte.
          upstream.write(buildProxyHeader(proxyVersion, source, destination)).then(
            () => relayTo(conn, upstream, ctx, done),
            (err) =>
              giveUp(
                conn,
                upstream,
                ctx,
                done,
                "backend",
                `Cannot send the PROXY header for connection ${ctx.id}: ${(err as Error).message}`,
              ),
          );
        } catch (err) {
          giveUp(
            conn,
            upstream,
            ctx,
            done,
            "error",
            `Connection ${ctx.id} to ${host}:${port} failed: ${(err as Error)?.message ?? err}`,
          );
        }
      }, (err) => {
        const reason = errorCode(err) === "ETIMEDOUT" ? "connect-timeout" : "connect-failed";
        services.metrics.add("router.connection.failed", 1, { reason, protocol: "Tcp" });
        giveUp(
          conn,
          null,
          ctx,
          done,
          reason,
          `Cannot connect to ${host}:${port} for connection ${ctx.id}: ${(err as Error).message}`,
        );
      });
    },
    check({ signal }) {
      return tcpCheck(services, host, port, signal);
    },
  };
}

/** Health check: a TCP connect within the check timeout. */
export async function tcpCheck(
  services: BackendServices,
  host: string,
  port: number,
  signal: AbortSignal,
): Promise<void> {
  const c = await services.net.connectTcp({ hostname: host, port, signal });
  c.close();
}

function createUdpPass(spec: BackendSpec, services: BackendServices): BackendHandler {
  const { host, port } = target(spec);
  // v1 has no datagram form: UDP sessions of a `proxy-protocol=v1` backend send v2 (documented).
  const proxy = readProxyVersion(spec.params) !== undefined;
  return {
    openUdp(ctx) {
      return openUdpForward(ctx, {
        header: proxy ? prefixWith(buildProxyHeader(2, ctx.writer.client, ctx.local, "udp")) : undefined,
        resolve: async () => netAddr(await resolveTarget(host), port),
        bind: (family, onMessage): Promise<UdpSocket> =>
          services.net.bindUdp({ hostname: family === "ipv6" ? "::" : "0.0.0.0", port: 0, onMessage }),
        logger: services.logger,
      });
    },
  };
}

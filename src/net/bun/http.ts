/**
 * HTTP serving on Bun: `Bun.serve`.
 *
 * @module
 */
import type { HttpServer, ServeHttpOptions } from "../types.ts";
import { netAddr } from "../types.ts";

/** A running `Bun.serve` server. */
interface BunServer {
  readonly port: number;
  readonly hostname?: string;
  requestIP(req: Request): { address: string; family: string; port: number } | null;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  upgrade(req: Request, options?: { data?: unknown; headers?: HeadersInit }): boolean;
}

/** Options of `Bun.serve`. */
interface BunServeOptions {
  maxRequestBodySize?: number;
  hostname?: string;
  port?: number;
  fetch(
    req: Request,
    server: BunServer,
  ): Response | Promise<Response> | undefined | Promise<Response | undefined>;
  error?(err: Error): Response | Promise<Response>;
  websocket?: unknown;
}

const bun = (globalThis as unknown as { Bun: { serve(options: BunServeOptions): BunServer } }).Bun;

/** Serves HTTP with `Bun.serve`; resolves once listening. */
export function serveHttp(options: ServeHttpOptions): Promise<HttpServer> {
  try {
    const server: BunServer = bun.serve({
      hostname: options.hostname,
      port: options.port,
      fetch(req, srv) {
        const ip = srv.requestIP(req);
        return options.handler(req, { remoteAddr: netAddr(ip?.address ?? "0.0.0.0", ip?.port ?? 0) });
      },
      maxRequestBodySize: Number.MAX_SAFE_INTEGER, error: (err) =>
        Response.json({ error: `Internal error: ${err?.message ?? String(err)}` }, { status: 500 }),
    });
    return Promise.resolve({
      addr: netAddr(server.hostname ?? options.hostname, server.port),
      close: async () => {
        await server.stop();
      },
    });
  } catch (err) {
    return Promise.reject(err);
  }
}

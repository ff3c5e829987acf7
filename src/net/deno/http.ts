/**
 * HTTP serving on Deno: `Deno.serve`.
 *
 * @module
 */
import type { HttpServer, ServeHttpOptions } from "../types.ts";
import { netAddr } from "../types.ts";

/** Serves HTTP with `Deno.serve`; resolves once listening. */
export function serveHttp(options: ServeHttpOptions): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
        onListen: () => {},
        onError: (err) =>
          Response.json({ error: `Internal error: ${(err as Error)?.message ?? String(err)}` }, { status: 500 }),
      }, (req, info) => {
        const r = info.remoteAddr as Deno.NetAddr;
        return options.handler(req, { remoteAddr: netAddr(r.hostname, r.port) });
      });
      const a = server.addr as Deno.NetAddr;
      resolve({
        addr: netAddr(a.hostname, a.port),
        close: () => server.shutdown(),
      });
    } catch (err) {
      reject(err);
    }
  });
}

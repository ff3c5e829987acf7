/**
 * The serving half of `http-proxy` (src/backends/http_proxy.ts): requests are served by the runtime's HTTP
 * server through {@linkcode InternalHttpServer} (keep-alive, chunked bodies), handled by Hono and sent
 * upstream with `node:http` ({@linkcode Upstream}), bodies streamed both ways; an upgrade request opening a
 * connection is tunnelled ({@linkcode tunnel}). Health checks request `path` and compare the status. Imported
 * only when such a backend is created.
 *
 * @module
 */
import { Hono } from "hono";
import type { NetAdapter } from "../net/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { BackendImpl } from "../backends/lazy.ts";
import { InternalHttpServer, type RoutedConn } from "./internal_server.ts";
import type { ProxyConfig } from "./proxy_config.ts";
import { forwardRequest } from "./forward.ts";
import { Upstream } from "./upstream.ts";
import { checkHttp } from "./health.ts";
import { readFirstHead, tunnel, wantsUpgrade } from "./tunnel.ts";
import { pathAndQuery } from "./template.ts";

/** Options of {@linkcode createProxyServer}. */
export interface ProxyServerOptions {
  readonly config: ProxyConfig;
  readonly net: NetAdapter;
  readonly logger: Logger;
}

/** Builds the proxy of one http-proxy backend (its server starts on the first connection). */
export function createProxyServer(options: ProxyServerOptions): Required<BackendImpl> {
  const { config, net, logger: log } = options;
  const upstream = new Upstream(config, log);

  const proxy = (req: Request, { ctx, signal }: RoutedConn): Response | Promise<Response> => {
    if (req.method === "CONNECT") {
      return new Response("CONNECT is not supported by a reverse proxy\n", { status: 405 });
    }
    const [path, query] = pathAndQuery(req.url);
    const fwd = forwardRequest(config, {
      method: req.method,
      path,
      query,
      headers: req.headers,
      props: ctx.props,
      clientIp: ctx.client.ip,
      localPort: ctx.localPort,
      hasBody: req.body !== null,
    });
    if (log.enabled("trace")) {
      log.trace(`Connection ${ctx.id}: ${req.method} ${path}${query} -> ${fwd.target}`);
    }
    return upstream.send(req.method, fwd, req.body, signal);
  };

  const app = new Hono<{ Bindings: RoutedConn }>();
  app.all("*", (c) => proxy(c.req.raw, c.env));
  const server = new InternalHttpServer({
    net,
    logger: log,
    handler: (req, routed) => app.fetch(req, routed),
    idleTimeout: config.idleTimeout,
  });
  return {
    async handleTcp(conn, ctx) {
      // The relay's idle limit starts after the head: until then, the same limit per wait for more of it.
      const first = await readFirstHead(conn, ctx.signal, undefined, config.idleTimeout);
      if (first.idle) {
        ctx.closeReason = "idle";
        return;
      }
      if (wantsUpgrade(first.head)) {
        await tunnel(conn, ctx, first, { config, net, logger: log });
        conn.close();
        return;
      }
      await server.serve(conn, ctx, first.bytes);
    },
    check: (checkOptions) => checkHttp(config, checkOptions),
    close() {
      void server.close();
      upstream.close();
    },
  };
}

/**
 * `http-proxy` (SPEC §9): a reverse proxy to `proxy.address`. Requests are served by the runtime's HTTP server
 * through {@linkcode InternalHttpServer} (keep-alive, chunked bodies), handled by Hono and sent upstream with
 * `node:http` ({@linkcode Upstream}), bodies streamed both ways; an upgrade request opening a connection is
 * tunnelled ({@linkcode tunnel}). Health checks request `path` and compare the status.
 *
 * @module
 */
import { Hono } from "hono";
import type { BackendProtocol } from "./types.ts";
import { createHttpProbe, HTTP_MATCHER_PARAMS } from "../http/matchers.ts";
import { InternalHttpServer, type RoutedConn } from "../http/internal_server.ts";
import { PROXY_PARAMS, readProxyConfig } from "../http/proxy_config.ts";
import { forwardRequest } from "../http/forward.ts";
import { Upstream } from "../http/upstream.ts";
import { checkHttp } from "../http/health.ts";
import { readFirstHead, tunnel, wantsUpgrade } from "../http/tunnel.ts";
import { pathAndQuery } from "../http/template.ts";

/** The http-proxy protocol. */
export const httpProxy: BackendProtocol = {
  name: "http-proxy",
  transports: ["tcp"],
  defaultTier: "normal",
  params: [...HTTP_MATCHER_PARAMS, ...PROXY_PARAMS],
  create(spec, _transport, services) {
    const probe = createHttpProbe(spec.params);
    const config = readProxyConfig(spec.params);
    const log = services.logger;
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
        localPort: ctx.local.port,
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
      net: services.net,
      logger: log,
      handler: (req, routed) => app.fetch(req, routed),
    });
    return {
      probe,
      async handleTcp(conn, ctx) {
        const first = await readFirstHead(conn, ctx.signal);
        if (wantsUpgrade(first.head)) {
          await tunnel(conn, ctx, first, { config, net: services.net, logger: log });
          conn.close();
          return;
        }
        await server.serve(conn, ctx, first.bytes);
      },
      check: (options) => checkHttp(config, options),
      dispose() {
        void server.close();
        upstream.close();
      },
    };
  },
};

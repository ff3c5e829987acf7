/**
 * The serving half of `http-response` (src/backends/http_response.ts): the runtime's HTTP server through
 * {@linkcode InternalHttpServer}, requests handled by Hono. Imported only when such a backend is created.
 *
 * @module
 */
import { Hono } from "hono";
import type { ConnContext } from "../core/backend.ts";
import type { NetAdapter } from "../net/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { BackendImpl } from "../backends/lazy.ts";
import { InternalHttpServer } from "./internal_server.ts";

/** Options of {@linkcode createResponseServer}. */
export interface ResponseServerOptions {
  readonly net: NetAdapter;
  readonly logger: Logger;
  /** Answers one request. */
  readonly respond: (req: Request, ctx: ConnContext) => Response;
  /** ms without traffic either way before a client connection is closed; 0: never. */
  readonly idleTimeout: number;
}

/** Builds the server of one http-response backend (started on the first connection). */
export function createResponseServer(options: ResponseServerOptions): BackendImpl {
  const { respond } = options;
  const app = new Hono<{ Bindings: { ctx: ConnContext } }>();
  app.all("*", (c) => respond(c.req.raw, c.env.ctx));
  const server = new InternalHttpServer({
    net: options.net,
    logger: options.logger,
    handler: (req, routed) => app.fetch(req, { ctx: routed.ctx }),
    idleTimeout: options.idleTimeout,
  });
  return {
    handleTcp: (conn, ctx) => server.serve(conn, ctx),
    close: () => void server.close(),
  };
}
